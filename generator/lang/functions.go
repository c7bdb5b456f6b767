// Package lang holds the function library of the freecloud language: the
// functions deployment files and profiles may call, and the one rule for
// reading files named in them.
//
// Every function here is deterministic. Generating twice must give the same
// bytes (DESIGN.md, principle 2), so clocks, random UUIDs and salted hashes
// (timestamp, uuid, bcrypt) are deliberately absent.
package lang

import (
	"fmt"
	"math"

	"github.com/hashicorp/go-cty-funcs/cidr"
	"github.com/hashicorp/go-cty-funcs/crypto"
	"github.com/hashicorp/go-cty-funcs/encoding"
	"github.com/hashicorp/go-cty-funcs/uuid"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// pureFunctions are the functions that depend on nothing but their arguments.
func pureFunctions() map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"alltrue":         allTrueFunc,
		"anytrue":         anyTrueFunc,
		"base64decode":    encoding.Base64DecodeFunc,
		"base64encode":    encoding.Base64EncodeFunc,
		"can":             tryfunc.CanFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"cidrhost":        cidr.HostFunc,
		"cidrnetmask":     cidr.NetmaskFunc,
		"cidrsubnet":      cidr.SubnetFunc,
		"cidrsubnets":     cidr.SubnetsFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"md5":             crypto.Md5Func,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           bounded("range", stdlib.RangeFunc, rangeSize),
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      bounded("setproduct", stdlib.SetProductFunc, productSize),
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"sha1":            crypto.Sha1Func,
		"sha256":          crypto.Sha256Func,
		"sha512":          crypto.Sha512Func,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(ctyBool),
		"tolist":          stdlib.MakeToFunc(ctyListDynamic),
		"tomap":           stdlib.MakeToFunc(ctyMapDynamic),
		"tonumber":        stdlib.MakeToFunc(ctyNumber),
		"toset":           stdlib.MakeToFunc(ctySetDynamic),
		"tostring":        stdlib.MakeToFunc(ctyString),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"try":             tryfunc.TryFunc,
		"upper":           stdlib.UpperFunc,
		"urlencode":       encoding.URLEncodeFunc,
		"uuidv5":          uuid.V5Func,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
}

// Functions returns the functions of deployment files. file and templatefile
// read relative to dir and refuse to leave it, so a deployment directory is
// all a generation depends on.
func Functions(dir string) map[string]function.Function {
	funcs := pureFunctions()
	funcs["file"] = fileFunc(dir)
	funcs["fileexists"] = fileExistsFunc(dir)
	funcs["templatefile"] = templateFileFunc(dir, pureFunctions())
	return funcs
}

// PureFunctions returns the functions without file access, for profiles:
// a profile renders from its parameters alone.
func PureFunctions() map[string]function.Function {
	return pureFunctions()
}

// maxCollection bounds the lists range and setproduct may build. A typo
// such as range(1e9) must give an error, not exhaust the operator's memory.
const maxCollection = 1024

// bounded wraps a function so that it refuses to return a collection of
// more than maxCollection elements.
func bounded(name string, f function.Function, size func(args []cty.Value) (int, bool)) function.Function {
	spec := &function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if n, known := size(args); known && n > maxCollection {
				return cty.DynamicVal, fmt.Errorf("%s would build %d elements; the limit is %d", name, n, maxCollection)
			}
			return f.Call(args)
		},
	}
	return function.New(spec)
}

func rangeSize(args []cty.Value) (int, bool) {
	nums := make([]float64, len(args))
	for i, a := range args {
		if !a.IsKnown() || a.IsNull() || a.Type() != cty.Number {
			return 0, false
		}
		nums[i], _ = a.AsBigFloat().Float64()
	}
	start, limit, step := 0.0, 0.0, 1.0
	switch len(nums) {
	case 1:
		limit = nums[0]
	case 2:
		start, limit = nums[0], nums[1]
		if limit < start {
			step = -1
		}
	case 3:
		start, limit, step = nums[0], nums[1], nums[2]
	default:
		return 0, false
	}
	if step == 0 || (limit-start)/step <= 0 {
		return 0, true
	}
	n := math.Ceil((limit - start) / step)
	if n > math.MaxInt32 {
		return math.MaxInt32, true
	}
	return int(n), true
}

func productSize(args []cty.Value) (int, bool) {
	n := 1
	for _, a := range args {
		if !a.IsKnown() || a.IsNull() || !a.CanIterateElements() {
			return 0, false
		}
		n *= a.LengthInt()
		if n > maxCollection {
			return n, true
		}
	}
	return n, true
}
