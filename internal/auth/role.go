package auth

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Role is a staff member's job at the desk. Each account has one.
type Role string

// The roles.
const (
	RoleIntakeClerk    Role = "intake-clerk"
	RoleSpecialist     Role = "roi-specialist"
	RoleQAReviewer     Role = "qa-reviewer"
	RolePrivacyOfficer Role = "privacy-officer"
	RoleAdministrator  Role = "administrator"
	RoleAuditor        Role = "auditor" // read-only
)

// Roles lists every role, in the order shown to people.
var Roles = []Role{RoleIntakeClerk, RoleSpecialist, RoleQAReviewer, RolePrivacyOfficer, RoleAdministrator, RoleAuditor}

// ParseRole returns the role named s, CodeInvalid if there is none.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", roi.Errorf(roi.CodeInvalid, "There is no role %q; the roles are %s.", s, strings.Join(names, ", "))
}

// Permission is something a role may do.
type Permission string

// The permissions. PermViewRequest is the one that shows PHI.
const (
	PermViewQueue         Permission = "view-queue"         // list requests: numbers, statuses, due dates, requesters
	PermViewRequest       Permission = "view-request"       // open a request and its patient's chart (PHI)
	PermIntake            Permission = "intake"             // log a new request, edit its details
	PermEvidence          Permission = "evidence"           // attach evidence, upload documents, verify identity
	PermEvaluate          Permission = "evaluate"           // run the decision engine
	PermDecide            Permission = "decide"             // take a decision on a request
	PermReview            Permission = "review"             // second pair of eyes: approve a sensitive release or a denial
	PermResolveEscalation Permission = "resolve-escalation" // settle an escalated request
	PermRelease           Permission = "release"            // build and send the packet
	PermCompleteDelivery  Permission = "complete-delivery"  // record mail, fax and pickup deliveries
	PermLabel             Permission = "label"              // correct a chart item's sensitivity labels
	PermAccounting        Permission = "accounting"         // accounting of disclosures (PHI)
	PermMetrics           Permission = "metrics"            // counts and timeliness, no PHI
	PermLedger            Permission = "ledger"             // verify the ledger's hash chain
	PermManageUsers       Permission = "manage-users"       // add, change and disable staff accounts
)

// Permissions lists every permission.
var Permissions = []Permission{PermViewQueue, PermViewRequest, PermIntake, PermEvidence, PermEvaluate, PermDecide,
	PermReview, PermResolveEscalation, PermRelease, PermCompleteDelivery, PermLabel, PermAccounting, PermMetrics,
	PermLedger, PermManageUsers}

// readOnly are the permissions that change nothing.
var readOnly = map[Permission]bool{PermViewQueue: true, PermViewRequest: true, PermAccounting: true, PermMetrics: true, PermLedger: true}

// ReadOnly reports whether p only reads.
func ReadOnly(p Permission) bool { return readOnly[p] }

// matrix is the one place that says who may do what.
//
// The administrator manages accounts and looks after the system (metrics,
// the ledger's chain) but reads no PHI: not even the queue, which names
// requesters, who are often the patients. An administrator who also works
// requests needs a second account in that role. The auditor only reads.
var matrix = map[Role][]Permission{
	RoleIntakeClerk: {PermViewQueue, PermViewRequest, PermIntake, PermEvidence, PermCompleteDelivery},
	RoleSpecialist: {PermViewQueue, PermViewRequest, PermIntake, PermEvidence, PermCompleteDelivery,
		PermEvaluate, PermDecide, PermRelease, PermLabel},
	RoleQAReviewer: {PermViewQueue, PermViewRequest, PermReview, PermMetrics},
	RolePrivacyOfficer: {PermViewQueue, PermViewRequest, PermReview, PermResolveEscalation, PermAccounting,
		PermMetrics, PermLedger, PermLabel},
	RoleAdministrator: {PermManageUsers, PermMetrics, PermLedger},
	RoleAuditor:       {PermViewQueue, PermViewRequest, PermAccounting, PermMetrics, PermLedger},
}

var can = func() map[Role]map[Permission]bool {
	m := map[Role]map[Permission]bool{}
	for r, ps := range matrix {
		m[r] = map[Permission]bool{}
		for _, p := range ps {
			m[r][p] = true
		}
	}
	return m
}()

// Can reports whether role r may do p. An unknown role may do nothing.
func Can(r Role, p Permission) bool { return can[r][p] }
