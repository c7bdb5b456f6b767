package cli

import (
	"fmt"

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
			dep, tree, ok := g.build(cmd.ErrOrStderr(), vars)
			if !ok {
				return exitError{}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "The deployment %q is valid: %d machines, %d services, %d generated files.\n",
				dep.Name, len(dep.Machines), len(dep.Services), len(tree))
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	return cmd
}
