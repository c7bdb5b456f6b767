package providers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// What every provider's resources share: how they are copied, how their
// errors read, and the canonical forms of keys, rules and lists, so that a
// plan reads the same whichever cloud a machine is on.

// Clone copies a resource deeply enough to change its attributes, outputs
// and references.
func Clone(r *Resource) *Resource {
	c := *r
	c.Attrs = maps.Clone(r.Attrs)
	c.Outputs = maps.Clone(r.Outputs)
	c.Refs = slices.Clone(r.Refs)
	return &c
}

// OpError says which operation on which resource failed: "create
// instance.web1: <the API's error>". nil stays nil.
func OpError(op string, r *Resource, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", op, r.Address(), err)
}

// CheckReplace refuses to change in place an attribute that needs a new
// resource, rather than let an update ignore it.
func CheckReplace(spec KindSpec, current, desired *Resource) error {
	for _, attr := range spec.Replace {
		if current.Attrs[attr] != desired.Attrs[attr] {
			return fmt.Errorf("%s cannot change in place (%q → %q): the resource must be replaced", attr, current.Attrs[attr], desired.Attrs[attr])
		}
	}
	return nil
}

// CanonicalKey is "type base64" of an OpenSSH public key, without the
// comment: the key proper, however it was written.
func CanonicalKey(publicKey string) (string, bool) {
	fields := strings.Fields(publicKey)
	if len(fields) < 2 {
		return "", false
	}
	if _, err := base64.StdEncoding.DecodeString(fields[1]); err != nil {
		return "", false
	}
	return fields[0] + " " + fields[1], true
}

// AdminKeyName names the resource of an admin's public key from a hash of
// the key proper (CanonicalKey), so that one key is one resource however
// often, and with whatever comment, machines list it.
func AdminKeyName(canonicalKey string) string {
	sum := sha256.Sum256([]byte(canonicalKey))
	return "key-" + hex.EncodeToString(sum[:])[:12]
}

// InboundRules is the canonical form of a machine's public inbound
// ports, so plans diff them as one short line: "tcp/22,tcp/443,udp/51820",
// sorted, SSH always open (freecloud installs and deploys over it).
func InboundRules(ports []Port) (string, error) {
	rules := []string{"tcp/22"}
	for _, port := range ports {
		if port.Protocol != "tcp" && port.Protocol != "udp" || port.Port < 1 || port.Port > 65535 {
			return "", fmt.Errorf("port %s/%d: a public port is tcp or udp, 1 to 65535", port.Protocol, port.Port)
		}
		rules = append(rules, fmt.Sprintf("%s/%d", port.Protocol, port.Port))
	}
	return JoinSorted(rules), nil
}

// JoinSorted joins distinct values, sorted, with commas: the form of every
// list-valued attribute.
func JoinSorted(values []string) string {
	values = slices.Clone(values)
	slices.Sort(values)
	return strings.Join(slices.Compact(values), ",")
}

// SplitList reads JoinSorted's form back.
func SplitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
