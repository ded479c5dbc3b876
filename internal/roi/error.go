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
	CodeInternal        ErrorCode = "internal"
)

// Error is an error safe to show: Message is a full sentence for people and
// never holds PHI; Err is the internal cause, logged and never shown.
type Error struct {
	Code    ErrorCode
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
