package workflow

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/custodian-roi/custodian/internal/ocr"
	"github.com/custodian-roi/custodian/internal/roi"
)

// ocrTimeout bounds reading one scan: under the server's two-minute write
// timeout, so the clerk sees an answer rather than a dropped page.
const ocrTimeout = 90 * time.Second

// OCRAvailable reports whether this server can read scans (Debian's
// tesseract-ocr is installed).
func OCRAvailable() bool { return ocr.Available() }

// Suggested is what OCR read from a scanned authorization, as the
// authorization form's values, and the names of the fields it filled in.
// Nothing here is evidence: the form marks each field "suggested —
// confirm" and refuses to save until a person has checked them against
// the scan (EvidenceFromForm's suggestions_checked).
type Suggested struct {
	Values url.Values
	Fields []string
	// Lines are the lines of the scan each field was read from, by field,
	// for the clerk to compare.
	Lines map[string]string
}

// ReadAuthorization reads an uploaded scan of request id with OCR and
// returns the authorization form's fields it could fill in. The look at
// the document is recorded as a view; the text read is neither stored nor
// logged. Returns CodeConflict when OCR is not installed, CodeInvalid for
// a scan it cannot read.
func (d *Desk) ReadAuthorization(ctx context.Context, actor string, id roi.RequestID, docID int64) (*Suggested, error) {
	if !ocr.Available() {
		return nil, roi.Errorf(roi.CodeConflict, "Reading scans is not installed on this server (the tesseract-ocr package); fill in the form by hand.")
	}
	doc, content, err := d.Document(ctx, actor, id, docID)
	if err != nil {
		return nil, err
	}
	text, err := ocr.Read(ctx, content, doc.ContentType, ocr.Options{Timeout: ocrTimeout})
	switch {
	case errors.Is(err, ocr.ErrUnsupported), errors.Is(err, ocr.ErrNoPages):
		return nil, invalid("This scan cannot be read: only PDF, PNG, JPEG and TIFF scans with a page of text are.")
	case errors.Is(err, ocr.ErrTooLarge):
		return nil, roi.Errorf(roi.CodeTooLarge, "This scan is too large to read; fill in the form by hand.")
	case errors.Is(err, ocr.ErrTimeout):
		return nil, invalid("Reading this scan took too long; fill in the form by hand.")
	case err != nil:
		return nil, roi.WrapOp("workflow.ocr", roi.CodeInternal, err, "The scan could not be read.")
	}
	return suggestAuthorization(ocr.ParseAuthorization(text)), nil
}

// suggestAuthorization turns what OCR found into the authorization form's
// values. Only what was found is filled in.
func suggestAuthorization(p ocr.Prefill) *Suggested {
	s := &Suggested{Values: url.Values{}, Lines: map[string]string{}}
	set := func(field, value, line string) {
		if value == "" {
			return
		}
		s.Values.Add(field, value)
		if _, ok := s.Lines[field]; !ok {
			s.Fields = append(s.Fields, field)
			s.Lines[field] = line
		}
	}
	day := func(v ocr.Suggestion[roi.Date]) string {
		if !v.Found() || !v.Value.Known() {
			return ""
		}
		return v.Value.String()
	}
	set("discloser", p.Discloser.Value, p.Discloser.Line)
	set("recipient", p.Recipient.Value, p.Recipient.Line)
	set("purpose", p.Purpose.Value, p.Purpose.Line)
	set("expires", day(p.Expires), p.Expires.Line)
	set("expiration_event", p.ExpirationEvent.Value, p.ExpirationEvent.Line)
	set("signed", day(p.Signed), p.Signed.Line)
	if p.SignedBy.Found() {
		set("signed_by", string(p.SignedBy.Value), p.SignedBy.Line)
	}
	if p.Authority.Found() {
		set("rep_authority", string(p.Authority.Value), p.Authority.Line)
	}
	set("covers_from", day(p.From), p.From.Line)
	set("covers_to", day(p.To), p.To.Line)
	for _, l := range p.Labels {
		set("covers_labels", l.Value.String(), l.Line)
	}
	for _, st := range p.Statements {
		set("statements", string(st.Value), st.Line)
	}
	if p.Part2.Found() && p.Part2.Value {
		set("forms", "part2", p.Part2.Line)
		if p.TPO.Found() && p.TPO.Value {
			set("tpo", "yes", p.TPO.Line)
		}
	}
	return s
}
