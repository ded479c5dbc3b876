package workflow

// FormField is one question of an evidence form, as EvidenceFromForm reads
// it: the field's name, what it asks in words, how it is answered, and
// the choices. The pages render the forms from these, so a page and the
// conversion cannot disagree on a name.
type FormField struct {
	Name  string
	Label string
	// Kind: text, textarea, date, check (one box), radio (one choice),
	// checks (several boxes), select, items (chart records in scope, for
	// a harm determination).
	Kind    string
	Choices []Choice
	Help    string
	// Group starts a new part of the form with this heading.
	Group string
}

func coverFields(what string) []FormField {
	return []FormField{
		{Name: "covers_labels", Label: "What the " + what + " covers", Kind: "checks", Choices: LabelChoices(), Group: "What it covers",
			Help: "Tick every category the document names. Special categories (psychotherapy notes, Part 2, HIV...) are covered only when named."},
		{Name: "covers_from", Label: "Records from", Kind: "date", Help: "Leave empty when the document sets no first date."},
		{Name: "covers_to", Label: "Records up to", Kind: "date", Help: "Leave empty when the document sets no last date."},
	}
}

// EvidenceFields lists the questions of evidence type typ's form, in order.
func EvidenceFields(typ string) []FormField {
	note := FormField{Name: "note", Label: "Note for colleagues (optional)", Kind: "textarea", Group: "Note"}
	var fs []FormField
	switch typ {
	case "identity":
		fs = []FormField{
			{Name: "method", Label: "How the identity was checked", Kind: "text", Help: "For example: photo ID at the front desk; bar card and letterhead; authenticated portal account."},
			{Name: "not_verified", Label: "The check FAILED: record that identity could not be verified", Kind: "check"},
		}
	case "representative":
		fs = []FormField{
			{Name: "authority", Label: "Authority the documents give", Kind: "radio", Choices: AuthorityChoices()},
			{Name: "verified", Label: "I checked the documents (letters of guardianship, power of attorney, letters testamentary...)", Kind: "check"},
		}
	case "authorization":
		fs = []FormField{
			{Name: "id", Label: "Reference", Kind: "text", Help: "How to tell this document apart, e.g. A1. Left empty, the desk numbers it.", Group: "The document"},
			{Name: "forms", Label: "Which form it is", Kind: "radio", Choices: []Choice{
				{"hipaa", "HIPAA authorization (45 CFR 164.508)"}, {"part2", "42 CFR Part 2 consent (2.31)"}, {"both", "One document meeting both"}}},
			{Name: "signed_by", Label: "Signed by", Kind: "radio", Choices: []Choice{
				{"patient", "The patient"}, {"representative", "A personal representative"}, {"unsigned", "Nobody: it is not signed"}}, Group: "Signature (164.508(c)(1)(vi))"},
			{Name: "rep_authority", Label: "The representative's authority", Kind: "select", Choices: append([]Choice{{"", "— not a representative / documents not seen —"}}, AuthorityChoices()...),
				Help: "Recorded as the representative's documents too."},
			{Name: "rep_verified", Label: "I checked the representative's documents", Kind: "check"},
			{Name: "signed", Label: "Date signed", Kind: "date"},
			{Name: "expires", Label: "Expiry date", Kind: "date", Group: "Expiry (164.508(c)(1)(v))", Help: "Give the date, or else the event below — what the document says."},
			{Name: "expiration_event", Label: "…or expiration event", Kind: "text", Help: "For example: end of the lawsuit. \"none\" only on a Part 2 TPO consent."},
			{Name: "expired_event_occurred", Label: "That event has already happened", Kind: "check"},
			{Name: "discloser", Label: "Who may disclose (the discloser)", Kind: "text", Group: "Who, to whom, why (164.508(c)(1)(i)-(iv))"},
			{Name: "recipient", Label: "Who may receive (the recipient)", Kind: "text", Help: "As written on the document; it must name this requester (or the recipient they ask for)."},
			{Name: "purpose", Label: "Purpose", Kind: "text", Help: "\"At the request of the individual\" is enough when the patient signs."},
			{Name: "description", Label: "Description of the information", Kind: "textarea"},
		}
		fs = append(fs, coverFields("authorization")...)
		fs = append(fs,
			FormField{Name: "statements", Label: "Statements on the document", Kind: "checks", Choices: StatementChoices(), Group: "Required statements (164.508(c)(2), 42 CFR 2.31)"},
			FormField{Name: "tpo", Label: "Part 2: a single consent for all future treatment, payment and health care operations", Kind: "check", Group: "Part 2 and other facts"},
			FormField{Name: "revoked", Label: "Revocation received on", Kind: "date", Help: "Only if the patient revoked it."},
			FormField{Name: "conditioned", Label: "Treatment, payment, enrollment or eligibility was made conditional on signing", Kind: "check"},
			FormField{Name: "known_false", Label: "Known to be false (e.g. the signature is not the patient's)", Kind: "check"},
		)
	case "directive":
		fs = []FormField{
			{Name: "recipient", Label: "Send the copy to", Kind: "text", Help: "The person or organization the patient names, as written."},
			{Name: "signed", Label: "Date the patient signed", Kind: "date"},
		}
	case "court-order":
		fs = append(coverFields("order"), FormField{Name: "part2_findings", Label: "The order makes the Part 2 findings (42 CFR 2.64 / 2.65)", Kind: "check", Group: "Part 2"})
	case "subpoena":
		fs = append([]FormField{
			{Name: "issued_by", Label: "Issued by", Kind: "radio", Choices: []Choice{{"court", "A court (signed by a judge)"}, {"attorney", "An attorney or court clerk"}}},
			{Name: "assurances", Label: "Assurances received (164.512(e)(1)(ii))", Kind: "radio", Choices: []Choice{
				{"", "None yet"}, {"notice", "Notice to the patient, with time to object"}, {"protective-order", "A qualified protective order"}}},
		}, coverFields("subpoena")...)
	case "warrant":
		fs = coverFields("warrant")
	case "extension-notice":
		fs = []FormField{
			{Name: "sent", Label: "Notice sent on", Kind: "date"},
			{Name: "new_due", Label: "New due date stated in the notice", Kind: "date"},
		}
	case "harm-determination":
		fs = []FormField{
			{Name: "professional", Label: "Licensed professional who made the determination", Kind: "text"},
			{Name: "items", Label: "Records reasonably likely to endanger life or physical safety", Kind: "items"},
		}
	case "endangerment-concern":
		fs = []FormField{{Name: "confirm", Label: "There is a reasonable belief that the representative endangers the patient (164.502(g)(5))", Kind: "check"}}
	case "minor-disclosure-consent":
		fs = []FormField{{Name: "confirm", Label: "The minor signed a written consent to this disclosure to this requester", Kind: "check"}}
	default:
		return nil
	}
	return append(fs, note)
}
