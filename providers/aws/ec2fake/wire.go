package ec2fake

import (
	"encoding/xml"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// namespace is the XML namespace of every EC2 answer.
const namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// head is what every answer starts with, inside the element named after
// the action: the request ID. Response structs embed it.
type head struct {
	RequestID string `xml:"requestId"`
}

func (h *head) setRequestID(id string) { h.RequestID = id }

// returnResponse is the answer of actions that only say they did it.
type returnResponse struct {
	head
	Return bool `xml:"return"`
}

// errorResponse is EC2's error document. Unlike answers it has no
// namespace, and its request ID is spelt RequestID.
type errorResponse struct {
	XMLName   xml.Name   `xml:"Response"`
	Errors    []errorXML `xml:"Errors>Error"`
	RequestID string     `xml:"RequestID"`
}

type errorXML struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type tagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// tagSet renders tags sorted by key.
func tagSet(tags map[string]string) []tagXML {
	var out []tagXML
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, tagXML{k, tags[k]})
	}
	return out
}

// stateXML is an instance state: its code and name.
type stateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

// timestamp renders a time as EC2 does: UTC with milliseconds.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// params are a request's parameters in the Query protocol's flattened
// form: lists as Name.1, Name.2…, structures as Name.Member, so that a
// filter's second value is Filter.1.Value.2.
type params struct{ v url.Values }

func (p params) str(name string) string { return p.v.Get(name) }

func (p params) has(name string) bool { return p.v.Has(name) }

// list is a list of strings: name.1, name.2… in their order.
func (p params) list(name string) []string {
	var out []string
	for _, item := range p.items(name) {
		out = append(out, p.v.Get(item))
	}
	return out
}

// items are the members of a list of structures or strings: "name.1",
// "name.2"… in numeric order, for reading each member's fields.
func (p params) items(name string) []string {
	seen := map[int]bool{}
	for key := range p.v {
		rest, ok := strings.CutPrefix(key, name+".")
		if !ok {
			continue
		}
		index, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(index); err == nil && n > 0 {
			seen[n] = true
		}
	}
	var out []string
	for _, n := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, name+"."+strconv.Itoa(n))
	}
	return out
}

// int reads an integer parameter; ok is false when it is absent.
func (p params) int(name string) (n int, ok bool, err *apiError) {
	s := p.v.Get(name)
	if s == "" {
		return 0, false, nil
	}
	n, e := strconv.Atoi(s)
	if e != nil {
		return 0, false, invalidValue(s, name)
	}
	return n, true, nil
}

// bool reads a boolean parameter, false when absent.
func (p params) bool(name string) bool { return p.v.Get(name) == "true" }

// require fails with MissingParameter when a parameter is absent.
func (p params) require(names ...string) *apiError {
	for _, name := range names {
		if p.v.Get(name) == "" {
			return errorf("MissingParameter", "The request must contain the parameter %s", name)
		}
	}
	return nil
}

// fingerprint identifies a request's parameters apart from its client
// token, to tell a retry from a different request with the same token.
func (p params) fingerprint() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(p.v)) {
		if k != "ClientToken" {
			b.WriteString(k + "=" + strings.Join(p.v[k], ",") + "&")
		}
	}
	return b.String()
}
