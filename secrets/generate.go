package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// alphabet is the "password" rule's: letters and digits only, so that a
// value is safe in URLs, connection strings and configuration files
// without quoting. It matches the hosts' secrets module (tr -dc A-Za-z0-9).
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// maxLength bounds Generate's length: a secret is a key, not a file.
const maxLength = 4096

// Generate makes a secret value in memory with the rules of the hosts'
// secrets module, for a secret several machines share and so cannot each
// make on their own (a cluster's RPC secret): freecloud makes it once and
// seals it to every machine, never writing it in clear.
//
//   - "password": length characters of A-Z, a-z, 0-9;
//   - "hex": length random bytes, hex encoded (2×length characters);
//   - "base64": length random bytes, standard base64 with padding.
//
// No trailing newline, as on the hosts. The caller should clear the value
// when done with it.
func Generate(rule string, length int) ([]byte, error) {
	if length < 1 || length > maxLength {
		return nil, fmt.Errorf("a generated secret's length must be between 1 and %d, not %d", maxLength, length)
	}
	switch rule {
	case "password":
		return password(length)
	case "hex", "base64":
		raw := make([]byte, length)
		defer clear(raw)
		if _, err := rand.Read(raw); err != nil {
			return nil, fmt.Errorf("reading random bytes: %v", err)
		}
		if rule == "hex" {
			out := make([]byte, hex.EncodedLen(length))
			hex.Encode(out, raw)
			return out, nil
		}
		out := make([]byte, base64.StdEncoding.EncodedLen(length))
		base64.StdEncoding.Encode(out, raw)
		return out, nil
	}
	return nil, fmt.Errorf("unknown rule %q for a generated secret: use password, hex or base64", rule)
}

// password draws characters by rejection sampling: a random byte below
// the largest multiple of len(alphabet) that fits in a byte picks a
// character, any other is dropped, so every character is equally likely
// (a plain b % 62 would favour the first eight).
func password(length int) ([]byte, error) {
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, length)
	buf := make([]byte, length+length/4+8)
	defer clear(buf)
	for len(out) < length {
		if _, err := rand.Read(buf); err != nil {
			clear(out)
			return nil, fmt.Errorf("reading random bytes: %v", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < length {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return out, nil
}
