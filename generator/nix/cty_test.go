package nix

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestFromCty(t *testing.T) {
	for _, c := range []struct {
		name string
		v    cty.Value
		want Expr
	}{
		{"string", cty.StringVal("x"), String("x")},
		{"true", cty.True, Bool(true)},
		{"null", cty.NullVal(cty.String), Null{}},
		{"dynamic null", cty.NullVal(cty.DynamicPseudoType), Null{}},
		{"int", cty.NumberIntVal(-3), Int(-3)},
		{"max int", cty.NumberIntVal(math.MaxInt64), Int(math.MaxInt64)},
		{"whole float", cty.NumberFloatVal(2), Int(2)},
		{"fraction", cty.NumberFloatVal(1.5), Float(1.5)},
		{"2^63", cty.NumberVal(new(big.Float).SetInt(new(big.Int).Lsh(big.NewInt(1), 63))), Float(1 << 63)},
		{"parsed decimal", cty.MustParseNumberVal("0.1"), Float(0.1)},
		{"raw", RawValue("pkgs.htop"), Raw("pkgs.htop")},
		{"object", cty.ObjectVal(map[string]cty.Value{
			"b": cty.NumberIntVal(1),
			"a": cty.ListVal([]cty.Value{RawValue("pkgs.git"), RawValue("pkgs.vim")}),
		}), Attrs{
			{Path: []string{"a"}, Value: List{Raw("pkgs.git"), Raw("pkgs.vim")}},
			{Path: []string{"b"}, Value: Int(1)},
		}},
		{"map", cty.MapVal(map[string]cty.Value{"web.example.org": cty.True, "a": cty.False}),
			Attrs{{Path: []string{"a"}, Value: Bool(false)}, {Path: []string{"web.example.org"}, Value: Bool(true)}}},
		{"tuple", cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(1), cty.EmptyObjectVal}),
			List{String("a"), Int(1), Attrs{}}},
		{"set", cty.SetVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a")}), List{String("a"), String("b")}},
		{"empty list", cty.ListValEmpty(cty.String), List{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := FromCty(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestFromCtyErrors(t *testing.T) {
	sensitive := cty.StringVal("hunter2").Mark("sensitive")
	for _, c := range []struct {
		name   string
		v      cty.Value
		want   string
		marked bool
	}{
		{"sensitive nested", cty.ObjectVal(map[string]cty.Value{
			"services": cty.ObjectVal(map[string]cty.Value{
				"nextcloud": cty.ObjectVal(map[string]cty.Value{
					"config": cty.ObjectVal(map[string]cty.Value{"adminpass": sensitive}),
				}),
			}),
		}), "services.nextcloud.config.adminpass: value is marked sensitive; it may be a secret and must not be written to the world-readable Nix store", true},
		{"sensitive list element", cty.ObjectVal(map[string]cty.Value{
			"allowedTCPPorts": cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2), cty.NumberIntVal(3).Mark("sensitive")}),
		}), "allowedTCPPorts[2]: value is marked sensitive", true},
		{"marked at the top", cty.StringVal("x").Mark("b").Mark("a"), "value is marked a, b", true},
		{"sensitive raw", cty.TupleVal([]cty.Value{RawValue("x").Mark("sensitive")}), "[0]: value is marked sensitive", true},
		{"unknown", cty.ObjectVal(map[string]cty.Value{"a": cty.UnknownVal(cty.String)}), "a: value is not known", false},
		{"unknown top", cty.DynamicVal, "value is not known", false},
		{"map key", cty.MapVal(map[string]cty.Value{"web.example.org": cty.StringVal("a\x00")}),
			`["web.example.org"]: string contains a NUL byte`, false},
		{"infinity", cty.ListVal([]cty.Value{cty.PositiveInfinity}), "[0]: +Inf is out of the range of Nix floats", false},
		{"too large", cty.MustParseNumberVal("1e400"), "1e+400 is out of the range of Nix floats", false},
		{"too small", cty.MustParseNumberVal("1e-400"), "1e-400 is out of the range of Nix floats", false},
		{"subnormal", cty.MustParseNumberVal("1e-310"), "1e-310 is out of the range of Nix floats", false},
		{"other capsule", cty.CapsuleVal(cty.Capsule("other", reflect.TypeOf(0)), new(int)), "a value of type other cannot be written to Nix", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromCty(c.v)
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValueError", err)
			}
			if got := err.Error(); len(got) < len(c.want) || got[:len(c.want)] != c.want {
				t.Errorf("got %q, want it to start with %q", got, c.want)
			}
			if (len(ve.Marks) > 0) != c.marked {
				t.Errorf("Marks = %v", ve.Marks)
			}
			// The path must lead back to the offending value.
			if _, err := ve.Path.Apply(c.v); err != nil {
				t.Errorf("path %#v does not apply: %v", ve.Path, err)
			}
		})
	}
}

func TestRawFunc(t *testing.T) {
	v, err := RawFunc.Call([]cty.Value{cty.StringVal("lib.mkForce true")})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Type().Equals(RawType) || !v.RawEquals(RawValue("lib.mkForce true")) {
		t.Fatalf("got %#v", v)
	}
	if !v.Equals(RawValue("lib.mkForce true")).True() || v.Equals(RawValue("other")).True() {
		t.Error("Equals does not compare the text")
	}
	if s := cty.SetVal([]cty.Value{RawValue("a"), RawValue("a"), RawValue("b")}); s.LengthInt() != 2 {
		t.Errorf("set of raw values has %d elements, want 2", s.LengthInt())
	}

	// A sensitive argument gives a sensitive result, which FromCty rejects.
	v, err = RawFunc.Call([]cty.Value{cty.StringVal("\"secret\"").Mark("sensitive")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromCty(v); err == nil {
		t.Error("FromCty accepted a sensitive nix() value")
	}

	// An unknown argument gives an unknown result.
	if v, err := RawFunc.Call([]cty.Value{cty.UnknownVal(cty.String)}); err != nil || v.IsKnown() {
		t.Errorf("got %#v, %v", v, err)
	}
	for _, arg := range []cty.Value{cty.StringVal(" \n"), cty.NullVal(cty.String)} {
		if _, err := RawFunc.Call([]cty.Value{arg}); err == nil {
			t.Errorf("nix(%#v): no error", arg)
		}
	}
}

// TestFromCtyFormat checks the whole way from a cty value to Nix text.
func TestFromCtyFormat(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{
		"services": cty.ObjectVal(map[string]cty.Value{
			"nginx": cty.ObjectVal(map[string]cty.Value{
				"enable": cty.True,
				"virtualHosts": cty.MapVal(map[string]cty.Value{
					"cloud.example.org": cty.ObjectVal(map[string]cty.Value{"forceSSL": cty.True}),
				}),
			}),
		}),
		"environment": cty.ObjectVal(map[string]cty.Value{
			"systemPackages": cty.TupleVal([]cty.Value{RawValue("pkgs.htop"), RawValue("pkgs.git")}),
		}),
	})
	e, err := FromCty(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Format(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  environment.systemPackages = [
    pkgs.htop
    pkgs.git
  ];
  services.nginx = {
    enable = true;
    virtualHosts."cloud.example.org".forceSSL = true;
  };
}
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
