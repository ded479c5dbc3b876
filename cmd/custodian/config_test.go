package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/custodian-roi/custodian/internal/workflow"
)

func TestProbe(t *testing.T) {
	env := func(k string) string { return map[string]string{"PW": "secret"}[k] }
	for _, body := range []string{
		`{"organization":{"name":"X"}} trailing garbage`,
		`{"organization":{"name":"X"}}{"smtp":1}`,
		`{"organization":{"name":"X"},"smtp":{"host":"h","from":"f","password_env":"PW"}}`,
		`{"organization":{"name":"X"},"smtp":{"host":"h:25","from":"not an address","username":"u","password_env":"PW"}}`,
		`{"organization":{"name":"X"},"fees":{"method":"bogus"}}`,
		`{"organization":{"name":"X"},"sftp":{"d":{"addr":"a","user":"u","host_key":"garbage","password_env":"PW"}}}`,
		`{"organization":{"name":"X"},"sftp":{"":{"addr":"a","user":"u","host_key":"garbage","password_env":"PW"}}}`,
		`{"organization":{"name":"  "}}`,
		`{"organization":{"name":"X","portal_url":"javascript:alert(1)"}}`,
		`{"organization":{"name":"X"},"fees":{"state":"tx"}}`,
		`{"organization":{"name":"X"},"smtp":null}`,
		`null`,
	} {
		f := filepath.Join(t.TempDir(), "c.json")
		os.WriteFile(f, []byte(body), 0o600)
		d := workflow.New(nil)
		err := configure(d, f, env)
		t.Logf("%s => %v", body, err)
	}
}
