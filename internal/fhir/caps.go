package fhir

import "fmt"

// Import caps (issue #15). Without them a 200 MB patient name was
// accepted, and one file of a million tiny entries took the server to
// 1.96 GB. Each is far above what a real export holds — a lifetime
// Synthea record is some tens of thousands of resources, a name some tens
// of bytes — and each refusal names the cap, never the value. They are
// variables so that tests can lower them; nothing else changes them.
var (
	// MaxEntries is the most entries (resources) one file may hold: a
	// Bundle's entries, or an NDJSON file's lines. A bulk export larger
	// than this is imported in parts.
	MaxEntries = 1_000_000
	// MaxPatientEntries is the most resources of one patient's record
	// (theirs and the shared ones they are read with): one patient is
	// read at a time, so this bounds the import's memory.
	MaxPatientEntries = 100_000
	// MaxResourceBytes is the largest one resource may be, as written.
	MaxResourceBytes int64 = 16 << 20
)

// Field caps: what a name or an identifier can reasonably be.
const (
	MaxNameBytes = 1000 // a patient's name, as the desk shows it
	MaxMRNBytes  = 200  // a medical record number
)

func tooManyEntries() error {
	return &Error{Entry: -1, Member: "entry", Reason: fmt.Sprintf("more entries than an import takes (at most %d); import the export in parts", MaxEntries)}
}

func tooLarge(i int, rt string) error {
	return &Error{Entry: i, ResourceType: safeName(rt), Reason: fmt.Sprintf("the resource is larger than an import takes (at most %d MiB)", MaxResourceBytes>>20)}
}

func tooLong(i int, member string, max int) error {
	return &Error{Entry: i, ResourceType: "Patient", Member: member, Reason: fmt.Sprintf("longer than an import takes (at most %d bytes)", max)}
}
