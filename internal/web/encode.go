package web

import (
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
