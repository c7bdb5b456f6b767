package ec2fake

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// maxTags is how many tags an object may have.
const maxTags = 50

// A tagArg is one Tag.N of a request. hasValue tells Tag.N.Value=""
// (delete only if empty) from no value (delete whatever it is).
type tagArg struct {
	key, value string
	hasValue   bool
}

func (p params) tagArgs(name string) []tagArg {
	var out []tagArg
	for _, item := range p.items(name) {
		out = append(out, tagArg{p.str(item + ".Key"), p.str(item + ".Value"), p.has(item + ".Value")})
	}
	return out
}

// checkTag refuses what EC2 refuses as a tag: an empty key, keys beyond
// 128 and values beyond 256 characters, and the reserved aws: prefix.
func checkTag(key, value string) *apiError {
	switch {
	case key == "":
		return errorf("InvalidParameterValue", "Tag keys must not be empty")
	case utf8.RuneCountInString(key) > 128:
		return errorf("InvalidParameterValue", "Tag key exceeds the maximum length of 128 characters")
	case utf8.RuneCountInString(value) > 256:
		return errorf("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters")
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return errorf("InvalidParameterValue", "Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", key)
	}
	return nil
}

// tagSpecs reads the TagSpecification.N of a create: the tags to give
// each resource type it makes. Types the action does not make are refused.
func (p params) tagSpecs(allowed ...string) (map[string]map[string]string, *apiError) {
	out := map[string]map[string]string{}
	for _, item := range p.items("TagSpecification") {
		typ := p.str(item + ".ResourceType")
		if typ == "" {
			return nil, errorf("MissingParameter", "The request must contain the parameter %s.ResourceType", item)
		}
		if !slices.Contains(allowed, typ) {
			return nil, errorf("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", typ)
		}
		if out[typ] == nil {
			out[typ] = map[string]string{}
		}
		for _, t := range p.tagArgs(item + ".Tag") {
			if err := checkTag(t.key, t.value); err != nil {
				return nil, err
			}
			out[typ][t.key] = t.value
		}
		if len(out[typ]) > maxTags {
			return nil, errorf("TagLimitExceeded", "The maximum number of tags per resource (%d) has been exceeded", maxTags)
		}
	}
	return out, nil
}

// lookup finds an object of any type by ID, for CreateTags and DeleteTags.
func (f *Fake) lookup(id string) (resource, *apiError) {
	return find(f, f.objects, id)
}

func (f *Fake) createTags(p params) (any, *apiError) {
	ids := p.list("ResourceId")
	tags := p.tagArgs("Tag")
	switch {
	case len(ids) == 0:
		return nil, errorf("MissingParameter", "The request must contain the parameter resourceIdSet")
	case len(tags) == 0:
		return nil, errorf("MissingParameter", "The request must contain the parameter tagSet")
	}
	var objs []resource
	for _, id := range ids {
		obj, err := f.lookup(id)
		if err != nil {
			return nil, err
		}
		merged := map[string]string{}
		for k, v := range obj.base().tags {
			merged[k] = v
		}
		for _, t := range tags {
			if err := checkTag(t.key, t.value); err != nil {
				return nil, err
			}
			merged[t.key] = t.value
		}
		if len(merged) > maxTags {
			return nil, errorf("TagLimitExceeded", "The maximum number of tags per resource (%d) has been exceeded for %s", maxTags, id)
		}
		objs = append(objs, obj)
	}
	for _, obj := range objs {
		for _, t := range tags {
			obj.base().tags[t.key] = t.value
		}
	}
	return nil, nil
}

// deleteTags deletes tags by key, or by key and value when a value is
// given; without Tag.N it deletes all of an object's tags.
func (f *Fake) deleteTags(p params) (any, *apiError) {
	ids := p.list("ResourceId")
	if len(ids) == 0 {
		return nil, errorf("MissingParameter", "The request must contain the parameter resourceIdSet")
	}
	tags := p.tagArgs("Tag")
	var objs []resource
	for _, id := range ids {
		obj, err := f.lookup(id)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	for _, obj := range objs {
		m := obj.base().tags
		if len(tags) == 0 {
			clear(m)
		}
		for _, t := range tags {
			if v, ok := m[t.key]; ok && (!t.hasValue || v == t.value) {
				delete(m, t.key)
			}
		}
	}
	return nil, nil
}
