package web

import (
	"encoding/json"
	"testing"
)

// TestNegotiate: the Accept header's q-values decide, the most specific
// range wins for an offer, q=0 rules out, ties go to the server's order,
// and nothing acceptable is reported (406), never a silent default.
func TestNegotiate(t *testing.T) {
	pdfText := []string{"application/pdf", "text/plain"}
	for _, c := range []struct {
		accept string
		offers []string
		want   string // "" : nothing acceptable
	}{
		{"", pdfText, "application/pdf"},
		{"application/pdf, text/plain;q=0.1", pdfText, "application/pdf"}, // the case: was text
		{"text/plain;q=0.1, application/pdf", pdfText, "application/pdf"},
		{"text/plain", pdfText, "text/plain"},
		{"text/plain, application/pdf;q=0.5", pdfText, "text/plain"},
		{"*/*", pdfText, "application/pdf"},
		{"text/*", pdfText, "text/plain"},
		{"text/*;q=0.3, application/*;q=0.2", pdfText, "text/plain"},
		{"*/*;q=0.5, text/plain;q=0", pdfText, "application/pdf"},        // the specific q=0 rules text out
		{"application/pdf;q=0, */*", pdfText, "text/plain"},              // and the same for PDF
		{"text/plain; charset=utf-8", pdfText, "text/plain"},             // parameters other than q do not stop a match
		{"image/png", pdfText, ""},                                       // 406
		{"application/pdf;q=0, text/plain;q=0", pdfText, ""},             // both refused
		{"TEXT/PLAIN", pdfText, "text/plain"},                            // media types are case-insensitive
		{"application/pdf;q=2, text/plain;q=0.5", pdfText, "text/plain"}, // a q out of range is ignored
		{"garbage, text/plain;q=0.4", pdfText, "text/plain"},             // a malformed range is skipped
		{"text/csv;q=0.5, application/json", []string{"application/json", "text/csv"}, "application/json"},
		{"text/csv", []string{"application/json", "text/csv"}, "text/csv"},
		{"application/xml", []string{"application/json", "text/csv"}, ""},
	} {
		got, ok := negotiate(c.accept, c.offers...)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("Accept %q over %v: %q, want %q", c.accept, c.offers, got, c.want)
		}
	}
}

// TestReceiptView: a receipt stored with Go field names is served in
// snake_case; one already in snake_case, or one that is not an object,
// passes unchanged; a ledger body has its receipt renamed and nothing else.
func TestReceiptView(t *testing.T) {
	stored := json.RawMessage(`{"Channel":"sftp","Remote":"h:22","ID":"/in/p.pdf","Bytes":12,"SHA256":"ab","AlreadyPresent":true,"Detail":"uploaded"}`)
	var got map[string]any
	if err := json.Unmarshal(receiptView(stored), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"channel": "sftp", "remote": "h:22", "id": "/in/p.pdf", "bytes": 12.0, "sha256": "ab", "already_present": true, "detail": "uploaded"}
	if len(got) != len(want) {
		t.Errorf("receipt %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("receipt member %s = %v, want %v", k, got[k], v)
		}
	}
	for _, same := range []string{`{"channel":"portal","downloaded":true,"sha256":"ab"}`, `null`, ``} {
		if out := string(receiptView(json.RawMessage(same))); out != same {
			t.Errorf("receiptView(%s) = %s, want it unchanged", same, out)
		}
	}
	body := json.RawMessage(`{"delivery_id":3,"packet":2,"channel":"sftp","attempt":1,"receipt":{"Channel":"sftp","SHA256":"ab"}}`)
	var b map[string]any
	if err := json.Unmarshal(ledgerBodyView(body), &b); err != nil {
		t.Fatal(err)
	}
	rc, _ := b["receipt"].(map[string]any)
	if rc["sha256"] != "ab" || rc["channel"] != "sftp" || rc["SHA256"] != nil || b["delivery_id"] != 3.0 || b["attempt"] != 1.0 {
		t.Errorf("ledger body view %v", b)
	}
	other := json.RawMessage(`{"Reason":"kept as stored"}`)
	if out := string(ledgerBodyView(other)); out != string(other) {
		t.Errorf("a body without a receipt changed: %s", out)
	}
}
