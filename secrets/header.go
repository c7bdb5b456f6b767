package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"filippo.io/age/armor"
)

// The header of an age file (age spec, "Header"):
//
//	age-encryption.org/v1
//	-> TYPE ARG…
//	BODY (base64, lines of 64 columns, the last one shorter, maybe empty)
//	…
//	--- MAC
//
// It is parsed here rather than through age because age keeps its parser
// internal, and reading who a file is sealed to needs no key at all. The
// parser is strict where age is (so that what it accepts age accepts) and
// never quotes the input in an error: a file that is not an age file may
// be a secret written in clear.

const (
	intro = "age-encryption.org/v1"
	// columns is the width of a stanza body line; a shorter one ends it.
	columns = 64
	// maxStanzas bounds work on hostile input, as age does.
	maxStanzas = 1024
	// maxFile bounds what is decoded at all: a sealed secret is a few
	// hundred bytes per recipient.
	maxFile = 16 << 20
)

// stanza is a recipient stanza without its body, which only a private key
// can make sense of.
type stanza struct {
	Type string
	Args []string
}

// errNotAge is what every parse error wraps.
var errNotAge = errors.New("not an age-encrypted file")

func notAge(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errNotAge, fmt.Sprintf(format, a...))
}

// isArmored reports whether data is the ASCII-armored form, which may be
// preceded by whitespace.
func isArmored(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armor.Header))
}

// binary returns the binary age file data holds, removing the armor if it
// has one. The whole armor is checked: a file whose armor breaks halfway
// would fail on the host.
func binary(data []byte) ([]byte, error) {
	if len(data) > maxFile {
		return nil, notAge("larger than %d MiB", maxFile>>20)
	}
	if !isArmored(data) {
		return data, nil
	}
	out, err := io.ReadAll(armor.NewReader(bytes.NewReader(data)))
	if err != nil {
		var armorErr *armor.Error
		if errors.As(err, &armorErr) {
			return nil, notAge("%v", armorErr)
		}
		return nil, notAge("broken armor: %v", err)
	}
	return out, nil
}

// parseHeader reads the stanzas of an age file, armored or not.
func parseHeader(data []byte) ([]stanza, error) {
	bin, err := binary(data)
	if err != nil {
		return nil, err
	}
	return parseBinaryHeader(bin)
}

func parseBinaryHeader(bin []byte) ([]stanza, error) {
	rest := bin
	lineNo := 0
	next := func() ([]byte, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return nil, false
		}
		line := rest[:i]
		rest = rest[i+1:]
		lineNo++
		return line, true
	}

	line, ok := next()
	if !ok || string(line) != intro {
		return nil, notAge("it does not begin with the line %q", intro)
	}
	var stanzas []stanza
	for {
		line, ok := next()
		if !ok {
			return nil, notAge("the header ends before its closing --- line")
		}
		if bytes.HasPrefix(line, []byte("---")) {
			if err := parseMAC(line); err != nil {
				return nil, notAge("line %d: %v", lineNo, err)
			}
			break
		}
		if len(stanzas) == maxStanzas {
			return nil, notAge("more than %d recipient stanzas", maxStanzas)
		}
		s, err := parseStanzaLine(line)
		if err != nil {
			return nil, notAge("line %d: %v", lineNo, err)
		}
		// The body: full lines, then one shorter (maybe empty) line.
		for {
			body, ok := next()
			if !ok {
				return nil, notAge("the header ends inside the %s stanza", s.Type)
			}
			if len(body) > columns {
				return nil, notAge("line %d: a stanza body line is longer than %d columns", lineNo, columns)
			}
			if _, err := base64.RawStdEncoding.Strict().DecodeString(string(body)); err != nil || bytes.ContainsAny(body, "\r\n") {
				return nil, notAge("line %d: a stanza body line is not base64", lineNo)
			}
			if len(body) < columns {
				break
			}
		}
		stanzas = append(stanzas, s)
	}
	if len(stanzas) == 0 {
		return nil, notAge("the header has no recipient stanza")
	}
	// The payload: a 16-byte nonce, then at least one chunk with its tag.
	if len(rest) < 16+16 {
		return nil, notAge("the payload after the header is missing or truncated")
	}
	return stanzas, nil
}

// parseStanzaLine reads "-> TYPE ARG…": single spaces, no empty argument,
// every character printable ASCII.
func parseStanzaLine(line []byte) (stanza, error) {
	body, ok := bytes.CutPrefix(line, []byte("-> "))
	if !ok {
		return stanza{}, errors.New("expected a recipient stanza (-> …) or the closing --- line")
	}
	fields := bytes.Split(body, []byte(" "))
	if len(fields) > 1+128 {
		return stanza{}, errors.New("a recipient stanza has too many arguments")
	}
	for _, f := range fields {
		if !validArg(f) {
			return stanza{}, errors.New("malformed recipient stanza")
		}
	}
	s := stanza{Type: string(fields[0])}
	for _, f := range fields[1:] {
		s.Args = append(s.Args, string(f))
	}
	return s, nil
}

func validArg(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// parseMAC checks the closing line "--- MAC", MAC being 32 bytes in
// unpadded base64.
func parseMAC(line []byte) error {
	mac, ok := bytes.CutPrefix(line, []byte("--- "))
	if !ok {
		return errors.New("malformed closing line")
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(string(mac))
	if err != nil || len(b) != 32 || bytes.ContainsAny(mac, "\r\n") {
		return errors.New("malformed header MAC")
	}
	return nil
}
