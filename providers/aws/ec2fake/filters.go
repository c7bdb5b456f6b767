package ec2fake

import (
	"encoding/base64"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// filterDefs are the filters of a Describe call: what values an object
// has for each filter name. An object matches a filter when one of its
// values matches one of the filter's.
type filterDefs[T any] map[string]func(T) []string

// A filter is one Filter.N of a request: a name and its values, which
// may hold the wildcards * and ?.
type filter struct {
	name   string
	values []*regexp.Regexp
}

// filters reads the Filter.N of a request. Names must be among defs or,
// where objects have tags (tagged), tag:<key>, tag-key and tag-value;
// EC2 refuses others with InvalidParameterValue.
func filters[T any](p params, defs filterDefs[T], tagged bool) ([]filter, *apiError) {
	var out []filter
	for _, item := range p.items("Filter") {
		name := p.str(item + ".Name")
		if name == "" {
			return nil, errorf("MissingParameter", "The request must contain the parameter %s.Name", item)
		}
		_, known := defs[name]
		isTag := tagged && (strings.HasPrefix(name, "tag:") && len(name) > 4 || name == "tag-key" || name == "tag-value")
		if !known && !isTag {
			return nil, errorf("InvalidParameterValue", "The filter '%s' is invalid", name)
		}
		values := p.list(item + ".Value")
		if len(values) == 0 {
			return nil, errorf("InvalidParameterValue", "The filter '%s' has no values", name)
		}
		flt := filter{name: name}
		for _, v := range values {
			flt.values = append(flt.values, wildcard(v))
		}
		out = append(out, flt)
	}
	return out, nil
}

// filterItems keeps the items that match every filter of a request:
// several values of a filter are alternatives, several filters must all
// match. tagsOf gives an item's tags; nil for items without tags.
func filterItems[T any](p params, defs filterDefs[T], tagsOf func(T) map[string]string, items []T) ([]T, *apiError) {
	flts, err := filters(p, defs, tagsOf != nil)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, item := range items {
		if slices.IndexFunc(flts, func(flt filter) bool { return !flt.matches(valuesOf(flt.name, defs, tagsOf, item)) }) < 0 {
			out = append(out, item)
		}
	}
	return out, nil
}

// valuesOf are an item's values for a filter name.
func valuesOf[T any](name string, defs filterDefs[T], tagsOf func(T) map[string]string, item T) []string {
	if def, ok := defs[name]; ok {
		return def(item)
	}
	tags := tagsOf(item)
	switch {
	case name == "tag-key":
		return slices.Collect(maps.Keys(tags))
	case name == "tag-value":
		return slices.Collect(maps.Values(tags))
	}
	if v, ok := tags[strings.TrimPrefix(name, "tag:")]; ok {
		return []string{v}
	}
	return nil
}

func (flt filter) matches(values []string) bool {
	for _, v := range values {
		for _, re := range flt.values {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// wildcard compiles a filter value: * matches any characters, ? one, and
// a backslash escapes either.
func wildcard(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern) && strings.ContainsRune(`*?\`, rune(pattern[i+1])):
			b.WriteString(regexp.QuoteMeta(pattern[i+1 : i+2]))
			i++
		case c == '*':
			b.WriteString("(?s:.*)")
		case c == '?':
			b.WriteString("(?s:.)")
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func tagsOf[T resource](obj T) map[string]string { return obj.base().tags }

// one and bools turn single values into a filter's values.
func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func boolValue(b bool) []string { return []string{strconv.FormatBool(b)} }

// page cuts the page a request asks for out of items (in their order):
// MaxResults of them, at least 5 as EC2 requires, at most the action's
// maximum and the fake's page size, after the item NextToken points past.
// It returns the page and the token of the next one ("" on the last).
// Tokens are opaque to clients and belong to one action.
func page[T any](f *Fake, p params, action string, items []T, key func(T) int64, maximum int) ([]T, string, *apiError) {
	limit := len(items)
	n, given, err := p.int("MaxResults")
	if err != nil {
		return nil, "", err
	}
	if given {
		if n < 5 {
			return nil, "", errorf("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than 5.", n)
		}
		limit = min(n, maximum)
	}
	if f.pageSize > 0 {
		limit = min(limit, f.pageSize)
	}
	if token := p.str("NextToken"); token != "" {
		after, ok := parseToken(token, action)
		if !ok {
			return nil, "", errorf("InvalidNextToken", "The specified NextToken is not valid.")
		}
		i := slices.IndexFunc(items, func(item T) bool { return key(item) > after })
		if i < 0 {
			i = len(items)
		}
		items = items[i:]
	}
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, makeToken(action, key(items[len(items)-1])), nil
}

func makeToken(action string, after int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ec2fake/" + action + "/" + strconv.FormatInt(after, 10)))
}

func parseToken(token, action string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(raw), "ec2fake/"+action+"/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

// seqOf orders objects for pagination by their creation.
func seqOf[T resource](obj T) int64 { return obj.base().seq }
