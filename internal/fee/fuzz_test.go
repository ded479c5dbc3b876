package fee

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// scheduleRefusal: how LoadSchedule may refuse. Each names the field, or
// the position or kind of malformed JSON.
var scheduleRefusal = regexp.MustCompile(`^The fee schedule (` +
	`field "[A-Za-z_.\[\]0-9]+" |has an unknown field "|is not valid JSON \(at byte \d+\)|` +
	`must be a single JSON object|could not be decoded|is larger than)`)

// FuzzLoadSchedule: LoadSchedule never panics; it refuses with
// CodeInvalid (or CodeTooLarge) and a message naming the field; what it
// accepts validates, quotes without error and encodes and loads to itself.
func FuzzLoadSchedule(f *testing.F) {
	for _, s := range Schedules() {
		data, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"name":"Own","others":{"paper":[{"from":1,"to":10,"per_page":"1.00"},{"from":11,"per_page":"0.50"}]}}`))
	f.Add([]byte(`{"name":"Own","patient":{"search":{"amount":"-1.00"}}}`))
	f.Add([]byte(`{"name":"Own","patient":{"search":{"amount":"abc"}}}`))
	f.Add([]byte(`{"name":"Own","patient":{"search":{"amount":650}}}`))
	f.Add([]byte(`{"name":"Own","others":{"paper":[{"from":2}]}}`))
	f.Add([]byte(`{"name":"Own","others":{}}]`))
	f.Add([]byte(`{"name":"Own","others":{}} {}`))
	f.Add([]byte(`{"name":"Own","colour":"red"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadSchedule(bytes.NewReader(data))
		if err != nil {
			var re *roi.Error
			if !errors.As(err, &re) || (roi.CodeOf(err) != roi.CodeInvalid && roi.CodeOf(err) != roi.CodeTooLarge) {
				t.Fatalf("error %T %v is not CodeInvalid", err, err)
			}
			if msg := roi.PublicMessage(err); !scheduleRefusal.MatchString(msg) {
				t.Fatalf("refusal names no field: %q", msg)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted what is not one JSON value: %q", data)
		}
		if err := s.validate(); err != nil {
			t.Fatalf("accepted an invalid schedule: %v", err)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := LoadSchedule(bytes.NewReader(again))
		// Stable once encoded (an empty list and none encode alike).
		again2, _ := json.Marshal(s2)
		if err != nil || !bytes.Equal(again, again2) {
			t.Fatalf("round trip: %v\n%s\n%s", err, again, again2)
		}
	})
}
