package nix

import (
	"math"
	"strings"
	"testing"
)

// formatCases are expressions with their exact expected output. They are
// also fed to nix-instantiate --parse by TestFormatParses.
var formatCases = []struct {
	name string
	e    Expr
	want string
}{
	{"string", String("hello"), `"hello"`},
	{"empty string", String(""), `""`},
	{"escapes", String("a\\b\"c${d}$e\tf\rg"), `"a\\b\"c\${d}$e\tf\rg"`},
	{"dollar dollar brace", String("$${x}"), `"$\${x}"`},
	{"trailing dollar", String("a$"), `"a$"`},
	{"newline without trailing newline", String("a\nb"), `"a\nb"`},
	{"indented", String("line one\n  two\n\nthree\n"), "''\n  line one\n    two\n\n  three\n''"},
	{"indented escapes", String("echo ${HOME} '' ''' it's\n"), "''\n  echo ''${HOME} ''' '''' it's\n''"},
	{"indented quote before interpolation", String("'${x}\n"), "''\n  ''\\'''${x}\n''"},
	{"all lines indented stays quoted", String("  a\n  b\n"), `"  a\n  b\n"`},
	{"CR stays quoted", String("a\r\nb\r\n"), `"a\r\nb\r\n"`},
	{"int", Int(42), "42"},
	{"negative int", Int(-7), "-7"},
	{"min int", Int(math.MinInt64), "(-9223372036854775807 - 1)"},
	{"float", Float(0.5), "0.5"},
	{"whole float", Float(1), "1.0"},
	{"big float", Float(1e6), "1000000.0"},
	{"negative float", Float(-2.25), "-2.25"},
	{"bool", Bool(true), "true"},
	{"null", Null{}, "null"},
	{"path", Path("./hosts/web1/configuration.nix"), "./hosts/web1/configuration.nix"},
	{"parent path", Path("../../modules/base.nix"), "../../modules/base.nix"},
	{"absolute path", Path("/etc/nixos"), "/etc/nixos"},
	{"var", Var("nixpkgs.lib.nixosSystem"), "nixpkgs.lib.nixosSystem"},
	{"raw", Raw("pkgs.hello.override { }"), "pkgs.hello.override { }"},
	{"empty list", List{}, "[ ]"},
	{"empty attrs", Attrs{}, "{ }"},
	{"short list", List{String("a"), Int(1), Bool(false), Null{}, Path("./x"), Var("pkgs.git")}, `[ "a" 1 false null ./x pkgs.git ]`},
	{"negative numbers in list", List{Int(-1), Float(-0.5), Int(math.MinInt64)}, "[ (-1) (-0.5) (-9223372036854775807 - 1) ]"},
	{"raw in list", List{Raw("pkgs.htop"), Raw("lib.mkForce true")}, "[\n  pkgs.htop\n  (lib.mkForce true)\n]"},
	{"long list", List{String(strings.Repeat("a", 40)), String(strings.Repeat("b", 40))},
		"[\n  \"" + strings.Repeat("a", 40) + "\"\n  \"" + strings.Repeat("b", 40) + "\"\n]"},
	{"list of attrs", List{Attrs{{Path: []string{"a"}, Value: Int(1)}, {Path: []string{"b"}, Value: Int(2)}}},
		"[\n  {\n    a = 1;\n    b = 2;\n  }\n]"},
	{"list of multi-line strings", List{String("x\n")}, "[\n  ''\n    x\n  ''\n]"},
	{"sorted attrs", Attrs{
		{Path: []string{"b"}, Value: Int(2)},
		{Path: []string{"a", "z"}, Value: Int(1)},
		{Path: []string{"a", "b"}, Value: Int(0)},
	}, "{\n  a.b = 0;\n  a.z = 1;\n  b = 2;\n}"},
	{"byte-wise order", Attrs{
		{Path: []string{"b"}, Value: Int(1)},
		{Path: []string{"B"}, Value: Int(2)},
		{Path: []string{"_"}, Value: Int(3)},
		{Path: []string{"a-b"}, Value: Int(4)},
		{Path: []string{"a"}, Value: Int(5)},
	}, "{\n  B = 2;\n  _ = 3;\n  a = 5;\n  a-b = 4;\n  b = 1;\n}"},
	{"quoted names", Attrs{
		{Path: []string{"cloud.example.org"}, Value: Int(1)},
		{Path: []string{"1abc"}, Value: Int(2)},
		{Path: []string{"with"}, Value: Int(3)},
		{Path: []string{""}, Value: Int(4)},
		{Path: []string{"${x}"}, Value: Int(5)},
		{Path: []string{"it's"}, Value: Int(6)},
	}, "{\n  \"\" = 4;\n  \"\\${x}\" = 5;\n  \"1abc\" = 2;\n  \"cloud.example.org\" = 1;\n  it's = 6;\n  \"with\" = 3;\n}"},
	{"collapse", Attrs{{Path: []string{"a"}, Value: Attrs{{Path: []string{"b"}, Value: Attrs{{Path: []string{"c"}, Value: Int(1)}}}}}},
		"{\n  a.b.c = 1;\n}"},
	{"collapse stops at two bindings", Attrs{{Path: []string{"a"}, Value: Attrs{
		{Path: []string{"b"}, Value: Int(1)},
		{Path: []string{"c"}, Value: Int(2)},
	}}}, "{\n  a = {\n    b = 1;\n    c = 2;\n  };\n}"},
	{"collapse keeps comments", Attrs{{Path: []string{"a"}, Value: Attrs{{Path: []string{"b"}, Value: Int(1), Comment: "why"}}}},
		"{\n  a = {\n    # why\n    b = 1;\n  };\n}"},
	{"collapse into empty attrs", Attrs{{Path: []string{"a"}, Value: Attrs{{Path: []string{"b"}, Value: Attrs{}}}}},
		"{\n  a.b = { };\n}"},
	{"comments", Attrs{
		{Path: []string{"x"}, Value: Int(1), Comment: "first line\n\nthird  \r\nfourth\rfifth\n"},
	}, "{\n  # first line\n  #\n  # third\n  # fourth\n  # fifth\n  x = 1;\n}"},
	{"module", Lambda{Formals: []string{"config", "lib", "pkgs"}, Ellipsis: true, Body: Attrs{
		{Path: []string{"imports"}, Value: List{Path("./hardware.nix")}},
	}}, "{ config, lib, pkgs, ... }:\n{\n  imports = [ ./hardware.nix ];\n}"},
	{"empty pattern", Lambda{Body: Null{}}, "{ }:\nnull"},
	{"only ellipsis", Lambda{Ellipsis: true, Body: Null{}}, "{ ... }:\nnull"},
	{"lambda in binding", Attrs{{Path: []string{"outputs"}, Value: Lambda{Formals: []string{"self", "nixpkgs"}, Body: Attrs{
		{Path: []string{"x"}, Value: Int(1)},
		{Path: []string{"y"}, Value: Int(2)},
	}}}}, "{\n  outputs =\n    { self, nixpkgs }:\n    {\n      x = 1;\n      y = 2;\n    };\n}"},
	{"lambda in list", List{Lambda{Formals: []string{"pkgs"}, Body: Var("pkgs")}},
		"[\n  (\n    { pkgs }:\n    pkgs\n  )\n]"},
	{"apply", Apply{Var("nixpkgs.lib.nixosSystem"), Attrs{
		{Path: []string{"system"}, Value: String("x86_64-linux")},
		{Path: []string{"modules"}, Value: List{Path("./configuration.nix")}},
	}}, "nixpkgs.lib.nixosSystem {\n  modules = [ ./configuration.nix ];\n  system = \"x86_64-linux\";\n}"},
	{"curried apply", Apply{Apply{Var("f"), Int(1)}, Int(-2)}, "f 1 (-2)"},
	{"apply of apply argument", Apply{Var("f"), Apply{Var("g"), Var("x")}}, "f (g x)"},
	{"apply raw", Apply{Raw("if c then f else g"), Raw("pkgs")}, "(if c then f else g) pkgs"},
	{"apply lambda", Apply{Lambda{Formals: []string{"x"}, Body: Var("x")}, Attrs{}},
		"(\n  { x }:\n  x\n) { }"},
	{"raw with trailing comment", Attrs{{Path: []string{"a"}, Value: Raw("pkgs.foo # pinned")}},
		"{\n  a = pkgs.foo # pinned\n  ;\n}"},
}

func TestFormat(t *testing.T) {
	for _, c := range formatCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Format(c.e)
			if err != nil {
				t.Fatalf("Format: %v", err)
			}
			if want := c.want + "\n"; string(got) != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestFormatFile(t *testing.T) {
	got, err := FormatFile("Generated by freecloud.\nDo not edit.\n", Attrs{{Path: []string{"a"}, Value: Int(1)}})
	if err != nil {
		t.Fatal(err)
	}
	want := "# Generated by freecloud.\n# Do not edit.\n{\n  a = 1;\n}\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestOrderIndependent checks that binding order does not change the output.
func TestOrderIndependent(t *testing.T) {
	a := Attrs{
		{Path: []string{"z"}, Value: Int(1)},
		{Path: []string{"m", "x"}, Value: Int(2)},
		{Path: []string{"m", "a"}, Value: Int(3)},
		{Path: []string{"a"}, Value: Int(4)},
	}
	want, err := Format(a)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(a) {
		rotated := append(append(Attrs{}, a[i:]...), a[:i]...)
		got, err := Format(rotated)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("rotation %d: got\n%s\nwant\n%s", i, got, want)
		}
	}
	if a[0].Path[0] != "z" {
		t.Error("Format reordered the caller's bindings")
	}
}

func TestListWidth(t *testing.T) {
	// At the top level a one-line list may be 79 columns wide, leaving room
	// for a ";" in column 80.
	for n, want := range map[int]bool{73: true, 74: false} {
		// "[ " + `"` + n×x + `"` + " ]" is n+6 wide.
		got, err := Format(List{String(strings.Repeat("x", n))})
		if err != nil {
			t.Fatal(err)
		}
		if oneLine := !strings.Contains(strings.TrimSuffix(string(got), "\n"), "\n"); oneLine != want {
			t.Errorf("string of %d: one line = %v, want %v", n, oneLine, want)
		}
	}
	// Inside a binding the indentation and the name count too.
	got, err := Format(Attrs{{Path: []string{"allowedTCPPorts"}, Value: List{Int(22), Int(80), Int(443)}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  allowedTCPPorts = [ 22 80 443 ];\n}\n"; string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	got, err = Format(Attrs{{Path: []string{strings.Repeat("n", 60)}, Value: List{Int(1), Int(2), Int(3), Int(4), Int(5), Int(6)}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(got), "\n") != 10 {
		t.Errorf("expected one element per line:\n%s", got)
	}
}

func TestFormatErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		e    Expr
		want string // substring of the error
	}{
		{"nil", nil, "missing expression"},
		{"nil value", Attrs{{Path: []string{"a"}, Value: nil}}, "a: missing expression"},
		{"pointer", &Apply{}, "unsupported expression type *nix.Apply"},
		{"NaN", Float(math.NaN()), "NaN has no Nix representation"},
		{"subnormal", Float(-5e-324), "-5e-324 is too small for Nix"},
		{"Inf in list", Attrs{{Path: []string{"x", "y"}, Value: List{Int(1), Float(math.Inf(-1))}}}, "x.y[1]: -Inf has no Nix representation"},
		{"NUL", String("a\x00b"), "NUL"},
		{"bad UTF-8", String("\xff"), "UTF-8"},
		{"NUL in name", Attrs{{Path: []string{"a\x00"}, Value: Int(1)}}, "NUL"},
		{"NUL in comment", Attrs{{Path: []string{"a"}, Value: Int(1), Comment: "\x00"}}, "NUL"},
		{"empty path", Attrs{{Value: Int(1)}}, "empty attribute path"},
		{"duplicate", Attrs{{Path: []string{"a", "b"}, Value: Int(1)}, {Path: []string{"a", "b"}, Value: Int(2)}}, "attribute a.b is defined twice"},
		{"prefix", Attrs{{Path: []string{"a", "b", "c"}, Value: Int(1)}, {Path: []string{"a", "c"}, Value: Int(1)}, {Path: []string{"a"}, Value: Attrs{}}},
			"attribute a conflicts with a.b.c"},
		{"nested duplicate", Attrs{{Path: []string{"services", "my.host"}, Value: Attrs{
			{Path: []string{"x"}, Value: Int(1)}, {Path: []string{"x"}, Value: Int(2)},
		}}}, `services."my.host": attribute x is defined twice`},
		{"path without slash", Path("foo.nix"), "invalid Nix path literal"},
		{"path relative without dot", Path("hosts/a.nix"), "invalid Nix path literal"},
		{"path trailing slash", Path("./hosts/"), "invalid Nix path literal"},
		{"path double slash", Path("./a//b"), "invalid Nix path literal"},
		{"path space", Path("./a b"), "invalid Nix path literal"},
		{"path root", Path("/"), "invalid Nix path literal"},
		{"var keyword", Var("with"), "invalid Nix variable"},
		{"var empty segment", Var("a..b"), "invalid Nix variable"},
		{"var leading digit", Var("1a"), "invalid Nix variable"},
		{"empty raw", Raw("  "), "empty nix expression"},
		{"bad formal", Lambda{Formals: []string{"a b"}, Body: Null{}}, "invalid function argument"},
		{"duplicate formal", Lambda{Formals: []string{"a", "a"}, Body: Null{}}, "duplicate function argument"},
		{"nil body", Lambda{}, "missing expression"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := Format(c.e)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
