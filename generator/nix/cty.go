package nix

import (
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// RawType is the cty capsule type that carries Raw Nix text through HCL
// evaluation, so that nix("...") can appear anywhere a value can: as an
// attribute, a list element, nested in objects. Two values are equal when
// their texts are.
var RawType = cty.CapsuleWithOps("nix", reflect.TypeOf(Raw("")), &cty.CapsuleOps{
	GoString:     func(v any) string { return fmt.Sprintf("nix.RawValue(%q)", string(*v.(*Raw))) },
	TypeGoString: func(reflect.Type) string { return "nix.RawType" },
	RawEquals:    func(a, b any) bool { return *a.(*Raw) == *b.(*Raw) },
	Equals:       func(a, b any) cty.Value { return cty.BoolVal(*a.(*Raw) == *b.(*Raw)) },
	HashKey:      func(v any) string { return string(*v.(*Raw)) },
})

// RawValue returns a cty value of RawType carrying text.
func RawValue(text string) cty.Value {
	r := Raw(text)
	return cty.CapsuleVal(RawType, &r)
}

// RawFunc is the HCL function nix(text). It embeds text verbatim as a Nix
// expression, for what plain HCL values cannot say, such as package
// references and calls into lib:
//
//	environment.systemPackages = [nix("pkgs.htop")]
//	services.foo.enable = nix("lib.mkForce true")
//
// The text is only checked to be non-empty here; the generated files are
// checked with nix-instantiate --parse. Like every cty function that does not
// opt out, it passes marks from its argument on to its result, so
// nix(sensitive_value) stays marked and FromCty rejects it.
var RawFunc = function.New(&function.Spec{
	Description: "Embeds its argument verbatim as a Nix expression in the generated configuration.",
	Params: []function.Parameter{{
		Name:        "text",
		Description: "Nix expression text, for example \"pkgs.htop\".",
		Type:        cty.String,
	}},
	Type: function.StaticReturnType(RawType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		text := args[0].AsString()
		if strings.TrimSpace(text) == "" {
			return cty.NilVal, function.NewArgErrorf(0, "the Nix expression must not be empty")
		}
		return RawValue(text), nil
	},
})

// ValueError is an error converting a cty value to Nix, at Path inside the
// value given to FromCty.
type ValueError struct {
	Path cty.Path
	Msg  string
	// Marks is set when the value was rejected because it carries cty marks
	// (such as HCL's sensitive mark): those usually are secrets, and Nix
	// files end up in the world-readable Nix store.
	Marks cty.ValueMarks
}

func (e *ValueError) Error() string {
	if len(e.Path) == 0 {
		return e.Msg
	}
	return ctyPathString(e.Path) + ": " + e.Msg
}

// ctyPathString renders a cty path the way it would be written in HCL:
// services.nextcloud.config.port, allowedTCPPorts[2], hosts["web.example"].
func ctyPathString(path cty.Path) string {
	var b strings.Builder
	for _, s := range path {
		var name string
		switch s := s.(type) {
		case cty.GetAttrStep:
			name = s.Name
		case cty.IndexStep:
			switch {
			case !s.Key.IsKnown() || s.Key.IsNull():
				b.WriteString("[?]")
				continue
			case s.Key.Type() == cty.String:
				name = s.Key.AsString()
			case s.Key.Type() == cty.Number:
				b.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
				continue
			default:
				b.WriteString("[...]") // a set element of a complex type
				continue
			}
		}
		if !identChars(name) {
			b.WriteString("[" + strconv.Quote(name) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name)
	}
	return b.String()
}

// FromCty converts a value coming from HCL to a Nix expression. Objects and
// maps become attribute sets with one binding per key; lists, tuples and sets
// become lists, sets in cty's own deterministic order; whole numbers that fit
// an int64 become Int and other numbers Float; RawType values become Raw.
// Unknown values, marked values, NUL bytes in strings and infinite numbers
// are errors of type *ValueError.
func FromCty(v cty.Value) (Expr, error) {
	return fromCty(nil, v)
}

func fromCty(path cty.Path, v cty.Value) (Expr, error) {
	fail := func(format string, args ...any) (Expr, error) {
		return nil, &ValueError{Path: path.Copy(), Msg: fmt.Sprintf(format, args...)}
	}
	if v.IsMarked() {
		marks := v.Marks()
		names := make([]string, 0, len(marks))
		for m := range marks {
			names = append(names, fmt.Sprint(m))
		}
		slices.Sort(names)
		return nil, &ValueError{
			Path:  path.Copy(),
			Msg:   fmt.Sprintf("value is marked %s; it may be a secret and must not be written to the world-readable Nix store", strings.Join(names, ", ")),
			Marks: marks,
		}
	}
	if !v.IsKnown() {
		return fail("value is not known")
	}
	if v.IsNull() {
		return Null{}, nil
	}
	ty := v.Type()
	switch {
	case ty == RawType:
		return *v.EncapsulatedValue().(*Raw), nil
	case ty == cty.String:
		s := v.AsString()
		if strings.IndexByte(s, 0) >= 0 {
			return fail("string contains a NUL byte, which Nix strings cannot hold")
		}
		return String(s), nil
	case ty == cty.Bool:
		return Bool(v.True()), nil
	case ty == cty.Number:
		n := v.AsBigFloat()
		if i, acc := n.Int64(); acc == big.Exact { // whole and in range
			return Int(i), nil
		}
		f, acc := n.Float64()
		if floatProblem(f) != "" || f == 0 && acc != big.Exact {
			return fail("%s is out of the range of Nix floats", n.Text('g', 10))
		}
		return Float(f), nil
	case ty.IsObjectType() || ty.IsMapType():
		attrs := make(Attrs, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			var s cty.PathStep = cty.IndexStep{Key: k}
			if ty.IsObjectType() {
				s = cty.GetAttrStep{Name: k.AsString()}
			}
			e, err := fromCty(append(path, s), ev)
			if err != nil {
				return nil, err
			}
			attrs = append(attrs, Binding{Path: []string{k.AsString()}, Value: e})
		}
		return attrs, nil
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		list := make(List, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			e, err := fromCty(append(path, cty.IndexStep{Key: k}), ev)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
		return list, nil
	}
	return fail("a value of type %s cannot be written to Nix", ty.FriendlyName())
}
