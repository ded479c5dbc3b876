package demo

import (
	"context"

	"github.com/custodian-roi/custodian/internal/auth"
)

// Password is every demo account's password. Demo only: the demo database
// is fresh and deleted on exit.
const Password = "custodian-demo-2026"

// Login is one demo staff account and its authenticator secret.
type Login struct {
	Username string
	Role     auth.Role
	Secret   string // the TOTP secret; `custodian totp SECRET` prints the current code
}

// SpecialistName is the demo specialist's name, as pages show it.
const SpecialistName = "Sam Specialist"

// Users creates one demo account per role, named as the seed's actors.
func Users(ctx context.Context, svc *auth.Service) ([]Login, error) {
	accounts := []struct {
		user, name string
		role       auth.Role
	}{
		{Actor, "Dana Clerk", auth.RoleIntakeClerk},
		{Specialist, SpecialistName, auth.RoleSpecialist},
		{QA, "Quinn Reviewer", auth.RoleQAReviewer},
		{"demo.privacy", "Pat Privacy", auth.RolePrivacyOfficer},
		{"demo.admin", "Alex Admin", auth.RoleAdministrator},
		{"demo.auditor", "Avery Auditor", auth.RoleAuditor},
	}
	var out []Login
	for _, a := range accounts {
		u, _, err := svc.AddUser(ctx, a.user, a.name, a.role, Password)
		if err != nil {
			return nil, err
		}
		out = append(out, Login{Username: u.Username, Role: a.role, Secret: u.TOTPSecret})
	}
	return out, nil
}
