package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

var (
	ctyBool        = cty.Bool
	ctyNumber      = cty.Number
	ctyString      = cty.String
	ctyListDynamic = cty.List(cty.DynamicPseudoType)
	ctyMapDynamic  = cty.Map(cty.DynamicPseudoType)
	ctySetDynamic  = cty.Set(cty.DynamicPseudoType)
)

// ResolvePath turns a path written in a deployment file into a path on disk.
// It must be relative and stay inside dir, also after following symlinks:
// a deployment that reads /etc/… or ../other-project would not be
// reproducible on another machine and could leak files into the Nix store.
func ResolvePath(dir, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("the path is empty")
	}
	if filepath.IsAbs(name) || strings.HasPrefix(name, "~") {
		return "", fmt.Errorf("%q is not relative: paths are relative to the deployment directory, so the deployment can be moved", name)
	}
	full := filepath.Join(dir, name)
	if !inside(dir, full) {
		return "", fmt.Errorf("%q escapes the deployment directory: keep the files a deployment reads inside it", name)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	realFull, err := filepath.EvalSymlinks(full)
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("%q does not exist in the deployment directory", name)
		}
		return "", err
	}
	if !inside(realDir, realFull) {
		return "", fmt.Errorf("%q is a symlink that leads out of the deployment directory", name)
	}
	return realFull, nil
}

func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func readText(dir, name string) (string, error) {
	path, err := ResolvePath(dir, name)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading %q: %w", name, err)
	}
	if !utf8.Valid(data) {
		return "", fmt.Errorf("%q is not UTF-8 text", name)
	}
	return string(data), nil
}

func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a UTF-8 text file inside the deployment directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
			return b.NotNull()
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			text, err := readText(dir, args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgError(0, err)
			}
			return cty.StringVal(text), nil
		},
	})
}

func fileExistsFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Tells whether a file exists inside the deployment directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path, err := ResolvePath(dir, args[0].AsString())
			if err != nil {
				if os.IsNotExist(err) || strings.Contains(err.Error(), "does not exist") {
					return cty.False, nil
				}
				return cty.UnknownVal(cty.Bool), function.NewArgError(0, err)
			}
			info, err := os.Stat(path)
			return cty.BoolVal(err == nil && info.Mode().IsRegular()), nil
		},
	})
}

// templateFileFunc renders an HCL template file with the given variables.
// Inside the template only the pure functions are available: a template
// cannot read further files, which keeps what a deployment reads visible in
// the deployment files themselves.
func templateFileFunc(dir string, funcs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders a template file inside the deployment directory.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			text, err := readText(dir, name)
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgError(0, err)
			}
			vars := args[1]
			if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(1, "the template variables must be an object, like { name = \"x\" }")
			}
			expr, diags := hclsyntax.ParseTemplate([]byte(text), name, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "template %s: %s", name, diags.Error())
			}
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: funcs}
			for it := vars.ElementIterator(); it.Next(); {
				k, v := it.Element()
				ctx.Variables[k.AsString()] = v
			}
			out, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "template %s: %s", name, diags.Error())
			}
			if out.IsNull() || !out.Type().Equals(cty.String) {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "template %s did not produce a string", name)
			}
			return out, nil
		},
	})
}
