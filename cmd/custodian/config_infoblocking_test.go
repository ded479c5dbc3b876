package main

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/workflow"
)

// info_blocking.ready_limit_days reaches the desk; absent leaves the
// default; a negative or absurd limit is refused naming the key.
func TestConfigureReadyLimit(t *testing.T) {
	desk := workflow.New(nil)
	if err := configure(desk, writeConfig(t, `{"organization":{"name":"X"},"info_blocking":{"ready_limit_days":5}}`), configEnv); err != nil {
		t.Fatal(err)
	}
	if desk.ReadyLimitDays != 5 {
		t.Errorf("ready limit %d, want 5", desk.ReadyLimitDays)
	}
	plain := workflow.New(nil)
	if err := configure(plain, writeConfig(t, `{"organization":{"name":"X"}}`), configEnv); err != nil {
		t.Fatal(err)
	}
	if plain.ReadyLimitDays != 0 {
		t.Errorf("ready limit %d without the key, want 0 (the default applies)", plain.ReadyLimitDays)
	}
	for _, bad := range []string{`-1`, `31`} {
		err := configure(workflow.New(nil), writeConfig(t, `{"organization":{"name":"X"},"info_blocking":{"ready_limit_days":`+bad+`}}`), configEnv)
		if err == nil || !strings.Contains(err.Error(), "info_blocking.ready_limit_days") {
			t.Errorf("ready_limit_days %s: %v, want an error naming the key", bad, err)
		}
	}
}
