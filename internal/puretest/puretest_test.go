package puretest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// recorder is a testing.TB that notes a failure instead of failing the
// test running it; a fatal one ends the checking goroutine.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }
func (r *recorder) Skip(...any)           { runtime.Goexit() }

// TestCheckFindsImpurity: the checker fails a package that imports
// something off its list, depends on the network, or reads the clock —
// and passes one that does none of these.
func TestCheckFindsImpurity(t *testing.T) {
	mod, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) string {
		dir, err := os.MkdirTemp(filepath.Join(mod, "internal", "puretest"), "testpkg-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.WriteFile(filepath.Join(dir, name+".go"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return "./" + filepath.Base(dir)
	}
	pure := write("p", "package p\n\nimport \"strings\"\n\nfunc F(s string) string { return strings.ToUpper(s) }\n")
	netted := write("p", "package p\n\nimport \"net/http\"\n\nvar C = http.DefaultClient\n")
	clocked := write("p", "package p\n\nimport \"time\"\n\nfunc F() int64 { return time.Now().Unix() }\n")
	cases := []struct {
		pkg     string
		allowed []string
		fail    bool
	}{
		{pure, []string{"strings"}, false},
		{pure, nil, true},                    // import not allowed
		{netted, []string{"net/http"}, true}, // allowed, but reaches the network
		{clocked, []string{"time"}, true},    // allowed, but reads the clock
	}
	for _, c := range cases {
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); Check(r, c.pkg, c.allowed) }()
		<-done
		if r.failed != c.fail {
			t.Errorf("Check(%s, %v) failed=%v, want %v", c.pkg, c.allowed, r.failed, c.fail)
		}
	}
}
