// Package nix is the Nix syntax tree that freecloud generates, and its one
// deterministic printer.
//
// Every piece of Nix text that freecloud writes goes through Format, so this
// is the only place that knows how to quote strings and attribute names for
// Nix. The printer never depends on map order or on the order bindings were
// given in: the same tree always prints to the same bytes, which keeps the
// generated flake stable under version control.
package nix

// Expr is a Nix expression. The set of implementations is closed: only the
// types of this package are expressions, so that the printer can handle every
// case and nothing unescaped can slip into a file.
type Expr interface{ isExpr() }

// String is a Nix string literal. It is printed as "..." or, for multi-line
// text where that is provably equivalent, as an indented string ”...”.
// It must be valid UTF-8 and must not contain NUL, which Nix strings cannot
// hold.
type String string

// Int is a Nix integer.
type Int int64

// Float is a Nix floating-point number. NaN and infinities have no Nix
// literal and are rejected by Format.
type Float float64

// Bool is true or false.
type Bool bool

// Null is the Nix null value.
type Null struct{}

// Path is a Nix path literal such as ./hosts/web1/configuration.nix or
// ../../modules/base.nix. Relative paths must start with ./ or ../; only the
// characters [a-zA-Z0-9._+-/] are allowed, and there must be no empty segment
// and no trailing slash, because Nix would read anything else differently or
// not at all.
type Path string

// Var is a variable or a dotted selection of attributes from one, such as
// "config" or "nixpkgs.lib.nixosSystem". Every segment must be a plain Nix
// identifier that is not a keyword.
type Var string

// Raw is verbatim Nix text, as written by a profile author with nix("...").
// It is printed unchanged; where operator precedence could matter it is
// wrapped in parentheses, unless it is a plain identifier or dotted selection.
// If its last line contains a '#' (maybe a comment), a line break follows it
// so that the comment cannot swallow the ";" or ")" after it.
type Raw string

// List is a Nix list.
type List []Expr

// Attrs is a Nix attribute set. Its bindings are printed sorted by path, so
// the order they are given in does not matter. Two bindings with the same
// path, or where one path is a prefix of another, are an error: Nix would
// reject or silently merge them, and neither is what the caller meant.
type Attrs []Binding

// Binding is one "path = value;" entry of an attribute set.
type Binding struct {
	Path    []string // one or more attribute names, printed dotted: a.b.c = ...;
	Value   Expr
	Comment string // optional; printed as "# ..." line(s) above the binding
}

// Lambda is a function with a set pattern, the shape of every NixOS module:
//
//	{ config, lib, pkgs, ... }:
//	body
type Lambda struct {
	Formals  []string
	Ellipsis bool // accept further arguments: "..."
	Body     Expr
}

// Apply is a function application "Func Arg".
type Apply struct{ Func, Arg Expr }

func (String) isExpr() {}
func (Int) isExpr()    {}
func (Float) isExpr()  {}
func (Bool) isExpr()   {}
func (Null) isExpr()   {}
func (Path) isExpr()   {}
func (Var) isExpr()    {}
func (Raw) isExpr()    {}
func (List) isExpr()   {}
func (Attrs) isExpr()  {}
func (Lambda) isExpr() {}
func (Apply) isExpr()  {}
