package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an API error so clients can branch on it.
type Code string

// Error codes and the HTTP status the helper answers them with.
const (
	// CodeBadRequest: the request is malformed (400).
	CodeBadRequest Code = "bad_request"
	// CodeInvalidProfile: a profile field is wrong; Error.Field names it
	// (400).
	CodeInvalidProfile Code = "invalid_profile"
	// CodeForbidden: the caller is neither root nor in the helper's group
	// (403).
	CodeForbidden Code = "forbidden"
	// CodeNotOwner: the profile belongs to another user, and only its
	// owner and root may do this with it (403).
	CodeNotOwner Code = "not_owner"
	// CodeNotFound: no such profile or path (404).
	CodeNotFound Code = "not_found"
	// CodeMethodNotAllowed: the path exists, the method does not (405).
	CodeMethodNotAllowed Code = "method_not_allowed"
	// CodeExists: a profile of that name exists and replace was not asked
	// (409).
	CodeExists Code = "exists"
	// CodeBusy: the profile's connection is active and the operation needs
	// it down (409).
	CodeBusy Code = "busy"
	// CodeConnectFailed: a connection attempt failed; Message says why
	// (502).
	CodeConnectFailed Code = "connect_failed"
	// CodeUnavailable: the helper cannot do this at all in this build or
	// on this system (503).
	CodeUnavailable Code = "unavailable"
	// CodeStopping: the helper is stopping and takes no new watch (503).
	// It matches ErrHelperNotRunning: to a client, a helper going away
	// is one not running.
	CodeStopping Code = "stopping"
	// CodeInternal: anything else (500).
	CodeInternal Code = "internal"
)

// HTTPStatus returns the HTTP status code the helper sends with c.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeBadRequest, CodeInvalidProfile:
		return http.StatusBadRequest
	case CodeForbidden, CodeNotOwner:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeExists, CodeBusy:
		return http.StatusConflict
	case CodeConnectFailed:
		return http.StatusBadGateway
	case CodeUnavailable, CodeStopping:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is an error reported by the helper. On the wire it is
// {"error": {"code": "...", "message": "...", "field": "..."}}.
type Error struct {
	// Code classifies the error.
	Code Code `json:"code"`
	// Message explains it in words, for a person.
	Message string `json:"message"`
	// Field is the profile key that is wrong (CodeInvalidProfile), e.g.
	// "gateway" or "remote_ts[1]"; empty otherwise.
	Field string `json:"field,omitempty"`
	// ErrorCode classifies a CodeConnectFailed: why the attempt failed,
	// as in ConnectionStatus.ErrorCode; empty otherwise.
	ErrorCode FailureCode `json:"error_code,omitempty"`
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	// Error is the error.
	Error *Error `json:"error"`
}

// Errorf returns an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns a CodeInvalidProfile Error naming the wrong field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidProfile, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string { return e.Message }

// Is lets errors.Is match an *Error against ErrAccessDenied (CodeForbidden),
// against ErrHelperNotRunning (CodeStopping) and against another *Error
// with the same Code.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrAccessDenied:
		return e.Code == CodeForbidden
	case ErrHelperNotRunning:
		return e.Code == CodeStopping
	}
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// ErrHelperNotRunning matches (with errors.Is) every error the Client
// returns when nothing listens on the helper's socket, or the helper
// answered that it is stopping (CodeStopping).
var ErrHelperNotRunning = errors.New("the Espresso helper is not running")

// ErrAccessDenied matches (with errors.Is) every error the Client returns
// when the caller may not use the helper: the socket's permissions refused
// it or the helper answered CodeForbidden.
var ErrAccessDenied = errors.New("access to the Espresso helper denied")

// NotRunningError reports that the helper's socket is missing or refuses
// connections.
type NotRunningError struct {
	// Socket is the path that was tried.
	Socket string
	// Err is the underlying dial error.
	Err error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("the Espresso helper is not running (no service at %s)", e.Socket)
}

// Unwrap returns the dial error.
func (e *NotRunningError) Unwrap() error { return e.Err }

// Is matches ErrHelperNotRunning.
func (e *NotRunningError) Is(target error) bool { return target == ErrHelperNotRunning }

// AccessDeniedError reports that the socket's permissions do not let the
// caller connect.
type AccessDeniedError struct {
	// Socket is the path that was tried.
	Socket string
	// Err is the underlying dial error.
	Err error
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access to the Espresso helper at %s denied: run as root or join the %q group", e.Socket, GroupName)
}

// Unwrap returns the dial error.
func (e *AccessDeniedError) Unwrap() error { return e.Err }

// Is matches ErrAccessDenied.
func (e *AccessDeniedError) Is(target error) bool { return target == ErrAccessDenied }

// GroupName is the system group whose members may use the helper besides
// root.
const GroupName = "espresso"
