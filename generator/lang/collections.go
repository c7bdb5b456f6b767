package lang

import (
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// allTrue and anyTrue are Terraform's alltrue and anytrue, which validation
// rules over lists need: alltrue([for p in param.ports : p > 0]).
var (
	allTrueFunc = boolFold("alltrue", true)
	anyTrueFunc = boolFold("anytrue", false)
)

// boolFold returns a function over a list of bools that is identity when
// every element equals identity, and !identity otherwise. An empty list
// gives identity.
func boolFold(name string, identity bool) function.Function {
	return function.New(&function.Spec{
		Description: name + " of a list of bools",
		Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			list, err := convert.Convert(args[0], cty.List(cty.Bool))
			if err != nil {
				return cty.UnknownVal(cty.Bool), err
			}
			for it := list.ElementIterator(); it.Next(); {
				_, v := it.Element()
				if v.IsNull() {
					return cty.UnknownVal(cty.Bool), function.NewArgErrorf(0, "%s: the list holds null", name)
				}
				if v.True() != identity {
					return cty.BoolVal(!identity), nil
				}
			}
			return cty.BoolVal(identity), nil
		},
	})
}
