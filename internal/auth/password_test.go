package auth

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestMain makes argon2 cheap: 64 MiB and 3 passes per hash would make the
// suite slow. TestHashPassword_RealCost checks the real costs once.
func TestMain(m *testing.M) {
	params = argonParams{memory: 1024, time: 1, threads: 1}
	os.Exit(m.Run())
}

func TestHashPassword_RealCost(t *testing.T) {
	if testing.Short() {
		t.Skip("argon2 at 64 MiB")
	}
	saved := params
	params = argonParams{memory: 64 * 1024, time: 3, threads: 2}
	defer func() { params = saved }()
	phc, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(phc) {
		t.Errorf("PHC string %q", phc)
	}
	if ok, err := CheckPassword(phc, "correct horse battery"); !ok || err != nil {
		t.Errorf("right password refused: %v", err)
	}
}

func TestCheckPassword(t *testing.T) {
	phc, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(phc, "correct") {
		t.Fatal("the hash holds the password")
	}
	if ok, err := CheckPassword(phc, "correct horse battery"); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery ", "Correct horse battery"} {
		if ok, err := CheckPassword(phc, wrong); ok || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v", wrong, ok, err)
		}
	}
	again, _ := HashPassword("correct horse battery")
	if again == phc {
		t.Error("two hashes of one password are equal: no salt")
	}
	// Hashes made with other costs still check: the string carries them.
	saved := params
	params = argonParams{memory: 2048, time: 2, threads: 2}
	other, _ := HashPassword("correct horse battery")
	params = saved
	if ok, _ := CheckPassword(other, "correct horse battery"); !ok {
		t.Error("a hash with other costs no longer checks")
	}
}

func TestCheckPassword_BadHash(t *testing.T) {
	good, _ := HashPassword("correct horse battery")
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=1024,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=1024,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=4194304,t=1,p=1$" + parts[4] + "$" + parts[5], // 4 GiB: refused, not computed
		"$argon2id$v=19$m=1024,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=1024,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=1024,t=1,p=1$" + parts[4] + "$",
	} {
		if ok, err := CheckPassword(bad, "correct horse battery"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestHashSlots(t *testing.T) {
	if cap(hashSlots) != 2 {
		t.Errorf("%d concurrent hashes allowed, want 2 (64 MiB each)", cap(hashSlots))
	}
}

func TestCheckPolicy(t *testing.T) {
	for _, tc := range []struct {
		pw, user string
		ok       bool
		says     string
	}{
		{"tr0ub4dor&3x", "alice", true, ""},
		{"twelve chars", "", true, ""},
		{"ééééééééééé", "alice", false, "at least 12 characters"}, // 11 runes, 22 bytes
		{"short pw", "alice", false, "at least 12 characters"},
		{"", "alice", false, "at least 12 characters"},
		{"my name is Alice.Smith!", "alice.smith", false, "must not contain the user name"},
		{"alicealicealice", "alice", false, "must not contain the user name"},
	} {
		err := CheckPolicy(tc.pw, tc.user)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPolicy(%q, %q) = %v, want ok=%v", tc.pw, tc.user, err, tc.ok)
			continue
		}
		if err != nil {
			if roi.CodeOf(err) != roi.CodeInvalid || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("CheckPolicy(%q): %v, want it to say %q", tc.pw, err, tc.says)
			}
			if tc.pw != "" && strings.Contains(err.Error(), tc.pw) {
				t.Errorf("the message repeats the password: %v", err)
			}
		}
	}
}
