package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/hashicorp/hcl/v2"
)

// build loads the deployment and generates its flake in memory, printing
// every diagnostic to w. ok is false when there was any error.
func (g *globals) build(w io.Writer, vars []config.VarArg) (dep *config.Deployment, tree generator.Tree, files map[string]*hcl.File, ok bool) {
	cat, diags := g.catalogue()
	if diags.HasErrors() {
		g.printer(w, cat.Files()).print(diags)
		fmt.Fprintf(w, "The profile catalogue has %s.\n", summary(diags))
		return nil, nil, cat.Files(), false
	}
	dep, depFiles, more := config.Load(g.dir, config.Options{Catalogue: cat, VarArgs: vars, Environ: os.Environ()})
	diags = append(diags, more...)
	if !diags.HasErrors() {
		tree, more = generator.Generate(dep, cat)
		diags = append(diags, more...)
	}
	files = map[string]*hcl.File{}
	for _, m := range []map[string]*hcl.File{depFiles, cat.Files()} {
		for k, v := range m {
			files[k] = v
		}
	}
	g.printer(w, files).print(diags)
	if diags.HasErrors() {
		fmt.Fprintf(w, "%s: %s.\n", displayDir(g.dir), summary(diags))
		return dep, nil, files, false
	}
	return dep, tree, files, true
}

func displayDir(dir string) string {
	if dir == "." {
		return "The deployment"
	}
	return "The deployment in " + dir
}
