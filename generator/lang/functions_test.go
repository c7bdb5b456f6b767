package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func eval(t *testing.T, dir, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return expr.Value(&hcl.EvalContext{Functions: Functions(dir)})
}

func TestFunctions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "motd.txt"), []byte("hello ${name}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ src, want, err string }{
		{src: `file("motd.txt")`, want: "hello ${name}"},
		{src: `templatefile("motd.txt", { name = "world" })`, want: "hello world"},
		{src: `tostring(fileexists("motd.txt"))`, want: "true"},
		{src: `tostring(fileexists("nope.txt"))`, want: "false"},
		{src: `join(",", [for i in range(3) : tostring(i)])`, want: "0,1,2"},
		{src: `cidrsubnet("10.0.0.0/16", 8, 2)`, want: "10.0.2.0/24"},
		{src: `uuidv5("dns", "acme.example")`, want: "0637e301-e05d-505b-8267-486f5677de9b"},
		{src: `try(file("nope.txt"), "fallback")`, want: "fallback"},
		{src: `tostring(alltrue([true, 1 < 2]))`, want: "true"},
		{src: `tostring(alltrue([true, false]))`, want: "false"},
		{src: `tostring(anytrue([false, true]))`, want: "true"},
		{src: `tostring(anytrue([]))`, want: "false"},
		{src: `file("../x")`, err: "escapes the deployment directory"},
		{src: `file("/etc/passwd")`, err: "is not relative"},
		{src: `file("link")`, err: "leads out of the deployment directory"},
		{src: `length(range(100000000))`, err: "the limit is 1024"},
		{src: `length(setproduct(range(100), range(100)))`, err: "the limit is 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			v, diags := eval(t, dir, tt.src)
			if tt.err != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.err) {
					t.Fatalf("got %#v, %v; want error %q", v, diags, tt.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if v.AsString() != tt.want {
				t.Errorf("got %q, want %q", v.AsString(), tt.want)
			}
		})
	}
}

// No function may make generation depend on the clock or on chance.
func TestNoNondeterministicFunctions(t *testing.T) {
	for _, name := range []string{"timestamp", "uuid", "bcrypt", "uuidv4", "plantimestamp"} {
		if _, ok := Functions(".")[name]; ok {
			t.Errorf("%s is nondeterministic and must not be available", name)
		}
	}
}
