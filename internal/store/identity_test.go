package store

import (
	"context"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestStore_Identities: a provider's subject is linked to one account,
// found by it, listed for the account; a second link of the subject, or
// of the account at the same provider, is a conflict that stores nothing
// (no entry either); another provider may link the same account.
func TestStore_Identities(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		dana := mustUser(t, s, "dana")
		erin := mustUser(t, s, "erin")
		const iss = "https://login.example.org/"
		ev := func(user string) roi.Event {
			return roi.Event{Kind: roi.EventIdentityLinked, Actor: "oidc", Body: roi.IdentityLinkedBody{Username: user, Issuer: iss}}
		}
		if _, err := s.UserByIdentity(ctx, iss, "sub-1"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Fatalf("before linking: %v, want not found", err)
		}
		if err := s.LinkIdentity(ctx, Identity{Issuer: iss, Subject: "sub-1", UserID: dana.ID}, ev("dana")); err != nil {
			t.Fatal(err)
		}
		u, err := s.UserByIdentity(ctx, iss, "sub-1")
		if err != nil || u.ID != dana.ID {
			t.Fatalf("by identity: %+v, %v; want dana", u, err)
		}
		// The subject alone names nobody: another issuer's sub-1 is not dana.
		if _, err := s.UserByIdentity(ctx, "https://other.example.org/", "sub-1"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("another issuer's subject found an account: %v", err)
		}
		for _, c := range []Identity{
			{Issuer: iss, Subject: "sub-1", UserID: erin.ID}, // the subject is dana's
			{Issuer: iss, Subject: "sub-2", UserID: dana.ID}, // dana has a subject at iss
		} {
			if err := s.LinkIdentity(ctx, c, ev("x")); roi.CodeOf(err) != roi.CodeConflict {
				t.Errorf("link %+v: %v, want a conflict", c, err)
			}
		}
		if err := s.LinkIdentity(ctx, Identity{Issuer: "https://other.example.org/", Subject: "d", UserID: dana.ID}, ev("dana")); err != nil {
			t.Errorf("a second provider for dana: %v", err)
		}
		ids, err := s.IdentitiesOf(ctx, dana.ID)
		if err != nil || len(ids) != 2 {
			t.Errorf("dana's identities: %+v, %v; want 2", ids, err)
		}
		if ids, _ := s.IdentitiesOf(ctx, erin.ID); len(ids) != 0 {
			t.Errorf("erin has identities: %+v", ids)
		}
		if evs, _ := s.Ledger(ctx, LedgerFilter{Kind: roi.EventIdentityLinked}); len(evs) != 2 {
			t.Errorf("%d identity-linked entries, want 2 (the refused links wrote none)", len(evs))
		}
	})
}
