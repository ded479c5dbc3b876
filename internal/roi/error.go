package roi

import (
	"errors"
	"fmt"
)

// ErrorCode is the category of an error, which the web package maps to an
// HTTP status. A denial is not an error: it is a Decision.
type ErrorCode string

// The error codes.
const (
	CodeInvalid         ErrorCode = "invalid"
	CodeNotFound        ErrorCode = "not_found"
	CodeConflict        ErrorCode = "conflict"
	CodeForbidden       ErrorCode = "forbidden"
	CodeUnauthenticated ErrorCode = "unauthenticated"
	CodeTooLarge        ErrorCode = "too_large"
	// CodeUnsupportedMedia is a body of a type the endpoint does not
	// take (a JSON endpoint's body sent as text/plain).
	CodeUnsupportedMedia ErrorCode = "unsupported_media_type"
	// CodeRateLimited is too many attempts: the caller should wait.
	CodeRateLimited ErrorCode = "rate_limited"
	CodeInternal    ErrorCode = "internal"
)

// Error is an error safe to show: Message is a full sentence for people and
// never holds PHI; Err is the internal cause, never shown. Op names the
// step that failed ("store.open-document", "workflow.evidence-decode"): a
// constant of the code, never data, so the log can say where a failure
// happened without quoting the cause's text, which may hold PHI.
type Error struct {
	Code    ErrorCode
	Op      string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a message. Never pass PHI or an error as an
// argument: the message is shown to people.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a public message and an internal cause.
func Wrap(code ErrorCode, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// WrapOp is Wrap naming the operation that failed; op is a constant of the
// code ("workflow.evidence-decode"), never data.
func WrapOp(op string, code ErrorCode, err error, message string) *Error {
	return &Error{Code: code, Op: op, Message: message, Err: err}
}

// Ops returns the operations named along err's chain, outermost first.
func Ops(err error) []string {
	var ops []string
	walk(err, func(e error) {
		if re, ok := e.(*Error); ok && re.Op != "" {
			ops = append(ops, re.Op)
		}
	})
	return ops
}

// walk calls fn on err and every error it wraps, depth first.
func walk(err error, fn func(error)) {
	for err != nil {
		fn(err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e, fn)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

// CodeOf returns the code of err, CodeInternal for anything not an *Error.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// PublicMessage returns the message of err safe to show, "Internal error."
// for anything not an *Error.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
