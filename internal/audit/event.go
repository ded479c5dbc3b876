package audit

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Code systems the events use.
const (
	SystemDCM          = "http://dicom.nema.org/resources/ontology/DCM"
	SystemEventType    = "http://terminology.hl7.org/CodeSystem/audit-event-type"
	SystemRestful      = "http://hl7.org/fhir/restful-interaction"
	SystemEntityType   = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
	SystemObjectRole   = "http://terminology.hl7.org/CodeSystem/object-role"
	SystemSourceType   = "http://terminology.hl7.org/CodeSystem/security-source-type"
	SystemSecurityRole = "http://terminology.hl7.org/CodeSystem/extra-security-role-type"
	SystemActReason    = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	// SystemLedgerEntry identifies the ledger entry an event was derived
	// from: the value is its sequence number.
	SystemLedgerEntry = "urn:custodian:ledger-entry"
	// SystemUser identifies an actor by the name the ledger records.
	SystemUser = "urn:custodian:user"
	// SystemObject prefixes the desk's own object identifiers:
	// urn:custodian:request, urn:custodian:evidence, ...
	SystemObject = "urn:custodian:"
)

// Profile names a BALP profile (or, where BALP has none, the DICOM PS3.15
// audit message the event follows).
type Profile string

// The profiles the events follow.
const (
	ProfileCreate        Profile = "IHE.BasicAudit.Create"
	ProfilePatientCreate Profile = "IHE.BasicAudit.PatientCreate"
	ProfileRead          Profile = "IHE.BasicAudit.Read"
	ProfilePatientRead   Profile = "IHE.BasicAudit.PatientRead"
	ProfileUpdate        Profile = "IHE.BasicAudit.Update"
	ProfilePatientUpdate Profile = "IHE.BasicAudit.PatientUpdate"
	ProfileQuery         Profile = "IHE.BasicAudit.Query"
	ProfilePatientQuery  Profile = "IHE.BasicAudit.PatientQuery"
	ProfileLogin         Profile = "IHE.BasicAudit.Login"
	ProfileLogout        Profile = "IHE.BasicAudit.Logout"
	// BALP profiles no export and no security alert; these follow DICOM
	// PS3.15 A.5.3.7 (Export) and A.5.3.11 (Security Alert), and their
	// events name no meta.profile.
	ProfileExport        Profile = "DICOM.Export"
	ProfileSecurityAlert Profile = "DICOM.SecurityAlert"
)

// BALPBase is where BALP's StructureDefinitions live.
const BALPBase = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/"

// URL is the profile's canonical URL; "" for the DICOM-only ones.
func (p Profile) URL() string {
	if strings.HasPrefix(string(p), "IHE.") {
		return BALPBase + string(p)
	}
	return ""
}

// pattern is how one kind of ledger entry reads as an AuditEvent.
type pattern struct {
	// verb picks the profile family: create, read, update, query, login,
	// logout, export, alert.
	verb string
	// object names the data object when the body has no id of its own for
	// it (the request, the chart); "" takes it from the body.
	object string
	// failed marks an entry recording a failure (outcome 4, minor failure).
	failed bool
	// alert is the DICOM Security Alert subtype for verb "alert".
	alert Coding
}

var (
	alertUserAttrs = Coding{System: SystemDCM, Code: "110137", Display: "User security Attributes Changed"}
	alertSecConfig = Coding{System: SystemDCM, Code: "110129", Display: "Security Configuration"}
	alertRoles     = Coding{System: SystemDCM, Code: "110136", Display: "Security Roles Changed"}
)

// patterns maps every ledger kind to its pattern. A kind missing here is
// a test failure (every declared roi.EventKind must be mapped), and Event
// still maps it, as an Update of the entry's request or of the ledger.
var patterns = map[roi.EventKind]pattern{
	// The request's life: the request and what is added to it.
	roi.EventIntake:               {verb: "create", object: "request"},
	roi.EventTransition:           {verb: "update", object: "request"},
	roi.EventAssignment:           {verb: "update", object: "request"},
	roi.EventEvidence:             {verb: "create"},
	roi.EventVerification:         {verb: "create"},
	roi.EventEvidenceWithdrawn:    {verb: "update"},
	roi.EventEvidenceCorrected:    {verb: "update"},
	roi.EventDocument:             {verb: "create"},
	roi.EventEvaluation:           {verb: "create"},
	roi.EventDecision:             {verb: "create"},
	roi.EventDenial:               {verb: "create"},
	roi.EventEscalation:           {verb: "create"},
	roi.EventPending:              {verb: "create"},
	roi.EventReview:               {verb: "create"},
	roi.EventExtension:            {verb: "update", object: "request"},
	roi.EventReminder:             {verb: "create", object: "request"},
	roi.EventInfoBlocking:         {verb: "update", object: "request"},
	roi.EventInfoBlockingReason:   {verb: "update", object: "request"},
	roi.EventReadyToRelease:       {verb: "update", object: "request"},
	roi.EventAccountingSuspension: {verb: "create", object: "accounting"},

	// What leaves: the disclosure, the export, deliveries and downloads
	// (DICOM Export: PHI leaving the desk).
	roi.EventDisclosure:       {verb: "export", object: "request"},
	roi.EventExport:           {verb: "export", object: "request"},
	roi.EventDelivery:         {verb: "export"},
	roi.EventDeliveryQueued:   {verb: "create"},
	roi.EventDeliveryFailed:   {verb: "export", failed: true},
	roi.EventDeliveryRetried:  {verb: "update"},
	roi.EventDeliveryRerouted: {verb: "update"},
	roi.EventDownload:         {verb: "export"},
	roi.EventPortalCode:       {verb: "create"},
	roi.EventPortalCodeFail:   {verb: "login", failed: true},

	// Charts.
	roi.EventImport:        {verb: "create", object: "chart"},
	roi.EventLabel:         {verb: "update", object: "chart"},
	roi.EventLabelProposed: {verb: "create"},
	roi.EventLabelApproved: {verb: "update"},
	roi.EventLabelRejected: {verb: "update"},

	// Looks at PHI: read or query by what was looked at (viewPattern).
	roi.EventView: {verb: "read"},

	// Portal submissions.
	roi.EventSubmission:                 {verb: "create"},
	roi.EventSubmissionAccepted:         {verb: "update"},
	roi.EventSubmissionRejected:         {verb: "update"},
	roi.EventSubmissionCode:             {verb: "create"},
	roi.EventSubmissionCodeFailed:       {verb: "login", failed: true},
	roi.EventSubmissionContactConfirmed: {verb: "update"},
	roi.EventSubmissionDocument:         {verb: "create"},
	roi.EventSubmissionEmailVerified:    {verb: "update"},

	// Accounts and sessions.
	roi.EventLogin:         {verb: "login"},
	roi.EventLoginFailed:   {verb: "login", failed: true},
	roi.EventLogout:        {verb: "logout"},
	roi.EventAccountLocked: {verb: "alert", alert: alertUserAttrs},
	roi.EventUserAdded:     {verb: "alert", alert: alertUserAttrs},
	roi.EventUserDisabled:  {verb: "alert", alert: alertUserAttrs},
	roi.EventDirectory:     {verb: "update"},
	// Single sign-on: a role set from the provider's groups, an identity
	// linked to an account.
	roi.EventUserRoleChanged: {verb: "alert", alert: alertRoles},
	roi.EventIdentityLinked:  {verb: "alert", alert: alertUserAttrs},

	// The ledger's own key changes (internal/ledger.EventKey).
	"ledger-key": {verb: "alert", alert: alertSecConfig},
}

// Mapped reports whether kind has a pattern of its own.
func Mapped(kind roi.EventKind) bool {
	_, ok := patterns[kind]
	return ok
}

// queryViews are the looks at PHI that are searches or lists rather than
// the reading of one thing.
var queryViews = map[string]bool{
	"queue": true, "search": true, "patients": true, "patient-search": true, "patient-match": true,
	"access-log": true, "accounting": true, "accounting-suspensions": true, "audit-events": true,
}

// Site describes the desk as the reporter of its events (AuditEvent.source).
type Site struct {
	// Observer identifies this desk to the SIEM, e.g. its host name.
	Observer string
	// Name is the enterprise site (source.site); "" omits it.
	Name string
}

// ids are the body members that name the entry's data object, in order of
// preference, and the object each names.
var ids = []struct{ member, object string }{
	{"evidence_id", "evidence"},
	{"document_id", "document"},
	{"review_id", "review"},
	{"decision_id", "decision"},
	{"delivery_id", "delivery"},
	{"packet_id", "packet"},
	{"packet", "packet"},
	{"proposal_id", "label-proposal"},
	{"submission_id", "submission"},
	{"link", "portal-link"},
	{"id", "directory-entry"},
}

// Event maps one ledger entry to its AuditEvent. It copies no body text:
// only ids and codes, never a name, an address or a record's content.
//
// The link to the ledger: the entity with what.identifier
// {system: urn:custodian:ledger-entry, value: <seq>}, type 2 (System
// Object), role 13 (Security Resource), carries the entry's hash and
// previous hash as details "hash" and "prev-hash" (and "key-id" when the
// entry is sealed with a ledger key). The AuditEvent's id is the sequence
// number too.
func Event(e roi.LedgerEntry, site Site) AuditEvent {
	p, ok := patterns[e.Kind]
	if !ok {
		p = pattern{verb: "update"}
	}
	var body map[string]json.RawMessage
	_ = json.Unmarshal(e.Body, &body) // a body that does not read names no object

	verb := p.verb
	what := ""
	if e.Kind == roi.EventView {
		var v struct {
			What string `json:"what"`
		}
		_ = json.Unmarshal(e.Body, &v)
		what = v.What
		if queryViews[what] {
			verb = "query"
		}
	}
	patient := e.PatientID != 0
	ev := AuditEvent{
		ResourceType: "AuditEvent",
		ID:           strconv.FormatInt(e.Seq, 10),
		Recorded:     e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		Outcome:      "0",
	}
	if p.failed {
		ev.Outcome = "4"
		ev.OutcomeDesc = string(e.Kind)
	}
	prof := profileFor(verb, patient)
	if u := prof.URL(); u != "" {
		ev.Meta = &Meta{Profile: []string{u}}
	}
	switch verb {
	case "create", "read", "update", "query":
		ev.Type = &Coding{System: SystemEventType, Code: "rest", Display: "Restful Operation"}
		sub := map[string]string{"create": "create", "read": "read", "update": "update", "query": "search-type"}[verb]
		ev.Subtype = []Coding{{System: SystemRestful, Code: sub, Display: sub}}
		ev.Action = map[string]string{"create": "C", "read": "R", "update": "U", "query": "E"}[verb]
	case "login", "logout":
		ev.Type = &Coding{System: SystemDCM, Code: "110114", Display: "User Authentication"}
		if verb == "login" {
			ev.Subtype = []Coding{{System: SystemDCM, Code: "110122", Display: "Login"}}
		} else {
			ev.Subtype = []Coding{{System: SystemDCM, Code: "110123", Display: "Logout"}}
		}
		ev.Action = "E"
	case "export":
		ev.Type = &Coding{System: SystemDCM, Code: "110106", Display: "Export"}
		ev.Action = "R"
	case "alert":
		ev.Type = &Coding{System: SystemDCM, Code: "110113", Display: "Security Alert"}
		ev.Subtype = []Coding{p.alert}
		ev.Action = "E"
	}
	// A kind's own code, so a SIEM can tell a denial from a decision.
	ev.Subtype = append(ev.Subtype, Coding{System: SystemObject + "event-kind", Code: string(e.Kind)})

	ev.Agent = agents(e, verb, body)
	if pou := purposeOfUse(e.Kind, body); pou != nil {
		ev.PurposeOfEvent = []CodeableConcept{*pou}
		ev.Agent[0].PurposeOfUse = []CodeableConcept{*pou}
	}
	ev.Source = &Source{
		Site:     site.Name,
		Observer: &Reference{Identifier: &Identifier{Value: site.Observer}, Display: site.Observer},
		Type:     []Coding{{System: SystemSourceType, Code: "4", Display: "Application Server"}},
	}

	if patient {
		ev.Entity = append(ev.Entity, Entity{
			What: &Reference{Reference: "Patient/" + strconv.FormatInt(int64(e.PatientID), 10)},
			Type: &Coding{System: SystemEntityType, Code: "1", Display: "Person"},
			Role: &Coding{System: SystemObjectRole, Code: "1", Display: "Patient"},
		})
	}
	switch verb {
	case "query":
		// The search terms are PHI and never reach the ledger: the query
		// recorded is what was searched, not for what.
		ev.Entity = append(ev.Entity, Entity{
			Type:        &Coding{System: SystemEntityType, Code: "2", Display: "System Object"},
			Role:        &Coding{System: SystemObjectRole, Code: "24", Display: "Query"},
			Description: "view:" + what,
			Query:       []byte("view:" + what),
		})
	case "login", "logout", "alert":
		// Login and Logout name no data object; an alert's object is the
		// account or the key named by the actor and the kind.
	default:
		ev.Entity = append(ev.Entity, dataEntity(e, p, what, body)...)
	}
	ev.Entity = append(ev.Entity, ledgerEntity(e))
	return ev
}

// profileFor is the profile of a verb, with or without a patient.
func profileFor(verb string, patient bool) Profile {
	switch verb {
	case "create":
		return pick(patient, ProfilePatientCreate, ProfileCreate)
	case "read":
		return pick(patient, ProfilePatientRead, ProfileRead)
	case "update":
		return pick(patient, ProfilePatientUpdate, ProfileUpdate)
	case "query":
		return pick(patient, ProfilePatientQuery, ProfileQuery)
	case "login":
		return ProfileLogin
	case "logout":
		return ProfileLogout
	case "export":
		return ProfileExport
	default:
		return ProfileSecurityAlert
	}
}

func pick(patient bool, with, without Profile) Profile {
	if patient {
		return with
	}
	return without
}

// ProfileOf is the profile ev claims or follows: its meta.profile, else
// the DICOM message its type names.
func ProfileOf(ev AuditEvent) Profile {
	if ev.Meta != nil && len(ev.Meta.Profile) == 1 {
		return Profile(strings.TrimPrefix(ev.Meta.Profile[0], BALPBase))
	}
	if ev.Type != nil && ev.Type.Code == "110106" {
		return ProfileExport
	}
	return ProfileSecurityAlert
}

// machine reports whether an actor is the desk itself rather than a person:
// the portal (a requester), the workers and the desk's own entries.
func machine(actor string) bool {
	switch actor {
	case "portal", "custodian", "worker", "":
		return true
	}
	return strings.HasPrefix(actor, "reminders:") || strings.HasPrefix(actor, "delivery:") || strings.HasPrefix(actor, "portal:")
}

// agents are the user (the requestor), the client and the server. The
// ledger keeps no network addresses for most entries, so the client is
// named by the same actor; sign-in entries carry the client's address.
func agents(e roi.LedgerEntry, verb string, body map[string]json.RawMessage) []Agent {
	yes, no := true, false
	userType := CodeableConcept{Coding: []Coding{{System: SystemSecurityRole, Code: "humanuser", Display: "human user"}}}
	if machine(e.Actor) {
		userType = CodeableConcept{Coding: []Coding{{System: SystemDCM, Code: "110150", Display: "Application"}}}
	}
	actor := e.Actor
	if actor == "" {
		actor = "custodian"
	}
	// Sign-in entries keep the client's address: the agent's network.
	var network *Network
	if a, err := netip.ParseAddr(str(body, "client")); err == nil {
		network = &Network{Address: a.String(), Type: "2"}
	}
	user := Agent{Type: &userType, Who: &Reference{Identifier: &Identifier{System: SystemUser, Value: actor}}, Requestor: &yes}
	switch verb {
	case "login", "logout", "alert":
		user.Network = network
		return []Agent{user}
	}
	out := []Agent{user}
	client := Agent{
		Type:      &CodeableConcept{Coding: []Coding{{System: SystemDCM, Code: "110153", Display: "Source Role ID"}}},
		Who:       &Reference{Identifier: &Identifier{System: SystemUser, Value: actor}},
		Requestor: &no,
		Network:   network,
	}
	server := Agent{
		Type:      &CodeableConcept{Coding: []Coding{{System: SystemDCM, Code: "110152", Display: "Destination Role ID"}}},
		Who:       &Reference{Identifier: &Identifier{System: SystemObject + "desk", Value: "custodian"}, Display: "Custodian"},
		Requestor: &no,
	}
	if verb == "export" {
		// DICOM's Export names where the data went (110155 Destination
		// Media): the delivery channel, never the address.
		channel := str(body, "channel")
		if channel == "" {
			channel = str(body, "delivery")
		}
		if channel == "" {
			channel = "release"
		}
		server = Agent{
			Type:      &CodeableConcept{Coding: []Coding{{System: SystemDCM, Code: "110155", Display: "Destination Media"}}},
			Who:       &Reference{Identifier: &Identifier{System: SystemObject + "channel", Value: channel}},
			Requestor: &no,
		}
	}
	return append(out, client, server)
}

// dataEntity is the object the entry is about (BALP's entity:data, type 2
// System Object, role 4 Domain Resource), and the request too when the
// object is something of the request's.
func dataEntity(e roi.LedgerEntry, p pattern, what string, body map[string]json.RawMessage) []Entity {
	object, id := p.object, ""
	switch object {
	case "request":
		id = strconv.FormatInt(int64(e.RequestID), 10)
	case "chart", "accounting":
		id = strconv.FormatInt(int64(e.PatientID), 10)
		if e.Kind == roi.EventLabel {
			if item := str(body, "item"); item != "" {
				object, id = "chart-item", strconv.FormatInt(int64(e.PatientID), 10)+"/"+item
			}
		}
	default:
		for _, m := range ids {
			if n := num(body, m.member); n != 0 {
				object, id = m.object, strconv.FormatInt(n, 10)
				break
			}
		}
	}
	if e.Kind == roi.EventView && what != "" && object == "" {
		object = what
	}
	if id == "" || id == "0" {
		switch {
		case e.RequestID != 0:
			object, id = "request", strconv.FormatInt(int64(e.RequestID), 10)
		case e.PatientID != 0:
			object, id = "chart", strconv.FormatInt(int64(e.PatientID), 10)
		default:
			object, id = "ledger-entry", strconv.FormatInt(e.Seq, 10)
		}
	}
	if object == "" {
		object = "object"
	}
	domain := func(object, id string) Entity {
		return Entity{
			What: &Reference{Identifier: &Identifier{System: SystemObject + object, Value: id}},
			Type: &Coding{System: SystemEntityType, Code: "2", Display: "System Object"},
			Role: &Coding{System: SystemObjectRole, Code: "4", Display: "Domain Resource"},
		}
	}
	out := []Entity{domain(object, id)}
	if object != "request" && e.RequestID != 0 {
		out = append(out, domain("request", strconv.FormatInt(int64(e.RequestID), 10)))
	}
	return out
}

// ledgerEntity links the event to its ledger entry (see Event).
func ledgerEntity(e roi.LedgerEntry) Entity {
	d := []Detail{{Type: "kind", ValueString: string(e.Kind)}, {Type: "hash", ValueString: e.Hash}, {Type: "prev-hash", ValueString: e.PrevHash}}
	if e.KeyID != "" {
		d = append(d, Detail{Type: "key-id", ValueString: e.KeyID})
	}
	return Entity{
		What:        &Reference{Identifier: &Identifier{System: SystemLedgerEntry, Value: strconv.FormatInt(e.Seq, 10)}},
		Type:        &Coding{System: SystemEntityType, Code: "2", Display: "System Object"},
		Role:        &Coding{System: SystemObjectRole, Code: "13", Display: "Security Resource"},
		Description: "Custodian ledger entry",
		Detail:      d,
	}
}

// purposes maps the legal basis a request or disclosure rests on to the
// HL7 v3 purpose of use, as the FHIR export's Provenance does
// (docs/INTEGRATION.md); a basis without one (none stated) leaves
// purposeOfEvent out rather than guess.
var purposes = map[roi.Basis]Coding{
	roi.BasisAccess:          {System: SystemActReason, Code: "PATRQT", Display: "patient requested"},
	roi.BasisDirective:       {System: SystemActReason, Code: "PATRQT", Display: "patient requested"},
	roi.BasisAuthorization:   {System: SystemActReason, Code: "PATRQT", Display: "patient requested"},
	roi.BasisTreatment:       {System: SystemActReason, Code: "TREAT", Display: "treatment"},
	roi.BasisPayment:         {System: SystemActReason, Code: "HPAYMT", Display: "healthcare payment"},
	roi.BasisOperations:      {System: SystemActReason, Code: "HOPERAT", Display: "healthcare operations"},
	roi.BasisSubpoena:        {System: SystemActReason, Code: "HLEGAL", Display: "legal"},
	roi.BasisCourtOrder:      {System: SystemActReason, Code: "HLEGAL", Display: "legal"},
	roi.BasisWarrant:         {System: SystemActReason, Code: "HLEGAL", Display: "legal"},
	roi.BasisLawEnforcement:  {System: SystemActReason, Code: "HLEGAL", Display: "legal"},
	roi.BasisPublicHealth:    {System: SystemActReason, Code: "PUBHLTH", Display: "public health"},
	roi.BasisHealthOversight: {System: SystemActReason, Code: "HCOMPL", Display: "health compliance"},
	roi.BasisCoroner:         {System: SystemActReason, Code: "HDECD", Display: "decedent"},
	roi.BasisWorkersComp:     {System: SystemActReason, Code: "HPAYMT", Display: "healthcare payment"},
}

// purposeOfUse is known for the entries that carry the basis: the intake
// and the disclosure.
func purposeOfUse(kind roi.EventKind, body map[string]json.RawMessage) *CodeableConcept {
	if kind != roi.EventIntake && kind != roi.EventDisclosure {
		return nil
	}
	c, ok := purposes[roi.Basis(str(body, "basis"))]
	if !ok {
		return nil
	}
	return &CodeableConcept{Coding: []Coding{c}}
}

func str(body map[string]json.RawMessage, member string) string {
	var s string
	if raw, ok := body[member]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

func num(body map[string]json.RawMessage, member string) int64 {
	var n int64
	if raw, ok := body[member]; ok {
		_ = json.Unmarshal(raw, &n)
	}
	return n
}
