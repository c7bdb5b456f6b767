package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
)

// build loads the deployment and generates its flake in memory, printing
// every diagnostic to w. ok is false when there was any error.
func (g *globals) build(w io.Writer, vars []config.VarArg) (dep *config.Deployment, tree generator.Tree, ok bool) {
	cat, diags := g.catalogue()
	if diags.HasErrors() {
		g.printer(w, cat.Files()).print(diags)
		fmt.Fprintf(w, "The profile catalogue has %s.\n", summary(diags))
		return nil, nil, false
	}
	dep, files, more := config.Load(g.dir, config.Options{Catalogue: cat, VarArgs: vars, Environ: os.Environ()})
	diags = append(diags, more...)
	if !diags.HasErrors() {
		tree, more = generator.Generate(dep, cat)
		diags = append(diags, more...)
	}
	g.printer(w, files, cat.Files()).print(diags)
	if diags.HasErrors() {
		fmt.Fprintf(w, "%s: %s.\n", displayDir(g.dir), summary(diags))
		return dep, nil, false
	}
	return dep, tree, true
}

func displayDir(dir string) string {
	if dir == "." {
		return "The deployment"
	}
	return "The deployment in " + dir
}
