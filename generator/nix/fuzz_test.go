package nix

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// This file checks the printer's strings without Nix, against a Go decoder
// of Nix string literals written from Nix 2.8's lexer (src/libexpr/lexer.l)
// and its stripIndentation (src/libexpr/parser.y). The tests against the
// real nix-instantiate keep this decoder honest.

// FuzzString checks that any valid string prints without error and decodes
// back to itself, at the top level and nested inside an attribute set.
func FuzzString(f *testing.F) {
	for _, s := range nastyStrings {
		f.Add(s)
	}
	for _, s := range randomStrings(3, 100) {
		f.Add(s)
	}
	f.Add("a\x00b")
	f.Add("\xff\n")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Format(String(s))
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			if err == nil {
				t.Fatalf("no error for %q", s)
			}
			return
		}
		if err != nil {
			t.Fatalf("Format(%q): %v", s, err)
		}
		checkDecodes(t, s, strings.TrimSuffix(string(out), "\n"))

		// Nested two levels deep, the string is indented by four spaces.
		out, err = Format(Attrs{{Path: []string{"a"}, Value: Attrs{
			{Path: []string{"b"}, Value: String(s)},
			{Path: []string{"c"}, Value: Null{}},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		lit, ok := strings.CutPrefix(string(out), "{\n  a = {\n    b = ")
		lit, ok2 := strings.CutSuffix(lit, ";\n    c = null;\n  };\n}\n")
		if !ok || !ok2 {
			t.Fatalf("unexpected layout:\n%s", out)
		}
		checkDecodes(t, s, lit)
	})
}

// FuzzAttrName checks that any valid attribute name prints bare exactly when
// it is an identifier, and otherwise as a string literal that decodes back.
func FuzzAttrName(f *testing.F) {
	for _, s := range nastyStrings {
		f.Add(s)
	}
	for _, s := range []string{"a", "_", "a'b-c_1", "1abc", "-a", "'a", "with", "or", "in", "if", "rec", "inherit", "true", "null", "cloud.example.org", "a b", "A", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		out, err := Format(Attrs{{Path: []string{name}, Value: Int(1)}})
		if !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 {
			if err == nil {
				t.Fatalf("no error for %q", name)
			}
			return
		}
		if err != nil {
			t.Fatalf("Format(%q): %v", name, err)
		}
		lit, ok := strings.CutPrefix(string(out), "{\n  ")
		lit, ok2 := strings.CutSuffix(lit, " = 1;\n}\n")
		if !ok || !ok2 {
			t.Fatalf("unexpected layout:\n%s", out)
		}
		if !strings.HasPrefix(lit, `"`) {
			if lit != name || !identChars(name) || keywords[name] {
				t.Fatalf("%q printed bare as %s", name, lit)
			}
			return
		}
		if isIdent(name) {
			t.Errorf("identifier %q needlessly quoted", name)
		}
		got, err := decodeQuoted(lit)
		if err != nil || got != name {
			t.Fatalf("%q printed as %s, which decodes to %q (%v)", name, lit, got, err)
		}
	})
}

func checkDecodes(t *testing.T, s, lit string) {
	t.Helper()
	if got, err := decodeLiteral(lit); err != nil || got != s {
		t.Fatalf("%q printed as\n%s\ndecodes to %q (%v)", s, lit, got, err)
	}
}

// decodeLiteral decodes a "..." or ”...” literal.
func decodeLiteral(lit string) (string, error) {
	if strings.HasPrefix(lit, "''") {
		return decodeIndented(lit)
	}
	return decodeQuoted(lit)
}

var errInterpolation = errors.New("string contains an interpolation")

// unescape is Nix's unescapeStr for the character after a backslash.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c
}

// decodeQuoted decodes src, which must be exactly one "..." literal without
// interpolation.
func decodeQuoted(src string) (string, error) {
	if !strings.HasPrefix(src, `"`) {
		return "", errors.New("no opening quote")
	}
	var b strings.Builder
	for i := 1; i < len(src); {
		switch c := src[i]; {
		case c == '"':
			if i != len(src)-1 {
				return "", errors.New("text after the closing quote")
			}
			return b.String(), nil
		case c == '\\' && i+1 < len(src):
			b.WriteByte(unescape(src[i+1]))
			i += 2
		case c == '\\':
			return "", errors.New("backslash at the end")
		case c == '$' && strings.HasPrefix(src[i:], "${"):
			return "", errInterpolation
		case c == '$' && i+1 < len(src) && !strings.ContainsRune(`"\`, rune(src[i+1])):
			// The lexer consumes "$x" as a unit, so in "$${" the second $
			// cannot start an interpolation. x is literal (CR aside).
			b.WriteByte('$')
			i++
			if src[i] != '\r' {
				b.WriteByte(src[i])
				i++
			}
		case c == '\r':
			// Nix turns a raw CR or CRLF into LF.
			b.WriteByte('\n')
			i++
			if i < len(src) && src[i] == '\n' {
				i++
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", errors.New("unterminated string")
}

// indToken is a piece of an indented string as the lexer returns it. Plain
// text has indentation that stripIndentation may remove; escapes do not.
type indToken struct {
	text  string
	plain bool
}

// decodeIndented decodes src, which must be exactly one ”...” literal
// without interpolation.
func decodeIndented(src string) (string, error) {
	if !strings.HasPrefix(src, "''") {
		return "", errors.New("no opening ''")
	}
	i := 2
	// The opening token is ''(\ *\n)? and swallows a first blank line.
	if j := i + len(src[i:]) - len(strings.TrimLeft(src[i:], " ")); j < len(src) && src[j] == '\n' {
		i = j + 1
	}
	var toks []indToken
	for {
		rest := src[i:]
		switch {
		case rest == "":
			return "", errors.New("unterminated indented string")
		case strings.HasPrefix(rest, "'''"):
			toks = append(toks, indToken{text: "''"})
			i += 3
		case strings.HasPrefix(rest, "''$"):
			toks = append(toks, indToken{text: "$"})
			i += 3
		case strings.HasPrefix(rest, "''\\") && len(rest) >= 4:
			toks = append(toks, indToken{text: string(unescape(rest[3]))})
			i += 4
		case strings.HasPrefix(rest, "''"):
			if len(rest) != 2 {
				return "", errors.New("text after the closing ''")
			}
			return stripIndentation(toks), nil
		case strings.HasPrefix(rest, "${"):
			return "", errInterpolation
		default:
			if n := indTextLen(rest); n > 0 {
				toks = append(toks, indToken{text: rest[:n], plain: true})
				i += n
			} else { // a lone ' or $, returned as an escape
				toks = append(toks, indToken{text: rest[:1]})
				i++
			}
		}
	}
}

// indTextLen is the length of the longest match of the lexer's text rule
// ([^$']|\$[^{']|'[^'$])+ at the start of s. Each unit is decided by its
// first byte, so a greedy scan finds it.
func indTextLen(s string) int {
	i := 0
	for i < len(s) {
		switch s[i] {
		case '$':
			if i+1 >= len(s) || s[i+1] == '{' || s[i+1] == '\'' {
				return i
			}
			i += 2
		case '\'':
			if i+1 >= len(s) || s[i+1] == '\'' || s[i+1] == '$' {
				return i
			}
			i += 2
		default:
			i++
		}
	}
	return i
}

// stripIndentation is Nix 2.8's, without interpolations: it removes the
// smallest indentation of the non-blank lines (only spaces count; escapes
// end a line's indentation) and, from the last piece, a last line made
// only of spaces.
func stripIndentation(toks []indToken) string {
	atStartOfLine, minIndent, curIndent := true, 1000000, 0
	for _, t := range toks {
		if !t.plain {
			if atStartOfLine {
				atStartOfLine = false
				minIndent = min(minIndent, curIndent)
			}
			continue
		}
		for j := range len(t.text) {
			switch c := t.text[j]; {
			case atStartOfLine && c == ' ':
				curIndent++
			case atStartOfLine && c == '\n':
				curIndent = 0
			case atStartOfLine:
				atStartOfLine = false
				minIndent = min(minIndent, curIndent)
			case c == '\n':
				atStartOfLine, curIndent = true, 0
			}
		}
	}
	var out strings.Builder
	atStartOfLine = true
	curDropped := 0
	for i, t := range toks {
		var s2 strings.Builder
		for j := range len(t.text) {
			c := t.text[j]
			switch {
			case atStartOfLine && c == ' ':
				if curDropped >= minIndent {
					s2.WriteByte(c)
				}
				curDropped++
			case atStartOfLine && c == '\n':
				curDropped = 0
				s2.WriteByte(c)
			case atStartOfLine:
				atStartOfLine, curDropped = false, 0
				s2.WriteByte(c)
			default:
				s2.WriteByte(c)
				atStartOfLine = c == '\n'
			}
		}
		s := s2.String()
		if i == len(toks)-1 {
			if p := strings.LastIndexByte(s, '\n'); p >= 0 && strings.Trim(s[p+1:], " ") == "" {
				s = s[:p+1]
			}
		}
		out.WriteString(s)
	}
	return out.String()
}

// decoderCases are literals with what nix-instantiate 2.8 evaluates them
// to; TestDecoderCasesEvaluate checks that against the real Nix.
var decoderCases = []struct{ lit, want string }{
	{`"a\nb\tc\rd\\e\"f\$g\qh"`, "a\nb\tc\rd\\e\"f$gqh"},
	{`"$${x}"`, "$${x}"},
	{`"a$"`, "a$"},
	{`"$\${x}"`, "$${x}"},
	{"\"a\r\nb\rc\"", "a\nb\nc"},
	{"''\n  a\n    b\n''", "a\n  b\n"},
	{"''  \n  a\n  ''", "a\n"},
	{"'' a\n  b''", "a\n b"},
	{"''\n  x'''y''\\'z $${a} ''${b}\n''", "x''y'z $${a} ${b}\n"},
	{"''\n  ''$a\n b\n''", " $a\nb\n"},
	{"''a'$b''", "a'$b"},
	{"''\n  a\n\n   \n''", "a\n\n \n"},
	{"''\n\ta\n  b\n''", "\ta\n  b\n"},
	{"''\n  a\n  ''$\n  ''", "a\n$\n"},
	{"''\n  a\n  ''$\n  b  ''", "a\n$\nb  "},
}

// TestDecoder pins the decoder to decoderCases, so that the fuzz targets
// test the printer against Nix's rules, not against its own idea of them.
func TestDecoder(t *testing.T) {
	for _, c := range decoderCases {
		if got, err := decodeLiteral(c.lit); err != nil || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.lit, got, err, c.want)
		}
	}
	for _, lit := range []string{`"${x}"`, `"a`, `"a"b`, "''${x}''", "''a", "''a''b"} {
		if got, err := decodeLiteral(lit); err == nil {
			t.Errorf("%s: decoded to %q, want an error", lit, got)
		}
	}
}
