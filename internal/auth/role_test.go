package auth

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

func TestCan_Matrix(t *testing.T) {
	// Every cell of the matrix, written out again: a change to who may do
	// what must change this table too.
	const (
		C  = RoleIntakeClerk
		S  = RoleSpecialist
		Q  = RoleQAReviewer
		P  = RolePrivacyOfficer
		A  = RoleAdministrator
		Au = RoleAuditor
	)
	want := map[Permission][]Role{
		PermViewQueue:         {C, S, Q, P, Au},
		PermViewRequest:       {C, S, Q, P, Au},
		PermIntake:            {C, S},
		PermEvidence:          {C, S},
		PermEvaluate:          {S},
		PermDecide:            {S},
		PermReview:            {Q, P},
		PermResolveEscalation: {P},
		PermRelease:           {S},
		PermCompleteDelivery:  {C, S},
		PermLabel:             {S, P},
		PermAccounting:        {P, Au},
		PermMetrics:           {Q, P, A, Au},
		PermLedger:            {P, A, Au},
		PermManageUsers:       {A},
	}
	if len(want) != len(Permissions) {
		t.Fatalf("the table has %d permissions, the package %d", len(want), len(Permissions))
	}
	for _, p := range Permissions {
		allowed := map[Role]bool{}
		for _, r := range want[p] {
			allowed[r] = true
		}
		for _, r := range Roles {
			if got := Can(r, p); got != allowed[r] {
				t.Errorf("Can(%s, %s) = %v, want %v", r, p, got, allowed[r])
			}
		}
	}
}

// TestCan_AuditorReadOnly: the auditor has no permission that changes
// anything, and does have the ones it needs to audit.
func TestCan_AuditorReadOnly(t *testing.T) {
	for _, p := range Permissions {
		if Can(RoleAuditor, p) && !ReadOnly(p) {
			t.Errorf("the auditor may %s, which changes things", p)
		}
	}
	for _, p := range []Permission{PermViewRequest, PermAccounting, PermLedger} {
		if !Can(RoleAuditor, p) {
			t.Errorf("the auditor may not %s", p)
		}
	}
	// And ReadOnly is right about the ones that write.
	for _, p := range []Permission{PermIntake, PermEvidence, PermEvaluate, PermDecide, PermReview, PermResolveEscalation,
		PermRelease, PermCompleteDelivery, PermLabel, PermManageUsers} {
		if ReadOnly(p) {
			t.Errorf("%s is marked read-only", p)
		}
	}
}

func TestCan_NoPHIForAdministrator(t *testing.T) {
	for _, p := range []Permission{PermViewQueue, PermViewRequest, PermAccounting} {
		if Can(RoleAdministrator, p) {
			t.Errorf("the administrator may %s", p)
		}
	}
	// Only the administrator manages accounts.
	for _, r := range Roles {
		if Can(r, PermManageUsers) != (r == RoleAdministrator) {
			t.Errorf("Can(%s, manage-users) = %v", r, Can(r, PermManageUsers))
		}
	}
}

func TestCan_UnknownRole(t *testing.T) {
	for _, p := range Permissions {
		if Can("", p) || Can("Administrator", p) || Can("root", p) {
			t.Errorf("an unknown role may %s", p)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "admin", "Auditor", " auditor"} {
		if _, err := ParseRole(s); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("ParseRole(%q): %v", s, err)
		}
	}
}
