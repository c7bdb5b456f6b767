package nix

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// keywords cannot be used as bare identifiers or attribute names.
var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "assert": true, "with": true,
	"let": true, "in": true, "rec": true, "inherit": true, "or": true,
}

// identChars reports whether s matches Nix's identifier token,
// [a-zA-Z_][a-zA-Z0-9_'-]*.
func identChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '\'' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// isIdent reports whether s can be written bare, as a variable, formal
// argument or attribute name.
func isIdent(s string) bool { return identChars(s) && !keywords[s] }

// isSelection reports whether s is an identifier or a dotted selection of
// identifiers such as nixpkgs.lib.nixosSystem. Such text binds tighter than
// anything else in Nix, so it never needs parentheses.
func isSelection(s string) bool {
	for seg := range strings.SplitSeq(s, ".") {
		if !isIdent(seg) {
			return false
		}
	}
	return true
}

// checkText rejects text that cannot appear in a Nix file: Nix reads its
// input as a NUL-terminated buffer, so a NUL would silently cut the file
// short, and generated files are meant to be UTF-8.
func checkText(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("text contains a NUL byte, which Nix cannot represent")
	}
	if !utf8.ValidString(s) {
		return errors.New("text is not valid UTF-8")
	}
	return nil
}

// quoteReplacer escapes text for a "..." string, the one quoting used for
// both string values and attribute names. Nix unescapes \\, \" and \$ to the
// bare character, so "\${" reads back as the two characters ${ instead of
// starting an interpolation. A lone $ needs no escape: Nix only interpolates
// at ${. Newline, CR and tab are escaped to keep the literal on one line and
// because Nix turns a raw CR or CRLF inside a string into LF.
var quoteReplacer = strings.NewReplacer(
	`\`, `\\`,
	`"`, `\"`,
	"${", `\${`,
	"\n", `\n`,
	"\r", `\r`,
	"\t", `\t`,
)

// appendQuoted appends s as a "..." Nix string literal.
func appendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '"')
	if strings.ContainsAny(s, "\\\"$\n\r\t") {
		s = quoteReplacer.Replace(s)
	}
	buf = append(buf, s...)
	return append(buf, '"')
}

// indentable reports whether s can be printed as an indented string ”...”
// that Nix reads back as exactly s. Nix strips the smallest indentation
// (counting spaces only) of the lines that are not blank, so the printer's
// own indentation is removed exactly when at least one line starts with a
// character other than a space. The text must end with a newline so that the
// line holding the closing ” is blank (Nix drops it), and it must not
// contain CR, which has no escape in an indented string.
func indentable(s string) bool {
	if !strings.HasSuffix(s, "\n") || strings.IndexByte(s, '\r') >= 0 {
		return false
	}
	for line := range strings.SplitSeq(s, "\n") {
		if line != "" && line[0] != ' ' {
			return true
		}
	}
	return false
}

// appendIndented appends s, which must satisfy indentable, as an indented
// string whose lines are indented by indent and whose closing ” is indented
// by closeIndent (which must be shorter). Empty lines are left empty.
func appendIndented(buf []byte, s, indent, closeIndent string) []byte {
	buf = append(buf, "''\n"...)
	for line := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		if line != "" {
			buf = append(buf, indent...)
			buf = appendIndentedLine(buf, line)
		}
		buf = append(buf, '\n')
	}
	buf = append(buf, closeIndent...)
	return append(buf, "''"...)
}

// appendIndentedLine escapes one line of an indented string. Inside ”...”
// the only special sequences are ” (which closes the string) and ${; the
// escapes are ”' for ” and ”$ for $. A single ' is literal, except right
// before something that itself starts with ' (the escape ”$, or the closing
// ” which cannot happen here since a newline follows every line): the lexer
// would then read ”' and swallow it. That lone quote is written as ”\',
// the general ”\x escape, which stands for '.
func appendIndentedLine(buf []byte, line string) []byte {
	for i := 0; i < len(line); {
		switch {
		case line[i] == '\'':
			j := i
			for j < len(line) && line[j] == '\'' {
				j++
			}
			for n := j - i; n > 0; n -= 2 {
				switch {
				case n >= 2:
					buf = append(buf, "'''"...)
				case strings.HasPrefix(line[j:], "${"):
					buf = append(buf, `''\'`...)
				default:
					buf = append(buf, '\'')
				}
			}
			i = j
		case strings.HasPrefix(line[i:], "${"):
			buf = append(buf, "''$"...)
			i++
		default:
			buf = append(buf, line[i])
			i++
		}
	}
	return buf
}
