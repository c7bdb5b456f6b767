package nix

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxWidth is the column limit for printing a list on one line.
const maxWidth = 80

// Format prints e as a complete Nix file, ending with exactly one newline.
// The output depends only on e, never on the order of bindings or on maps.
func Format(e Expr) ([]byte, error) { return FormatFile("", e) }

// FormatFile is Format with a header: each line of header becomes a "# "
// comment line at the top of the file. An empty header adds nothing.
func FormatFile(header string, e Expr) ([]byte, error) {
	p := &printer{}
	if header != "" {
		if err := p.comment(header); err != nil {
			return nil, fmt.Errorf("file header: %w", err)
		}
	}
	if err := p.expr(e); err != nil {
		return nil, err
	}
	// Raw text may end in whitespace; outside of any token it means nothing.
	return append(bytes.TrimRight(p.buf, " \t\r\n"), '\n'), nil
}

// printer writes Nix text into buf.
type printer struct {
	buf    []byte
	indent int    // current indentation level, two spaces each
	where  []step // where in the tree the value being printed is, for error messages
}

// step is an attribute name (index < 0) or a list index.
type step struct {
	name  string
	index int
}

func (p *printer) write(s string) { p.buf = append(p.buf, s...) }

// newline starts a new line at the current indentation.
func (p *printer) newline() {
	p.buf = append(p.buf, '\n')
	for range p.indent {
		p.buf = append(p.buf, "  "...)
	}
}

// column is the width, in characters, of the line being written.
func (p *printer) column() int {
	return utf8.RuneCount(p.buf[bytes.LastIndexByte(p.buf, '\n')+1:])
}

// errorf returns an error that names where in the tree it happened.
func (p *printer) errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if len(p.where) == 0 {
		return errors.New(msg)
	}
	var loc []byte
	for i, s := range p.where {
		switch {
		case s.index >= 0:
			loc = fmt.Appendf(loc, "[%d]", s.index)
		case i > 0:
			loc = append(loc, '.')
			fallthrough
		default:
			loc = appendAttrName(loc, s.name)
		}
	}
	return fmt.Errorf("%s: %s", loc, msg)
}

// appendAttrName appends an attribute name: bare if it is an identifier,
// otherwise quoted like any string. A name that cannot be written in Nix at
// all is shown with Go quoting, for error messages; binding rejects it.
func appendAttrName(buf []byte, name string) []byte {
	if isIdent(name) {
		return append(buf, name...)
	}
	if checkText(name) != nil {
		return strconv.AppendQuote(buf, name)
	}
	return appendQuoted(buf, name)
}

// comment writes text as "# " lines, each followed by a newline at the
// current indentation. Nix ends a comment at CR as well as at LF, so both
// start a new comment line; otherwise the rest would be read as code.
func (p *printer) comment(text string) error {
	if err := checkText(text); err != nil {
		return p.errorf("comment: %v", err)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			p.write("#")
		} else {
			p.write("# " + line)
		}
		p.newline()
	}
	return nil
}

// expr writes e starting at the current position. Constructs that span
// several lines indent their inner lines relative to p.indent.
func (p *printer) expr(e Expr) error {
	switch e := e.(type) {
	case String:
		return p.string(string(e))
	case Int:
		if e == math.MinInt64 {
			// Nix reads -N as 0 - N, and N = 2^63 does not fit an integer.
			p.write("(-9223372036854775807 - 1)")
		} else {
			p.buf = strconv.AppendInt(p.buf, int64(e), 10)
		}
	case Float:
		f := float64(e)
		if problem := floatProblem(f); problem != "" {
			return p.errorf("%s", problem)
		}
		// Nix's float token needs a decimal point and we avoid exponents,
		// so format plainly and add ".0" to whole numbers.
		start := len(p.buf)
		p.buf = strconv.AppendFloat(p.buf, f, 'f', -1, 64)
		if bytes.IndexByte(p.buf[start:], '.') < 0 {
			p.write(".0")
		}
	case Bool:
		p.write(strconv.FormatBool(bool(e)))
	case Null:
		p.write("null")
	case Path:
		if !validPath(string(e)) {
			return p.errorf("invalid Nix path literal %q", string(e))
		}
		p.write(string(e))
	case Var:
		if !isSelection(string(e)) {
			return p.errorf("invalid Nix variable %q", string(e))
		}
		p.write(string(e))
	case Raw:
		return p.raw(string(e))
	case List:
		return p.list(e)
	case Attrs:
		return p.attrs(e)
	case Lambda:
		return p.lambda(e)
	case Apply:
		return p.apply(e)
	case nil:
		return p.errorf("missing expression")
	default:
		return p.errorf("unsupported expression type %T", e)
	}
	return nil
}

// string writes a string literal, as an indented string when s spans
// several lines and that form reads back identically.
func (p *printer) string(s string) error {
	if err := checkText(s); err != nil {
		return p.errorf("%v", err)
	}
	if indentable(s) {
		closeIndent := strings.Repeat("  ", p.indent)
		p.buf = appendIndented(p.buf, s, closeIndent+"  ", closeIndent)
	} else {
		p.buf = appendQuoted(p.buf, s)
	}
	return nil
}

// raw writes author-supplied Nix text unchanged. If its last line holds a
// '#', it may end in a comment that would swallow what follows (";", ")"),
// so a line break is written after it.
func (p *printer) raw(s string) error {
	if err := checkText(s); err != nil {
		return p.errorf("nix expression: %v", err)
	}
	if strings.TrimSpace(s) == "" {
		return p.errorf("empty nix expression")
	}
	p.write(s)
	if strings.Contains(s[strings.LastIndexByte(s, '\n')+1:], "#") {
		p.newline()
	}
	return nil
}

// needsParens reports whether e must be parenthesised as a list element or
// in a function application, where Nix would otherwise split or regroup it.
func needsParens(e Expr) bool {
	switch e := e.(type) {
	case Int:
		return e < 0 && e != math.MinInt64 // MinInt64 brings its own
	case Float:
		return math.Signbit(float64(e))
	case Raw:
		return !isSelection(string(e))
	case Lambda, Apply:
		return true
	}
	return false
}

// operand writes e as a list element or application operand.
func (p *printer) operand(e Expr) error {
	if !needsParens(e) {
		return p.expr(e)
	}
	if l, ok := e.(Lambda); ok {
		// A lambda spans lines; give it lines of its own inside the parens.
		p.write("(")
		p.indent++
		p.newline()
		err := p.lambda(l)
		p.indent--
		p.newline()
		p.write(")")
		return err
	}
	p.write("(")
	err := p.expr(e)
	p.write(")")
	return err
}

// isScalar reports whether e always prints as one short token, so that a
// list of such elements may go on one line.
func isScalar(e Expr) bool {
	switch e := e.(type) {
	case String:
		return strings.IndexByte(string(e), '\n') < 0
	case Int, Float, Bool, Null, Path, Var:
		return true
	}
	return false
}

// list writes [ a b c ] on one line when every element is a scalar and the
// line (with room for a following ";") fits in maxWidth; otherwise it writes
// one element per line.
func (p *printer) list(l List) error {
	if len(l) == 0 {
		p.write("[ ]")
		return nil
	}
	if !slices.ContainsFunc(l, func(e Expr) bool { return !isScalar(e) }) {
		start := len(p.buf)
		p.write("[")
		for i, e := range l {
			p.write(" ")
			if err := p.element(i, e); err != nil {
				return err
			}
		}
		p.write(" ]")
		if p.column()+1 <= maxWidth {
			return nil
		}
		p.buf = p.buf[:start]
	}
	p.write("[")
	p.indent++
	for i, e := range l {
		p.newline()
		if err := p.element(i, e); err != nil {
			return err
		}
	}
	p.indent--
	p.newline()
	p.write("]")
	return nil
}

// element writes the i-th element of a list.
func (p *printer) element(i int, e Expr) error {
	p.where = append(p.where, step{index: i})
	err := p.operand(e)
	p.where = p.where[:len(p.where)-1]
	return err
}

// attrs writes an attribute set, one binding per line, sorted by path.
func (p *printer) attrs(a Attrs) error {
	if len(a) == 0 {
		p.write("{ }")
		return nil
	}
	sorted, err := p.sortBindings(a)
	if err != nil {
		return err
	}
	p.write("{")
	p.indent++
	for _, b := range sorted {
		p.newline()
		if err := p.binding(b); err != nil {
			return err
		}
	}
	p.indent--
	p.newline()
	p.write("}")
	return nil
}

// sortBindings returns the bindings sorted by path, comparing names byte-wise
// one segment at a time. After sorting, a path that is a prefix of (or equal
// to) another is directly followed by a path that starts with it, so
// checking neighbours finds every conflict.
func (p *printer) sortBindings(a Attrs) ([]Binding, error) {
	sorted := slices.Clone(a)
	for _, b := range sorted {
		if len(b.Path) == 0 {
			return nil, p.errorf("binding with an empty attribute path")
		}
	}
	slices.SortFunc(sorted, func(x, y Binding) int { return slices.Compare(x.Path, y.Path) })
	for i := 1; i < len(sorted); i++ {
		prev, cur := sorted[i-1].Path, sorted[i].Path
		if len(prev) <= len(cur) && slices.Equal(prev, cur[:len(prev)]) {
			if len(prev) == len(cur) {
				return nil, p.errorf("attribute %s is defined twice", attrPathString(cur))
			}
			return nil, p.errorf("attribute %s conflicts with %s", attrPathString(prev), attrPathString(cur))
		}
	}
	return sorted, nil
}

func attrPathString(path []string) string {
	var buf []byte
	for i, name := range path {
		if i > 0 {
			buf = append(buf, '.')
		}
		buf = appendAttrName(buf, name)
	}
	return string(buf)
}

// binding writes "path = value;". A value that is an attribute set with a
// single uncommented binding is folded into the path, so a = { b = 1; };
// prints as a.b = 1; which means the same in Nix.
func (p *printer) binding(b Binding) error {
	path, value := b.Path, b.Value
	for {
		inner, ok := value.(Attrs)
		if !ok || len(inner) != 1 || inner[0].Comment != "" || len(inner[0].Path) == 0 {
			break
		}
		path = append(path[:len(path):len(path)], inner[0].Path...)
		value = inner[0].Value
	}
	depth := len(p.where)
	defer func() { p.where = p.where[:depth] }()
	for _, name := range path {
		p.where = append(p.where, step{name: name, index: -1})
	}
	if b.Comment != "" {
		if err := p.comment(b.Comment); err != nil {
			return err
		}
	}
	for i, name := range path {
		if i > 0 {
			p.write(".")
		}
		if err := checkText(name); err != nil {
			return p.errorf("attribute name: %v", err)
		}
		p.buf = appendAttrName(p.buf, name)
	}
	p.write(" =")
	if l, ok := value.(Lambda); ok {
		// Module style: the pattern and the body each on their own line.
		p.indent++
		p.newline()
		err := p.lambda(l)
		p.indent--
		if err != nil {
			return err
		}
	} else {
		p.write(" ")
		if err := p.expr(value); err != nil {
			return err
		}
	}
	p.write(";")
	return nil
}

// lambda writes "{ a, b, ... }:" and the body on the next line at the same
// indentation, the layout of a NixOS module file.
func (p *printer) lambda(l Lambda) error {
	p.write("{")
	for i, f := range l.Formals {
		if !isIdent(f) {
			return p.errorf("invalid function argument name %q", f)
		}
		if slices.Contains(l.Formals[:i], f) {
			return p.errorf("duplicate function argument %q", f)
		}
		if i > 0 {
			p.write(",")
		}
		p.write(" " + f)
	}
	if l.Ellipsis {
		if len(l.Formals) > 0 {
			p.write(",")
		}
		p.write(" ...")
	}
	p.write(" }:")
	p.newline()
	return p.expr(l.Body)
}

// apply writes "f a b". Application is left-associative, so a function that
// is itself an application needs no parentheses.
func (p *printer) apply(a Apply) error {
	var err error
	if f, ok := a.Func.(Apply); ok {
		err = p.apply(f)
	} else {
		err = p.operand(a.Func)
	}
	if err != nil {
		return err
	}
	p.write(" ")
	return p.operand(a.Arg)
}

// floatProblem says why f cannot be written as a Nix float literal, or
// returns "". Nix has no literal for NaN or infinity, and it rejects a
// literal whose value is subnormal, because its strtod reports an underflow.
func floatProblem(f float64) string {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return fmt.Sprintf("%v has no Nix representation", f)
	case f != 0 && math.Abs(f) < 0x1p-1022:
		return fmt.Sprintf("%v is too small for Nix, which rejects subnormal float literals", f)
	}
	return ""
}

// validPath reports whether s is a path literal that Nix reads as written:
// absolute, or relative starting with ./ or ../, made of non-empty segments
// of [a-zA-Z0-9._+-], without a trailing slash.
func validPath(s string) bool {
	var rest string
	switch {
	case strings.HasPrefix(s, "/"):
		rest = s[1:]
	case strings.HasPrefix(s, "./"):
		rest = s[2:]
	case strings.HasPrefix(s, "../"):
		rest = s[3:]
	default:
		return false
	}
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" || strings.ContainsFunc(seg, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("._+-", r))
		}) {
			return false
		}
	}
	return true
}
