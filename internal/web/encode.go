package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// decode reads a JSON body into v, rejecting unknown members and bodies
// over maxBody, with a message naming what is wrong (never its content).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	// A JSON body must say so (issue #15, M1): text/plain is what a page
	// on another site can post without the browser asking first.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return roi.Errorf(roi.CodeUnsupportedMedia, "Send the body as JSON, with Content-Type: application/json.")
	}
	// Nobody signed in (sign-in, the portal's JSON calls) sends more
	// than a few fields: an anonymous body is bounded far below maxBody,
	// so that anonymous posts cannot make the server hold much (#15, M4).
	limit := int64(maxBody)
	if staffOf(r) == nil {
		limit = maxAnonymousBody
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var typ *json.UnmarshalTypeError
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &mbe):
			return roi.Errorf(roi.CodeTooLarge, "The request body is larger than %d KiB.", limit>>10)
		case errors.As(err, &typ):
			return roi.Errorf(roi.CodeInvalid, "Member %s must be %s.", typ.Field, typ.Type)
		case errors.As(err, &syn):
			return roi.Errorf(roi.CodeInvalid, "The request body is not valid JSON (at byte %d).", syn.Offset)
		case errors.Is(err, roi.ErrBadDate):
			return roi.Errorf(roi.CodeInvalid, "A date is not a real YYYY-MM-DD day.")
		}
		// The unknown name is not repeated (issue #15): it is input, and
		// may be PHI typed in the wrong place. The members taken are.
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			if ms := jsonMembers(v); len(ms) > 0 {
				return roi.Errorf(roi.CodeInvalid, "The request body has a member this call does not take (here or in a nested object); the members it takes are %s.", strings.Join(ms, ", "))
			}
			return roi.Errorf(roi.CodeInvalid, "The request body has a member this call does not take.")
		}
		return roi.Errorf(roi.CodeInvalid, "The request body is not valid JSON.")
	}
	// One JSON value and nothing after it: trailing content is refused,
	// not silently ignored.
	if _, err := dec.Token(); err != io.EOF {
		return roi.Errorf(roi.CodeInvalid, "The request body holds something after the JSON object.")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// pathID reads an opaque numeric ID from the path.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, roi.Errorf(roi.CodeNotFound, "Not found.")
	}
	return id, nil
}

// documentPath reads a document route's request (or submission) id and
// document id.
func documentPath(r *http.Request) (id, doc int64, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	doc, err = pathID(r, "doc")
	return id, doc, err
}

// codeNotAcceptable is the error code of a 406: the client's Accept
// header rules out every representation the call can give.
const codeNotAcceptable roi.ErrorCode = "not_acceptable"

// negotiate picks, of offers (media types in the server's order of
// preference), the one the Accept header rates highest, as RFC 9110
// §12.5.1 says: each offer takes the q of the most specific range that
// matches it (type/subtype over type/* over */*), q=0 rules an offer out,
// and a tie goes to the server's order. No Accept header accepts
// anything. ok is false when no offer is acceptable: the caller answers
// 406. Media-type parameters other than q are not compared.
func negotiate(accept string, offers ...string) (best string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], true
	}
	type rng struct {
		typ, sub string
		q        float64
	}
	var ranges []rng
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue // a malformed range is ignored, not fatal
		}
		typ, sub, found := strings.Cut(mt, "/")
		if !found || (typ == "*" && sub != "*") {
			continue
		}
		q := 1.0
		if v, has := params["q"]; has {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		ranges = append(ranges, rng{typ, sub, q})
	}
	bestQ := 0.0
	for _, o := range offers {
		typ, sub, _ := strings.Cut(o, "/")
		q, spec := 0.0, -1
		for _, r := range ranges {
			s := -1
			switch {
			case r.typ == typ && r.sub == sub:
				s = 2
			case r.typ == typ && r.sub == "*":
				s = 1
			case r.typ == "*":
				s = 0
			}
			if s > spec {
				q, spec = r.q, s
			}
		}
		if q > bestQ {
			best, bestQ = o, q
		}
	}
	return best, bestQ > 0
}

// notAcceptable is the 406 error naming what the call can give.
func notAcceptable(offers ...string) error {
	return roi.Errorf(codeNotAcceptable, "This call answers only with %s; the Accept header rules them all out.", strings.Join(offers, " or "))
}

// receiptView is a delivery receipt as the API shows it: snake_case
// members. The receipts of e-mail and SFTP deliveries are stored (and
// hashed into the ledger) with the Go field names they were first written
// with (roi.SentReceipt); they are renamed here, on the way out, so that
// stored rows and ledger entries stay as they are and old ones still read.
func receiptView(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return raw
	}
	renamed := false
	for goName, name := range receiptNames {
		if v, has := m[goName]; has {
			delete(m, goName)
			m[name] = v
			renamed = true
		}
	}
	if !renamed {
		return raw
	}
	out, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return out
}

// receiptNames maps roi.SentReceipt's stored member names to the API's.
var receiptNames = map[string]string{
	"Channel": "channel", "Remote": "remote", "ID": "id", "Bytes": "bytes",
	"SHA256": "sha256", "AlreadyPresent": "already_present", "Detail": "detail",
}

// ledgerBodyView is a ledger entry's body as the API shows it: a body
// carrying a delivery receipt has it renamed (receiptView); every other
// body is served as stored.
func ledgerBodyView(body json.RawMessage) json.RawMessage {
	if !bytes.Contains(body, []byte(`"receipt"`)) {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m["receipt"]) == 0 {
		return body
	}
	m["receipt"] = receiptView(m["receipt"])
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
