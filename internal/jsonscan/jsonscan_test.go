package jsonscan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// reference lists a document's string values with their paths as
// encoding/json's tokenizer reads them (duplicate members included).
func reference(t testing.TB, data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj  bool
		key  string
		want bool // in an object, the next string is a member name
	}
	var stack []frame
	var out []string
	path := func() string {
		var keys []string
		for _, f := range stack {
			if f.obj {
				keys = append(keys, f.key)
			}
		}
		return strings.Join(keys, ".")
	}
	done := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].want = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				stack = append(stack, frame{obj: v == '{', want: true})
				continue
			}
			stack = stack[:len(stack)-1]
			done()
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].want {
				stack[n-1].key, stack[n-1].want = v, false
				continue
			}
			out = append(out, path()+"="+v)
			done()
		default:
			done()
		}
	}
	slices.Sort(out)
	return out
}

func scanned(t testing.TB, data []byte) ([]string, int) {
	var out []string
	objects := 0
	err := Walk(data, func(path []string, s string) {
		out = append(out, strings.Join(path, ".")+"="+s)
	}, func([]string) { objects++ })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out, objects
}

func TestWalkMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{"a":"x","b":[{"c":"y","d":1.5e3},{"c":"\u00e9\n\"q\" \ud83d\ude00"}],"e":{"f":null,"g":true,"h":[]},"i":{}}`,
		`"top"`, `[]`, `{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"718-7","display":"Hemoglobin"}],"text":"Hgb \\ A/B"}}`,
	}
	files, _ := filepath.Glob("../../../shared/data/synthea/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	for _, d := range docs {
		got, _ := scanned(t, []byte(d))
		want := reference(t, []byte(d))
		if !slices.Equal(got, want) {
			t.Fatalf("walk differs from encoding/json on a document of %d bytes: %d strings, want %d", len(d), len(got), len(want))
		}
	}
	if len(files) == 0 {
		t.Log("../shared/data not found: only the built-in documents were compared")
	}
}

func TestWalkEndsObjects(t *testing.T) {
	_, n := scanned(t, []byte(`{"a":[{"b":{}},{"c":"d"}]}`))
	if n != 4 {
		t.Fatalf("%d objects ended, want 4", n)
	}
}

func TestWalkRefusesMalformed(t *testing.T) {
	for _, d := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":"b",}`, `["a" "b"]`, `"abc`, `{"a":"\x"}`, `{"a":tru}`, `{"a":"b"} x`, `{"a":"` + "\x01" + `"}`, `[-]`} {
		if err := Walk([]byte(d), nil, nil); err == nil {
			t.Errorf("%q accepted", d)
		}
	}
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte(`{"a":"x","b":[{"c":"y"}]}`))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Walk(data, func([]string, string) {}, nil)
		if !json.Valid(data) {
			return // Walk must refuse or at least not panic
		}
		if err != nil {
			t.Fatalf("valid JSON refused: %v", err)
		}
		var buf bytes.Buffer
		// encoding/json replaces invalid UTF-8; Walk passes bytes through.
		if json.Compact(&buf, data) == nil && utf8.Valid(data) {
			got, _ := scanned(t, data)
			if want := reference(t, data); !slices.Equal(got, want) {
				t.Fatalf("walk differs from encoding/json")
			}
		}
	})
}
