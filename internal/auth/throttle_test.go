package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Sign-in that cannot be turned against its users (issue #15, M2).

// countHashes counts the password hashes checked until the test ends.
func countHashes(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	saved := checkPassword
	checkPassword = func(phc, pw string) (bool, error) {
		n.Add(1)
		return saved(phc, pw)
	}
	t.Cleanup(func() { checkPassword = saved })
	return &n
}

// TestThrottle_WrongPasswordsDoNotLockFromElsewhere: five wrong
// passwords from one address slow that address with growing delays,
// unhashed while they last, and neither lock the account nor slow its
// owner at another address.
func TestThrottle_WrongPasswordsDoNotLockFromElsewhere(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.add("alice", RoleIntakeClerk)
	hashes := countHashes(t)
	const attacker, owner = "203.0.113.66", "198.51.100.20"
	for range MaxFailures {
		_, err := e.svc.Login(ctx, "alice", "a guess", attacker)
		wantWrong(t, err)
	}
	// The sixth at once is refused without hashing, and says to wait.
	before := hashes.Load()
	_, err := e.svc.Login(ctx, "alice", password, attacker)
	if roi.CodeOf(err) != roi.CodeRateLimited {
		t.Fatalf("sixth attempt from the same address: %v, want rate-limited", err)
	}
	if hashes.Load() != before {
		t.Error("a throttled attempt was hashed")
	}
	// The owner, elsewhere, is not slowed and the account is not locked.
	if _, err := e.svc.Login(ctx, "alice", password, owner); err != nil {
		t.Fatalf("the owner at another address: %v", err)
	}
	if u := e.user(alice); !u.LockedUntil.IsZero() {
		t.Errorf("the account was locked until %v", u.LockedUntil)
	}
	if n := len(e.events("account-locked")); n != 0 {
		t.Errorf("%d account-locked entries", n)
	}
	// The delays grow: DelayBase after the fifth failure, twice that
	// after the sixth.
	start := e.now
	e.now = start.Add(DelayBase - time.Second)
	if _, err := e.svc.Login(ctx, "alice", "a guess", attacker); roi.CodeOf(err) != roi.CodeRateLimited {
		t.Errorf("before the first delay: %v", err)
	}
	e.now = start.Add(DelayBase)
	_, err = e.svc.Login(ctx, "alice", "a guess", attacker)
	wantWrong(t, err)
	after6 := e.now
	e.now = after6.Add(2*DelayBase - time.Second)
	if _, err := e.svc.Login(ctx, "alice", "a guess", attacker); roi.CodeOf(err) != roi.CodeRateLimited {
		t.Errorf("before the doubled delay: %v", err)
	}
	e.now = after6.Add(2 * DelayBase)
	_, err = e.svc.Login(ctx, "alice", "a guess", attacker)
	wantWrong(t, err)
}

// TestThrottle_ConcurrentGuessesHashed: guesses arriving all at once
// are counted before they are hashed, so no more are hashed than the
// limits allow: MaxFailures from one address, AccountLockFailures from
// many.
func TestThrottle_ConcurrentGuessesHashed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		addr    func(i int) string
		guesses int
		max     int64
	}{
		{"one address", func(int) string { return "203.0.113.66" }, 40, MaxFailures},
		{"many addresses", from, 60, AccountLockFailures},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.add("alice", RoleIntakeClerk)
			hashes := countHashes(t)
			var wg sync.WaitGroup
			var wrong, limited, other atomic.Int64
			for i := range tc.guesses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := e.svc.Login(context.Background(), "alice", "a guess", tc.addr(i))
					switch roi.CodeOf(err) {
					case roi.CodeUnauthenticated:
						wrong.Add(1)
					case roi.CodeRateLimited:
						limited.Add(1)
					default:
						other.Add(1)
						t.Errorf("guess %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			if n := hashes.Load(); n > tc.max {
				t.Errorf("%d guesses hashed, want at most %d", n, tc.max)
			}
			if limited.Load() < int64(tc.guesses)-tc.max {
				t.Errorf("%d refused, want at least %d", limited.Load(), int64(tc.guesses)-tc.max)
			}
			if wrong.Load() == 0 {
				t.Error("no guess was checked at all")
			}
		})
	}
}
