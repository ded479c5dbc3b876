package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

func mustUser(t *testing.T, s *Store, username string) *User {
	t.Helper()
	u := &User{Username: username, Name: "Test Clerk", Role: "intake-clerk", PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", TOTPSecret: "JBSWY3DPEHPK3PXP"}
	if err := s.AddUser(context.Background(), u, roi.Event{Kind: "user-added", Actor: "admin", Body: map[string]string{"username": username}}); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStore_Users(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
		s.Now = func() time.Time { return at }
		b := mustUser(t, s, "bob")
		a := mustUser(t, s, "alice")
		if a.ID == 0 || a.ID == b.ID || !a.CreatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("added %+v", a)
		}
		// A taken name is a conflict, and nothing of it is stored.
		dup := &User{Username: "alice", Name: "Other", Role: "auditor", PasswordHash: "x", TOTPSecret: "y"}
		if err := s.AddUser(ctx, dup, roi.Event{Kind: "user-added", Actor: "admin"}); roi.CodeOf(err) != roi.CodeConflict {
			t.Fatalf("duplicate username: %v", err)
		}
		if evs, _ := s.Ledger(ctx, LedgerFilter{Kind: "user-added"}); len(evs) != 2 {
			t.Errorf("%d user-added events, want 2", len(evs))
		}

		got, err := s.UserByName(ctx, "alice")
		if err != nil || got.ID != a.ID || got.Name != "Test Clerk" || got.Role != "intake-clerk" || got.PasswordHash != a.PasswordHash ||
			got.TOTPSecret != a.TOTPSecret || got.Disabled || !got.LockedUntil.IsZero() || got.Failed != 0 {
			t.Fatalf("by name: %+v %v", got, err)
		}
		if byID, err := s.UserByID(ctx, b.ID); err != nil || byID.Username != "bob" {
			t.Fatalf("by id: %+v %v", byID, err)
		}
		if _, err := s.UserByName(ctx, "carol"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("unknown name: %v", err)
		}
		if _, err := s.UserByID(ctx, 9999); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("unknown id: %v", err)
		}
		all, err := s.Users(ctx)
		if err != nil || len(all) != 2 || all[0].Username != "alice" || all[1].Username != "bob" {
			t.Fatalf("users: %v %v", all, err)
		}

		// Every field UpdateUser may change round trips; the failure is
		// returned and the state and events committed all the same.
		lock := at.Add(15 * time.Minute)
		wrong := roi.Errorf(roi.CodeUnauthenticated, "no")
		err = s.UpdateUser(ctx, a.ID, func(u *User) ([]roi.Event, error) {
			u.Name, u.Role, u.PasswordHash, u.TOTPSecret = "Alice A", "auditor", "new-hash", "NEWSECRET"
			u.TOTPLastStep, u.Failed, u.LockedUntil, u.Disabled = 1234567890123, 3, lock, true
			u.Username, u.ID = "mallory", 77 // not changeable
			return []roi.Event{{Kind: "login-failed", Actor: "alice"}, {Kind: "account-locked", Actor: "alice"}}, wrong
		})
		if !errors.Is(err, wrong) {
			t.Fatalf("UpdateUser returned %v, want fn's error", err)
		}
		got, _ = s.UserByID(ctx, a.ID)
		if got.Username != "alice" || got.Name != "Alice A" || got.Role != "auditor" || got.PasswordHash != "new-hash" || got.TOTPSecret != "NEWSECRET" ||
			got.TOTPLastStep != 1234567890123 || got.Failed != 3 || !got.LockedUntil.Equal(lock.Truncate(time.Microsecond)) || !got.Disabled {
			t.Fatalf("after update: %+v", got)
		}
		for _, kind := range []roi.EventKind{roi.EventLoginFailed, roi.EventAccountLocked} {
			if evs, _ := s.Ledger(ctx, LedgerFilter{Kind: kind}); len(evs) != 1 {
				t.Errorf("%d %s events, want 1", len(evs), kind)
			}
		}
		// The lock clears back to the zero time.
		s.UpdateUser(ctx, a.ID, func(u *User) ([]roi.Event, error) { u.LockedUntil = time.Time{}; return nil, nil })
		if got, _ := s.UserByID(ctx, a.ID); !got.LockedUntil.IsZero() {
			t.Errorf("lock not cleared: %v", got.LockedUntil)
		}
		if err := s.UpdateUser(ctx, 9999, func(*User) ([]roi.Event, error) { return nil, nil }); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("update of unknown user: %v", err)
		}
		if n, err := s.VerifyLedger(ctx); err != nil || n != 4 {
			t.Errorf("ledger: %d %v", n, err)
		}
	})
}

// TestStore_UpdateUserSerialized: concurrent updates of one account never
// lose a change (each failure counts) on either database.
func TestStore_UpdateUserSerialized(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u := mustUser(t, s, "alice")
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if err := s.UpdateUser(context.Background(), u.ID, func(u *User) ([]roi.Event, error) {
					u.Failed++
					return nil, nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got, _ := s.UserByID(context.Background(), u.ID); got.Failed != 10 {
			t.Errorf("failed=%d after 10 concurrent increments", got.Failed)
		}
	})
}

func TestStore_Sessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		a, b := mustUser(t, s, "alice"), mustUser(t, s, "bob")
		sess := &Session{TokenHash: "h1", UserID: a.ID, MFA: true, Client: "192.0.2.1", CreatedAt: at, LastSeen: at, ExpiresAt: at.Add(12 * time.Hour)}
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, sess); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("same token hash twice: %v", err)
		}
		s.CreateSession(ctx, &Session{TokenHash: "h2", UserID: a.ID, CreatedAt: at, LastSeen: at, ExpiresAt: at.Add(5 * time.Minute)})
		s.CreateSession(ctx, &Session{TokenHash: "h3", UserID: b.ID, MFA: true, CreatedAt: at, LastSeen: at, ExpiresAt: at.Add(time.Hour)})
		if err := s.CreateSession(ctx, &Session{TokenHash: "h4", UserID: 9999, CreatedAt: at, LastSeen: at, ExpiresAt: at}); err == nil {
			t.Error("session of an unknown user stored")
		}

		got, err := s.SessionByHash(ctx, "h1")
		if err != nil || got.UserID != a.ID || !got.MFA || got.Client != "192.0.2.1" || !got.CreatedAt.Equal(at) || !got.ExpiresAt.Equal(at.Add(12*time.Hour)) {
			t.Fatalf("session: %+v %v", got, err)
		}
		if p, _ := s.SessionByHash(ctx, "h2"); p.MFA {
			t.Error("a pending sign-in came back with mfa")
		}
		if _, err := s.SessionByHash(ctx, "nope"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("unknown session: %v", err)
		}
		if err := s.TouchSession(ctx, "h1", at.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SessionByHash(ctx, "h1"); !got.LastSeen.Equal(at.Add(3 * time.Minute)) {
			t.Errorf("last seen %v", got.LastSeen)
		}

		// h2 is past its expiry, h3 idle since 9:00; h1 was seen at 9:03.
		if n, err := s.DeleteStaleSessions(ctx, at.Add(10*time.Minute), at.Add(time.Minute)); err != nil || n != 2 {
			t.Errorf("stale sessions removed %d, %v; want 2", n, err)
		}
		if _, err := s.SessionByHash(ctx, "h1"); err != nil {
			t.Errorf("a live session was removed: %v", err)
		}
		s.CreateSession(ctx, &Session{TokenHash: "h5", UserID: b.ID, MFA: true, CreatedAt: at, LastSeen: at, ExpiresAt: at.Add(time.Hour)})
		if err := s.DeleteSession(ctx, "h5"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, "h5"); err != nil {
			t.Errorf("deleting a gone session: %v", err)
		}
		s.CreateSession(ctx, &Session{TokenHash: "h6", UserID: a.ID, MFA: true, CreatedAt: at, LastSeen: at, ExpiresAt: at.Add(time.Hour)})
		if n, err := s.DeleteUserSessions(ctx, a.ID); err != nil || n != 2 {
			t.Errorf("user sessions removed %d, %v; want 2", n, err)
		}
		if _, err := s.SessionByHash(ctx, "h6"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("session survived DeleteUserSessions: %v", err)
		}
	})
}
