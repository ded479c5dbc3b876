// Package audit reads Custodian's ledger as FHIR R4 AuditEvents following
// IHE Basic Audit Log Patterns (BALP), for a hospital's security team and
// its SIEM. It is pure: a ledger entry in, an AuditEvent out; no I/O, no
// clock. Reading the ledger, recording the read and forwarding to a syslog
// collector are workflow's and internal/syslog's.
//
// Every AuditEvent is derived from exactly one ledger entry and carries that
// entry's sequence number and hash (entity "ledger entry", see Event), so
// `custodian ledger verify` proves the event it was derived from.
package audit

import "encoding/json"

// The FHIR R4 elements an AuditEvent uses, with R4's names and shapes
// (AuditEvent.type and .subtype are Coding in R4; outcome a code).

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a FHIR Identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Reference is a FHIR Reference.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Meta is a resource's meta element.
type Meta struct {
	Profile []string `json:"profile,omitempty"`
}

// AuditEvent is a FHIR R4 AuditEvent.
type AuditEvent struct {
	ResourceType   string            `json:"resourceType"`
	ID             string            `json:"id"`
	Meta           *Meta             `json:"meta,omitempty"`
	Type           *Coding           `json:"type,omitempty"`
	Subtype        []Coding          `json:"subtype,omitempty"`
	Action         string            `json:"action,omitempty"`
	Recorded       string            `json:"recorded,omitempty"`
	Outcome        string            `json:"outcome,omitempty"`
	OutcomeDesc    string            `json:"outcomeDesc,omitempty"`
	PurposeOfEvent []CodeableConcept `json:"purposeOfEvent,omitempty"`
	Agent          []Agent           `json:"agent,omitempty"`
	Source         *Source           `json:"source,omitempty"`
	Entity         []Entity          `json:"entity,omitempty"`
}

// Agent is an AuditEvent.agent: an actor taking part in the event.
type Agent struct {
	Type         *CodeableConcept  `json:"type,omitempty"`
	Who          *Reference        `json:"who,omitempty"`
	Requestor    *bool             `json:"requestor,omitempty"` // 1..1 in R4; a pointer so a missing one is visible
	Network      *Network          `json:"network,omitempty"`
	PurposeOfUse []CodeableConcept `json:"purposeOfUse,omitempty"`
}

// Network is an AuditEvent.agent.network: where the agent acted from.
type Network struct {
	Address string `json:"address"`
	Type    string `json:"type"` // 2: an IP address
}

// Source is an AuditEvent.source: who reports the event.
type Source struct {
	Site     string     `json:"site,omitempty"`
	Observer *Reference `json:"observer,omitempty"`
	Type     []Coding   `json:"type,omitempty"`
}

// Entity is an AuditEvent.entity: a data object the event is about.
type Entity struct {
	What        *Reference `json:"what,omitempty"`
	Type        *Coding    `json:"type,omitempty"`
	Role        *Coding    `json:"role,omitempty"`
	Description string     `json:"description,omitempty"`
	Query       []byte     `json:"query,omitempty"` // base64Binary: encoding/json writes []byte as base64
	Detail      []Detail   `json:"detail,omitempty"`
}

// Detail is an AuditEvent.entity.detail.
type Detail struct {
	Type        string `json:"type"`
	ValueString string `json:"valueString"`
}

// Bundle is a FHIR R4 Bundle of type searchset.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a Bundle.link (self, next).
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one searchset entry.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Search   *BundleSearch   `json:"search,omitempty"`
}

// BundleSearch says why an entry is in a searchset.
type BundleSearch struct {
	Mode string `json:"mode"`
}

// SearchSet wraps events in a searchset Bundle. base is the server's
// AuditEvent endpoint (entries' fullUrl is base/id); next is "" on the
// last page. No events, no entry member: FHIR JSON has no empty arrays.
func SearchSet(events []AuditEvent, base, self, next string) (Bundle, error) {
	b := Bundle{ResourceType: "Bundle", Type: "searchset", Link: []BundleLink{{Relation: "self", URL: self}}}
	if next != "" {
		b.Link = append(b.Link, BundleLink{Relation: "next", URL: next})
	}
	for _, ev := range events {
		raw, err := json.Marshal(ev)
		if err != nil {
			return Bundle{}, err
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: base + "/" + ev.ID, Resource: raw, Search: &BundleSearch{Mode: "match"}})
	}
	return b, nil
}
