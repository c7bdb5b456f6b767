package nix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator/nix/nixtest"
)

// These tests check the printer against the real Nix evaluator. Each runs
// one nix-instantiate process over a file holding all of its cases.

// TestFormatParses checks that nix-instantiate --parse accepts every output
// of the printer tests and a few larger trees.
func TestFormatParses(t *testing.T) {
	nixtest.Require(t)
	dir := t.TempDir()
	var files []string
	write := func(name string, e Expr) {
		t.Helper()
		out, err := FormatFile("test case: "+name, e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		file := fmt.Sprintf("case%03d.nix", len(files))
		if err := os.WriteFile(filepath.Join(dir, file), out, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
	}
	// nix-instantiate --parse also rejects undefined variables, so the
	// cases are wrapped in a function that binds the names they use.
	free := []string{"pkgs", "lib", "nixpkgs", "f", "g", "c", "x"}
	for _, c := range formatCases {
		write(c.name, Lambda{Formals: free, Body: c.e})
	}
	write("flake", sampleFlake())
	write("hosts", Lambda{Formals: []string{"pkgs"}, Body: hosts(3)})
	write("module", Lambda{Formals: []string{"config", "lib", "pkgs", "modulesPath"}, Ellipsis: true, Body: Attrs{
		{Path: []string{"imports"}, Value: List{Path("../../modules/base.nix"), Raw("(modulesPath + \"/profiles/minimal.nix\")")}},
		{Path: []string{"environment", "systemPackages"}, Value: Raw("with pkgs; [ htop git ]"), Comment: "raw text\nfrom a profile"},
		{Path: []string{"networking", "firewall", "allowedTCPPorts"}, Value: List{Int(22), Int(80), Int(443)}},
		{Path: []string{"services", "nginx", "virtualHosts", "cloud.example.org"}, Value: Attrs{
			{Path: []string{"forceSSL"}, Value: Bool(true)},
			{Path: []string{"locations", "/", "proxyPass"}, Value: String("http://127.0.0.1:8080")},
			{Path: []string{"extraConfig"}, Value: String("client_max_body_size 10G;\nadd_header X-Frame-Options \"SAMEORIGIN\";\n")},
		}},
		{Path: []string{"users", "users", "root", "openssh", "authorizedKeys", "keys"}, Value: List{String("ssh-ed25519 AAAAC3Nza... admin@example.org")}},
		{Path: []string{"boot", "kernelParams"}, Value: List{Apply{Var("toString"), Int(-1)}, Lambda{Formals: []string{"x"}, Body: Var("x")}}},
		{Path: []string{"services", "foo", "settings"}, Value: Apply{Apply{Var("lib.mkOverride"), Int(50)}, Attrs{{Path: []string{"a"}, Value: Raw("lib.mkForce true # forced")}}}},
	}})
	nixtest.ParseFiles(t, dir, files...)
}

// sampleFlake is the shape of the flake.nix freecloud generates.
func sampleFlake() Expr {
	return Attrs{
		{Path: []string{"description"}, Value: String("freecloud: example")},
		{Path: []string{"inputs", "nixpkgs", "url"}, Value: String("github:NixOS/nixpkgs/nixos-24.05")},
		{Path: []string{"outputs"}, Value: Lambda{Formals: []string{"self", "nixpkgs"}, Body: Attrs{
			{Path: []string{"nixosConfigurations", "web1"}, Value: Apply{Var("nixpkgs.lib.nixosSystem"), Attrs{
				{Path: []string{"system"}, Value: String("x86_64-linux")},
				{Path: []string{"modules"}, Value: List{Path("./hosts/web1/configuration.nix")}},
			}}},
		}}},
	}
}

// TestStringsEvaluate checks that Nix reads every printed string back as the
// original, in several positions (list element, nested attribute value,
// function argument), and the same for attribute names.
func TestStringsEvaluate(t *testing.T) {
	nixtest.Require(t)
	strs := append(slices.Clone(nastyStrings), randomStrings(1, 400)...)
	names := slices.Compact(slices.Sorted(slices.Values(strs)))

	var nested, applied List
	deep := Attrs{}
	for i, s := range strs {
		deep = append(deep, Binding{Path: []string{fmt.Sprintf("k%05d", i)}, Value: String(s)})
		applied = append(applied, Apply{Var("builtins.toString"), String(s)})
	}
	nested = append(nested, Attrs{{Path: []string{"deep"}, Value: deep}})
	nameAttrs := Attrs{}
	for i, n := range names {
		nameAttrs = append(nameAttrs, Binding{Path: []string{n}, Value: Int(i)})
	}
	var strList List
	for _, s := range strs {
		strList = append(strList, String(s))
	}
	got := evalData(t, Attrs{
		{Path: []string{"list"}, Value: strList},
		{Path: []string{"nested"}, Value: nested},
		{Path: []string{"applied"}, Value: applied},
		{Path: []string{"names"}, Value: nameAttrs},
	}, `{
  inherit (d) list applied names;
  nested = builtins.attrValues (builtins.head d.nested).deep;
}`)
	var res struct {
		List, Nested, Applied []string
		Names                 map[string]int
	}
	if err := json.Unmarshal(got, &res); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		where string
		got   []string
	}{{"list element", res.List}, {"nested value", res.Nested}, {"function argument", res.Applied}} {
		if len(r.got) != len(strs) {
			t.Fatalf("%s: got %d strings, want %d", r.where, len(r.got), len(strs))
		}
		for i, s := range strs {
			if r.got[i] != s {
				lit, _ := Format(String(s))
				t.Errorf("%s: %q printed as\n%s\nevaluates to %q", r.where, s, lit, r.got[i])
			}
		}
	}
	if len(res.Names) != len(names) {
		t.Errorf("got %d attribute names, want %d", len(res.Names), len(names))
	}
	for i, n := range names {
		if j, ok := res.Names[n]; !ok || j != i {
			t.Errorf("attribute name %q: got index %d (present %v), want %d", n, j, ok, i)
		}
	}
}

// TestNumbersEvaluate checks that integers and floats, including negative
// ones in lists, evaluate to exactly the printed value and type. Nix prints
// floats with six digits only, so exactness is checked inside Nix against
// builtins.fromJSON of Go's shortest exact representation.
func TestNumbersEvaluate(t *testing.T) {
	nixtest.Require(t)
	rng := rand.New(rand.NewPCG(2, 2))
	ints := []int64{0, 1, -1, 42, -42, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 1 << 53, -(1 << 53) - 1}
	floats := []float64{0, math.Copysign(0, -1), 0.1, -0.1, 0.5, 1, -1, 1.5, 1e6, 1e21, 1e22, 123456789.125, 1e300, -1e300,
		2.2250738585072014e-308, -2.2250738585072014e-308, math.MaxFloat64, -math.MaxFloat64, 1.0 / 3}
	for range 200 {
		ints = append(ints, int64(rng.Uint64()))
		f := math.Float64frombits(rng.Uint64())
		if floatProblem(f) == "" {
			floats = append(floats, f)
		}
		floats = append(floats, rng.NormFloat64()*1e4)
	}
	// Negative numbers as function arguments: builtins.sub (-5) (-7).
	var diffs List
	var wantDiffs []int64
	for i := range 50 {
		a, b := rng.Int64N(2e9)-1e9, rng.Int64N(2e9)-1e9
		if i == 0 {
			a, b = math.MinInt64, -1
		}
		diffs = append(diffs, Apply{Apply{Var("builtins.sub"), Int(a)}, Int(b)})
		wantDiffs = append(wantDiffs, a-b)
	}
	var intList, floatList List
	var floatJSON []string
	for _, i := range ints {
		intList = append(intList, Int(i))
	}
	for _, f := range floats {
		floatList = append(floatList, Float(f))
		floatJSON = append(floatJSON, strconv.FormatFloat(f, 'e', -1, 64))
	}
	got := evalData(t, Attrs{
		{Path: []string{"ints"}, Value: intList},
		{Path: []string{"differences"}, Value: diffs},
		{Path: []string{"floats"}, Value: floatList},
		{Path: []string{"floatsJSON"}, Value: String("[" + strings.Join(floatJSON, ",") + "]")},
	}, `{
  inherit (d) ints differences;
  intTypes = map builtins.typeOf d.ints;
  floatTypes = map builtins.typeOf d.floats;
  floatsExact = let want = builtins.fromJSON d.floatsJSON; in
    builtins.genList (i: builtins.elemAt d.floats i == builtins.elemAt want i) (builtins.length want);
}`)
	var res struct {
		Ints, Differences    []json.Number
		IntTypes, FloatTypes []string
		FloatsExact          []bool
	}
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Ints) != len(ints) || len(res.FloatsExact) != len(floats) {
		t.Fatalf("got %d ints and %d floats, want %d and %d", len(res.Ints), len(res.FloatsExact), len(ints), len(floats))
	}
	for i, want := range ints {
		if g, err := res.Ints[i].Int64(); err != nil || g != want || res.IntTypes[i] != "int" {
			t.Errorf("int %d evaluated to %s (%s)", want, res.Ints[i], res.IntTypes[i])
		}
	}
	if len(res.Differences) != len(wantDiffs) {
		t.Fatalf("got %d differences, want %d", len(res.Differences), len(wantDiffs))
	}
	for i, want := range wantDiffs {
		if g, err := res.Differences[i].Int64(); err != nil || g != want {
			lit, _ := Format(diffs[i])
			t.Errorf("%s evaluated to %s, want %d", lit, res.Differences[i], want)
		}
	}
	for i, f := range floats {
		if !res.FloatsExact[i] || res.FloatTypes[i] != "float" {
			lit, _ := Format(Float(f))
			t.Errorf("float %v printed as %s: exact %v, type %s", f, lit, res.FloatsExact[i], res.FloatTypes[i])
		}
	}
}

// evalData writes data to data.nix and evaluates check, a Nix expression in
// which d is the imported data, returning the JSON result.
func evalData(t *testing.T, data Expr, check string) []byte {
	t.Helper()
	dir := t.TempDir()
	out, err := Format(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data.nix"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	checkFile := filepath.Join(dir, "check.nix")
	if err := os.WriteFile(checkFile, []byte("let d = import ./data.nix; in "+check+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return nixtest.EvalJSON(t, checkFile)
}

// TestDecoderCasesEvaluate checks the expectations of TestDecoder, which
// pin the pure-Go decoder used by the fuzz targets, against the real Nix.
func TestDecoderCasesEvaluate(t *testing.T) {
	nixtest.Require(t)
	var lits []string
	for _, c := range decoderCases {
		lits = append(lits, "("+c.lit+")")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "decoder.nix")
	if err := os.WriteFile(file, []byte("[\n"+strings.Join(lits, "\n")+"\n]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := json.Unmarshal(nixtest.EvalJSON(t, file), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(decoderCases) {
		t.Fatalf("got %d strings, want %d", len(got), len(decoderCases))
	}
	for i, c := range decoderCases {
		if got[i] != c.want {
			t.Errorf("%s: Nix says %q, the test expects %q", c.lit, got[i], c.want)
		}
	}
}
