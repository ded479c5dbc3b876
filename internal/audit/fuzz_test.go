package audit

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// FuzzEvent: any ledger entry — any kind, any body, any ids and actor —
// maps without panicking to an AuditEvent that is JSON, carries the
// entry's number, and conforms to the profile it claims (DICOM's Export
// lacking only the patient when the entry names none).
func FuzzEvent(f *testing.F) {
	for k, b := range bodies {
		f.Add(string(k), []byte(b), int64(7), int64(3), "spec.sam")
	}
	f.Add("view", []byte(`{"what":"search","results":2}`), int64(0), int64(3), "clerk")
	f.Add("login-failed", []byte(`{"client":"::1"}`), int64(0), int64(0), "")
	f.Add("no-such-kind", []byte(`[1,2`), int64(-1), int64(0), "portal")
	f.Fuzz(func(t *testing.T, kind string, body []byte, rid, pid int64, actor string) {
		e := entry(roi.EventKind(kind), roi.RequestID(rid), roi.PatientID(pid), actor, string(body))
		ev := Event(e, site)
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("does not encode: %v", err)
		}
		var back AuditEvent
		if err := json.Unmarshal(raw, &back); err != nil || back.ID != "42" {
			t.Fatalf("does not read back: %v %q", err, back.ID)
		}
		p := ProfileOf(ev)
		miss := conforms(ev, p)
		if p == ProfileExport && pid == 0 && len(miss) == 1 {
			return
		}
		if len(miss) > 0 {
			t.Fatalf("%s as %s lacks %v", kind, p, miss)
		}
	})
}

// FuzzParseDate: any value either reads as a range whose start is before
// its end, or is refused with ErrDate, whose words are fixed: nothing of
// the value comes back.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-02", "ge2026-03-02T10:00:00Z", "lt2026-03", "le2026", "sa2026-03-02T10:00:00.5+02:00", "eq", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, err := ParseDate(v)
		if err != nil {
			if !errors.Is(err, ErrDate) || err.Error() != ErrDate.Error() {
				t.Fatalf("refusal %v is not ErrDate", err)
			}
			return
		}
		if r.From.IsZero() && r.To.IsZero() {
			t.Fatalf("%q reads as no bound at all", v)
		}
		if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
			t.Fatalf("%q reads as an empty range %v", v, r)
		}
		for _, b := range []time.Time{r.From, r.To} {
			if !b.IsZero() && b.Location() != time.UTC {
				t.Fatalf("%q: a bound not in UTC: %v", v, b)
			}
		}
	})
}
