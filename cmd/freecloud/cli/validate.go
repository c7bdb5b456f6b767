package cli

import (
	"fmt"
	"io"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/spf13/cobra"
)

func newValidateCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the deployment files and report every problem",
		Long: `validate loads the deployment, checks it against the profiles and providers,
and builds the flake in memory without writing it. It exits 1 if there is
any error.`,
		Example: `  freecloud validate
  freecloud -C mycloud validate -var domain=example.org`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, ok := g.build(cmd.ErrOrStderr(), vars)
			if !ok {
				return exitError{}
			}
			dep, tree := b.dep, b.tree
			fmt.Fprintf(cmd.OutOrStdout(), "The deployment %q is valid: %d machines, %d services, %d generated files.\n",
				dep.Name, len(dep.Machines), len(dep.Services), len(tree))
			printOutputs(cmd.OutOrStdout(), dep)
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	return cmd
}

// printOutputs shows the deployment's outputs; sensitive ones are never
// printed.
func printOutputs(w io.Writer, dep *config.Deployment) {
	if len(dep.Outputs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nOutputs:")
	for _, o := range dep.Outputs {
		fmt.Fprintf(w, "  %s = %s\n", o.Name, showValue(o))
	}
}

func showValue(o *config.Output) string {
	if o.Sensitive || o.Value.ContainsMarked() {
		return "(sensitive)"
	}
	if o.Value == cty.NilVal || !o.Value.IsWhollyKnown() {
		return "(unknown)"
	}
	if o.Value.Type() == cty.String && !o.Value.IsNull() {
		return fmt.Sprintf("%q", o.Value.AsString())
	}
	data, err := ctyjson.Marshal(o.Value, o.Value.Type())
	if err != nil {
		return "(not printable)"
	}
	return string(data)
}
