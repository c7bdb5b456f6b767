package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/state"
	"github.com/hashicorp/hcl/v2"
)

// built is a deployment loaded with what state knows of its hosts, and
// its flake generated in memory.
type built struct {
	dep   *config.Deployment
	tree  generator.Tree
	files map[string]*hcl.File
	store *state.File
	// state is nil before the first apply.
	state *state.State
}

// build reads the state, loads the deployment with the facts state holds
// (mesh addresses, collected keys: what the flake is made from besides
// the files) and generates its flake in memory, printing every diagnostic
// to w. ok is false when there was any error.
func (g *globals) build(w io.Writer, vars []config.VarArg) (b built, ok bool) {
	b.store = state.ForDeployment(g.dir)
	st, err := b.store.Read()
	if err != nil {
		fmt.Fprintf(w, "Error: %s\n", err)
		return b, false
	}
	b.state = st
	cat, diags := g.catalogue()
	if diags.HasErrors() {
		g.printer(w, cat.Files()).print(diags)
		fmt.Fprintf(w, "The profile catalogue has %s.\n", summary(diags))
		b.files = cat.Files()
		return b, false
	}
	dep, depFiles, more := config.Load(g.dir, config.Options{Catalogue: cat, VarArgs: vars, Environ: os.Environ(), Facts: factsOf(st)})
	diags = append(diags, more...)
	b.dep = dep
	if st != nil && st.Deployment != dep.Name && !diags.HasErrors() {
		fmt.Fprintf(w, "Error: the state in %s belongs to deployment %q, not %q. Use the deployment's own directory.\n", b.store.Path, st.Deployment, dep.Name)
		return b, false
	}
	if !diags.HasErrors() {
		b.tree, more = generator.Generate(dep, cat)
		diags = append(diags, more...)
	}
	b.files = map[string]*hcl.File{}
	for _, m := range []map[string]*hcl.File{depFiles, cat.Files()} {
		for k, v := range m {
			b.files[k] = v
		}
	}
	g.printer(w, b.files).print(diags)
	if diags.HasErrors() {
		fmt.Fprintf(w, "%s: %s.\n", displayDir(g.dir), summary(diags))
		b.tree = nil
		return b, false
	}
	return b, true
}

// factsOf is what state knows of the hosts, as the generator reads it.
func factsOf(st *state.State) config.Facts {
	var f config.Facts
	if st == nil {
		return f
	}
	f.MeshAddresses, f.PublicAddresses, f.Collected = map[string]string{}, map[string]string{}, map[string]map[string]string{}
	for _, h := range st.Hosts {
		if h.MeshAddress != "" {
			f.MeshAddresses[h.Machine] = h.MeshAddress
		}
		if h.PublicAddress != "" {
			f.PublicAddresses[h.Machine] = h.PublicAddress
		}
		if len(h.PublicKeys) > 0 {
			f.Collected[h.Machine] = h.PublicKeys
		}
	}
	for _, v := range st.Volumes {
		f.Volumes = append(f.Volumes, config.Volume{Service: v.Service, Consumer: v.Consumer, Provider: v.Provider, SizeGB: v.SizeGB})
	}
	return f
}

func displayDir(dir string) string {
	if dir == "." {
		return "The deployment"
	}
	return "The deployment in " + dir
}
