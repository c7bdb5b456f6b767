package hcloudfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A handler answers one route. It runs with the fake's lock held, so it
// may read and change any state.
type handler func(r *http.Request) response

// A response is what a handler answers: a status and a body that is
// marshalled as JSON.
type response struct {
	status int
	body   any
}

func ok(body any) response      { return response{status: http.StatusOK, body: body} }
func created(body any) response { return response{status: http.StatusCreated, body: body} }
func noContent() response       { return response{status: http.StatusNoContent} }

// An apiError is an error in the API's documented format:
// {"error": {"code": "...", "message": "...", "details": ...}}.
type apiError struct {
	status  int
	code    string
	message string
	details any
}

func (e *apiError) response() response {
	return response{status: e.status, body: map[string]any{"error": map[string]any{
		"code": e.code, "message": e.message, "details": e.details,
	}}}
}

func notFound(what string) *apiError {
	return &apiError{http.StatusNotFound, "not_found", what + " not found", nil}
}

// invalidInput reports a field the API refuses, with the details the real
// API sends (details.fields[].name and messages).
func invalidInput(field, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{http.StatusBadRequest, "invalid_input",
		fmt.Sprintf("invalid input in field '%s': %s", field, msg),
		map[string]any{"fields": []map[string]any{{"name": field, "messages": []string{msg}}}}}
}

func uniqueness(format string, args ...any) *apiError {
	return &apiError{http.StatusConflict, "uniqueness_error", fmt.Sprintf(format, args...), nil}
}

func locked(what string) *apiError {
	return &apiError{http.StatusLocked, "locked", what + " is locked by a running action", nil}
}

// failure is a documented error for a status that a test injects.
func failure(status int) *apiError {
	code, ok := map[int]string{
		400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
		409: "conflict", 422: "invalid_input", 423: "locked", 429: "rate_limit_exceeded",
		500: "server_error", 502: "bad_gateway", 503: "service_error", 504: "timeout",
	}[status]
	if !ok {
		code = "unknown_error"
	}
	return &apiError{status, code, "injected by hcloudfake: " + http.StatusText(status), nil}
}

// decode reads a JSON request body; an empty body leaves v as it is.
func decode(r *http.Request, v any) *apiError {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &apiError{http.StatusBadRequest, "json_error", "invalid JSON: " + err.Error(), nil}
	}
	return nil
}

// pathID is the {id} of a route.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil
}

// pagination is meta.pagination; the API sends null for a previous or
// next page that does not exist.
type pagination struct {
	Page         int  `json:"page"`
	PerPage      int  `json:"per_page"`
	PreviousPage *int `json:"previous_page"`
	NextPage     *int `json:"next_page"`
	LastPage     int  `json:"last_page"`
	TotalEntries int  `json:"total_entries"`
}

// page cuts the requested page out of items and answers
// {"<key>": [...], "meta": {"pagination": ...}}. per_page defaults to 25
// and is capped at maxPerPage, as the API caps it at 50.
func page[T any](q url.Values, maxPerPage int, key string, items []T) response {
	number, perPage := 1, 25
	for name, v := range map[string]*int{"page": &number, "per_page": &perPage} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return invalidInput(name, "must be a positive integer").response()
			}
			*v = n
		}
	}
	perPage = min(perPage, maxPerPage)
	p := pagination{Page: number, PerPage: perPage, TotalEntries: len(items)}
	p.LastPage = max(1, (len(items)+perPage-1)/perPage)
	if number > 1 {
		p.PreviousPage = ptr(min(number-1, p.LastPage))
	}
	if number < p.LastPage {
		p.NextPage = ptr(number + 1)
	}
	from := min(len(items), (number-1)*perPage)
	to := min(len(items), from+perPage)
	return ok(map[string]any{key: append([]T{}, items[from:to]...), "meta": map[string]any{"pagination": p}})
}

func ptr[T any](v T) *T { return &v }

// filter is one condition of a list query.
type filter func(name string, labels map[string]string) bool

// listFilters reads the filters every list endpoint shares: name and
// label_selector.
func listFilters(q url.Values) (filter, *apiError) {
	sel, err := parseSelector(q.Get("label_selector"))
	if err != nil {
		return nil, err
	}
	name := q.Get("name")
	return func(n string, labels map[string]string) bool {
		return (name == "" || n == name) && sel.matches(labels)
	}, nil
}

// A selector is a parsed label selector: requirements that all hold.
type selector []requirement

type requirement struct {
	key    string
	op     string // =, !=, exists, !exists, in, notin
	values []string
}

var setRequirement = regexp.MustCompile(`^(\S+)\s+(in|notin)\s+\((.*)\)$`)

// parseSelector parses the API's label selectors: k=v, k==v, k!=v, k, !k,
// k in (a,b) and k notin (a,b), joined by commas.
func parseSelector(s string) (selector, *apiError) {
	var sel selector
	for _, expr := range splitOutsideParens(s) {
		expr = strings.TrimSpace(expr)
		var req requirement
		switch {
		case expr == "":
			continue
		case setRequirement.MatchString(expr):
			m := setRequirement.FindStringSubmatch(expr)
			req = requirement{key: m[1], op: m[2]}
			for v := range strings.SplitSeq(m[3], ",") {
				req.values = append(req.values, strings.TrimSpace(v))
			}
		case strings.HasPrefix(expr, "!"):
			req = requirement{key: strings.TrimSpace(expr[1:]), op: "!exists"}
		case strings.Contains(expr, "!="):
			k, v, _ := strings.Cut(expr, "!=")
			req = requirement{key: strings.TrimSpace(k), op: "!=", values: []string{strings.TrimSpace(v)}}
		case strings.Contains(expr, "="):
			k, v, _ := strings.Cut(expr, "=")
			req = requirement{key: strings.TrimSpace(k), op: "=", values: []string{strings.TrimSpace(strings.TrimPrefix(v, "="))}}
		default:
			req = requirement{key: expr, op: "exists"}
		}
		if !labelKey.MatchString(req.key) {
			return nil, invalidInput("label_selector", "invalid label selector %q", s)
		}
		sel = append(sel, req)
	}
	return sel, nil
}

func splitOutsideParens(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func (sel selector) matches(labels map[string]string) bool {
	for _, req := range sel {
		v, has := labels[req.key]
		var ok bool
		switch req.op {
		case "=":
			ok = has && v == req.values[0]
		case "!=":
			ok = !has || v != req.values[0]
		case "exists":
			ok = has
		case "!exists":
			ok = !has
		case "in":
			ok = has && slices.Contains(req.values, v)
		case "notin":
			ok = !has || !slices.Contains(req.values, v)
		}
		if !ok {
			return false
		}
	}
	return true
}

// Label keys and values as the API documents them: an optional DNS prefix
// and a name of up to 63 characters; values of up to 63 characters.
var (
	labelKey   = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?/)?[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$`)
	labelValue = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$`)
)

// checkLabels validates labels and returns a copy the fake may keep.
func checkLabels(labels *map[string]string) (map[string]string, *apiError) {
	out := map[string]string{}
	if labels == nil {
		return out, nil
	}
	for k, v := range *labels {
		if !labelKey.MatchString(k) || !labelValue.MatchString(v) {
			return nil, invalidInput("labels", "label %s=%s is not a valid key and value", k, v)
		}
		out[k] = v
	}
	return out, nil
}

// hostname is what the API accepts as a server name (RFC 1123).
var hostname = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)

// checkName validates the name of a new object of a kind whose names are
// unique in a project.
func checkName(name string, taken bool) *apiError {
	switch {
	case name == "" || len(name) > 128:
		return invalidInput("name", "name must have 1 to 128 characters")
	case taken:
		return uniqueness("name is already used")
	}
	return nil
}
