package ec2fake

import (
	"fmt"
	"net/http"
	"strings"
)

// An apiError is an error as EC2 answers it: a code, a message and the
// HTTP status that goes with the code.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// statuses are the HTTP statuses of the codes that are not plain client
// errors. EC2's API reference ("Error codes for the Amazon EC2 API") sorts
// codes into client errors, answered with a 400-series status, and server
// errors, answered with a 500-series status; among the server errors it
// lists RequestLimitExceeded, which EC2 sends with 503 like Unavailable.
// AuthFailure comes with 401 and UnauthorizedOperation with 403, and a
// request with DryRun set is refused with 412.
var statuses = map[string]int{
	"AuthFailure":           http.StatusUnauthorized,
	"UnauthorizedOperation": http.StatusForbidden,
	"Blocked":               http.StatusForbidden,
	"OptInRequired":         http.StatusForbidden,
	"DryRunOperation":       http.StatusPreconditionFailed,

	"InternalError":                        http.StatusInternalServerError,
	"InternalFailure":                      http.StatusInternalServerError,
	"InsufficientAddressCapacity":          http.StatusInternalServerError,
	"InsufficientCapacity":                 http.StatusInternalServerError,
	"InsufficientInstanceCapacity":         http.StatusInternalServerError,
	"InsufficientHostCapacity":             http.StatusInternalServerError,
	"InsufficientReservedInstanceCapacity": http.StatusInternalServerError,
	"InsufficientVolumeCapacity":           http.StatusInternalServerError,
	"RequestLimitExceeded":                 http.StatusServiceUnavailable,
	"ServiceUnavailable":                   http.StatusServiceUnavailable,
	"Unavailable":                          http.StatusServiceUnavailable,
}

// messages are what EC2 says with the codes a test injects.
var messages = map[string]string{
	"RequestLimitExceeded":         "Request limit exceeded.",
	"Unavailable":                  "The server is overloaded and can't handle the request.",
	"ServiceUnavailable":           "The request has failed due to a temporary failure of the server.",
	"InternalError":                "An internal error has occurred. Retry your request.",
	"InternalFailure":              "The request processing has failed because of an unknown error, exception or failure.",
	"InsufficientInstanceCapacity": "We currently do not have sufficient capacity in the Availability Zone you requested.",
	"UnauthorizedOperation":        "You are not authorized to perform this operation.",
	"AuthFailure":                  "AWS was not able to validate the provided access credentials",
}

// errorf makes an error with code and its status: 400 unless statuses
// says otherwise.
func errorf(code, format string, args ...any) *apiError {
	status, ok := statuses[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// injected is the error FailNext answers with.
func injected(code string) *apiError {
	msg, ok := messages[code]
	if !ok {
		msg = "Injected by ec2fake."
	}
	return errorf(code, "%s", msg)
}

// codeForStatus is the code EC2 answers a failure of a kind with, for
// tests that think in HTTP statuses: EC2 has no 429, it throttles with
// RequestLimitExceeded (503).
func codeForStatus(status int) (string, bool) {
	code, ok := map[int]string{
		400: "InvalidParameterValue",
		401: "AuthFailure",
		403: "UnauthorizedOperation",
		429: "RequestLimitExceeded",
		500: "InternalError",
		503: "Unavailable",
	}[status]
	return code, ok
}

func invalidValue(value, param string) *apiError {
	return errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid.", value, param)
}

// notFound is the X.NotFound error of an ID: EC2 names the code after the
// kind of the ID.
func notFound(id string) *apiError {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "i":
		return errorf("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
	case "vol":
		return errorf("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
	case "eipalloc":
		return errorf("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", id)
	case "vpc":
		return errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	case "subnet":
		return errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
	case "igw":
		return errorf("InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist", id)
	case "rtb":
		return errorf("InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
	case "sg":
		return errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	case "key":
		return errorf("InvalidKeyPair.NotFound", "The key pair ID '%s' does not exist", id)
	case "ami":
		return errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
	case "rtbassoc", "eipassoc":
		return errorf("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
	}
	return errorf("InvalidID", "The ID '%s' is not valid", id)
}

// malformed checks an ID has the form prefix-hex, as EC2 checks before it
// looks anything up.
func malformed(id, prefix string) *apiError {
	hex, ok := strings.CutPrefix(id, prefix+"-")
	if ok && len(hex) >= 8 && strings.Trim(hex, "0123456789abcdef") == "" {
		return nil
	}
	codes := map[string]string{
		"i": "InvalidInstanceID.Malformed", "vol": "InvalidVolumeID.Malformed",
		"vpc": "InvalidVpcID.Malformed", "subnet": "InvalidSubnetID.Malformed",
		"igw": "InvalidInternetGatewayId.Malformed", "rtb": "InvalidRouteTableId.Malformed",
		"sg": "InvalidGroupId.Malformed", "ami": "InvalidAMIID.Malformed",
	}
	code, ok := codes[prefix]
	if !ok {
		code = "InvalidParameterValue"
	}
	return errorf(code, "Invalid id: \"%s\" (expecting \"%s-...\")", id, prefix)
}

// dependencyViolation is the refusal to delete what something depends on.
func dependencyViolation(kind, id string) *apiError {
	return errorf("DependencyViolation", "The %s '%s' has dependencies and cannot be deleted.", kind, id)
}

// incorrectInstanceState refuses an action on an instance in a state
// that does not allow it.
func incorrectInstanceState(i *instance, what string) *apiError {
	return errorf("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s (it is %s).", i.id, what, i.state)
}
