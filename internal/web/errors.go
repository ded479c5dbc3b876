package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/custodian-roi/custodian/internal/roi"
)

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[roi.ErrorCode]int{
	roi.CodeInvalid:         http.StatusBadRequest,
	roi.CodeNotFound:        http.StatusNotFound,
	roi.CodeConflict:        http.StatusConflict,
	roi.CodeForbidden:       http.StatusForbidden,
	roi.CodeUnauthenticated: http.StatusUnauthorized,
	roi.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	roi.CodeInternal:        http.StatusInternalServerError,
}

type errorBody struct {
	Error struct {
		Code    roi.ErrorCode `json:"code"`
		Message string        `json:"message"`
	} `json:"error"`
}

// writeError renders err as {"error": {"code", "message"}}. Only the public
// message is shown; an internal error's cause is logged by its code, never
// its text, which may quote data.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	code := roi.CodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		log.Error("internal error", "code", code, "message", roi.PublicMessage(err))
	}
	var b errorBody
	b.Error.Code, b.Error.Message = code, roi.PublicMessage(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(b)
}
