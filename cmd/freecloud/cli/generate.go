package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/spf13/cobra"
)

func newGenerateCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write the deployment's NixOS flake",
		Long: `generate writes a self-contained NixOS flake for the deployment, by default
into <dir>/nix. The flake needs nothing but Nix: every machine can be deployed
with nixos-rebuild. generate writes nothing when there are errors, and it
refuses to write into a non-empty directory that it did not create.`,
		Example: `  freecloud generate
  freecloud -C mycloud generate --out /tmp/flake
  nixos-rebuild switch --flake ./nix#web1 --target-host root@web1.example.org`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, ok := g.build(cmd.ErrOrStderr(), vars)
			if !ok {
				return exitError{}
			}
			dep, tree := b.dep, b.tree
			dir := out
			if dir == "" {
				dir = filepath.Join(g.dir, "nix")
			}
			if err := generator.Write(dir, tree); err != nil {
				if errors.Is(err, generator.ErrForeignDir) {
					return fmt.Errorf("%s", strings.Replace(err.Error(), generator.ErrForeignDir.Error()+": ", "refusing to write: ", 1))
				}
				return fmt.Errorf("writing %s: %w", dir, err)
			}
			checked, err := generator.ParseCheck(dir, tree)
			if err != nil {
				return fmt.Errorf("the generated Nix does not parse; this is a bug in freecloud or in a profile's nix(...) text:\n%w", err)
			}
			w := cmd.OutOrStdout()
			names := make([]string, len(dep.Machines))
			for i, m := range dep.Machines {
				names[i] = m.Name
			}
			fmt.Fprintf(w, "Wrote %s: %d files for %d machines (%s).\n", dir, len(tree), len(dep.Machines), strings.Join(names, ", "))
			if checked {
				fmt.Fprintln(w, "Every .nix file parses with nix-instantiate.")
			}
			if len(names) > 0 {
				fmt.Fprintf(w, "Deploy a machine with: nixos-rebuild switch --flake %s#%s --target-host root@<address>\n", flakeRef(dir), names[0])
			}
			printOutputs(w, dep)
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringVar(&out, "out", "", "write the flake to `DIR` instead of <dir>/nix")
	return cmd
}

// flakeRef writes a directory so Nix reads it as a path: relative paths
// start with ./ (a bare "nix/out" would be looked up in the flake registry).
func flakeRef(dir string) string {
	if filepath.IsAbs(dir) || strings.HasPrefix(dir, "./") || strings.HasPrefix(dir, "../") {
		return dir
	}
	return "./" + dir
}
