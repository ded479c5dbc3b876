package web

import (
	"fmt"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
)

// word is a code of the desk (a status, a requester kind, a basis, a
// delivery, a label) in the words a records clerk uses. The codes stay in
// the API and the ledger; pages show these.
func word(v any) string {
	var w string
	switch x := v.(type) {
	case roi.Status:
		w = statusWords[x]
	case roi.Kind:
		w = kindWords[x]
	case roi.Basis:
		w = basisWords[x]
	case roi.Delivery:
		w = deliveryWords[x]
	case roi.Label:
		w = labelWords[x]
	case roi.RequestType:
		w = typeWords[x]
	case roi.DocumentKind:
		w = x.Title()
	case auth.Role:
		w = roleWords[x]
	case roi.Outcome:
		w = outcomeWords[x]
	case string:
		return strings.ReplaceAll(x, "_", " ")
	}
	if w != "" {
		return w
	}
	// A code without words yet (a new event kind, a reason code) reads
	// as itself with spaces.
	return strings.ReplaceAll(strings.ReplaceAll(toString(v), "_", " "), "-", " ")
}

func toString(v any) string { return fmt.Sprint(v) }

var statusWords = map[roi.Status]string{
	roi.StatusReceived:          "Received",
	roi.StatusVerifying:         "Checking identity and authority",
	roi.StatusInReview:          "Ready to decide",
	roi.StatusAwaitingRequester: "Waiting for the requester",
	roi.StatusEscalated:         "With the privacy officer",
	roi.StatusApproved:          "Approved",
	roi.StatusReleased:          "Released",
	roi.StatusPartiallyReleased: "Released in part",
	roi.StatusDenied:            "Denied",
	roi.StatusCancelled:         "Cancelled",
	roi.StatusClosed:            "Closed",
}

var kindWords = map[roi.Kind]string{
	roi.KindPatient:            "Patient",
	roi.KindRepresentative:     "Personal representative",
	roi.KindProvider:           "Provider",
	roi.KindHealthPlan:         "Health plan",
	roi.KindAttorney:           "Attorney",
	roi.KindEmployer:           "Employer",
	roi.KindInsurer:            "Insurer",
	roi.KindPublicHealth:       "Public health agency",
	roi.KindHealthOversight:    "Health oversight agency",
	roi.KindLawEnforcement:     "Law enforcement",
	roi.KindCourt:              "Court",
	roi.KindCoroner:            "Coroner or medical examiner",
	roi.KindWorkersCompCarrier: "Workers' compensation carrier",
	roi.KindResearcher:         "Researcher",
	roi.KindOther:              "Other",
}

var basisWords = map[roi.Basis]string{
	roi.BasisAccess:          "The patient's own right of access",
	roi.BasisDirective:       "The patient's direction to send a copy to someone",
	roi.BasisAuthorization:   "A signed authorization",
	roi.BasisTreatment:       "Treatment",
	roi.BasisPayment:         "Payment",
	roi.BasisOperations:      "Health care operations",
	roi.BasisSubpoena:        "A subpoena",
	roi.BasisCourtOrder:      "A court order",
	roi.BasisWarrant:         "A warrant",
	roi.BasisLawEnforcement:  "Law enforcement without court process",
	roi.BasisPublicHealth:    "Public health",
	roi.BasisHealthOversight: "Health oversight",
	roi.BasisWorkersComp:     "Workers' compensation",
	roi.BasisCoroner:         "Coroner or medical examiner",
	roi.BasisNone:            "None stated",
}

var deliveryWords = map[roi.Delivery]string{
	roi.DeliveryPortal: "Secure download link",
	roi.DeliveryEmail:  "E-mail (encrypted file)",
	roi.DeliverySFTP:   "SFTP",
	roi.DeliveryMail:   "Mail",
	roi.DeliveryFax:    "Fax",
	roi.DeliveryPickup: "Pickup in person",
}

var labelWords = map[roi.Label]string{
	roi.LabelBehavioralHealth:  "Mental health",
	roi.LabelPsychotherapyNote: "Psychotherapy notes",
	roi.LabelPart2:             "Substance use disorder treatment (42 CFR Part 2)",
	roi.LabelSUDCounselingNote: "SUD counseling notes",
	roi.LabelSubstanceUse:      "Substance use (outside Part 2)",
	roi.LabelHIV:               "HIV/AIDS",
	roi.LabelGenetic:           "Genetic testing",
	roi.LabelReproductive:      "Reproductive health",
	roi.LabelLitigationFile:    "Litigation file",
	roi.LabelMinorConsented:    "Care a minor consented to",
	roi.LabelDemographics:      "Demographics only",
	roi.LabelSTI:               "Sexually transmitted infections",
	roi.LabelViolence:          "Domestic violence, sexual assault, abuse",
	roi.LabelGeneral:           "General records (no special category)",
}

var typeWords = map[roi.RequestType]string{
	roi.RequestRecords:    "Copies of records",
	roi.RequestAccounting: "Accounting of disclosures",
}

var outcomeWords = map[roi.Outcome]string{
	roi.OutcomeRelease:  "release everything asked for",
	roi.OutcomePartial:  "release in part, withholding some items",
	roi.OutcomeDeny:     "deny",
	roi.OutcomePending:  "wait for the requester to supply something",
	roi.OutcomeEscalate: "escalate to the privacy officer or a licensed professional",
}

// actionWords are the decisions a person records, as the decide form
// offers them.
var actionWords = map[string]string{
	"approve":  "Approve: release what the engine releases",
	"partial":  "Approve in part: release what the engine releases, withhold the rest",
	"deny":     "Deny",
	"pending":  "Ask the requester for what is missing",
	"escalate": "Escalate to the privacy officer",
}

// actionWord is a decision's action in words; an unknown one as it is.
func actionWord(a string) string {
	if w, ok := actionWords[a]; ok {
		return w
	}
	return a
}

var roleWords = map[auth.Role]string{
	auth.RoleIntakeClerk:    "intake clerk",
	auth.RoleSpecialist:     "ROI specialist",
	auth.RoleQAReviewer:     "QA reviewer",
	auth.RolePrivacyOfficer: "privacy officer",
	auth.RoleAdministrator:  "administrator",
	auth.RoleAuditor:        "auditor",
}
