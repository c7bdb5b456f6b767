package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/freecloud/freecloud/generator"
	"github.com/spf13/cobra"
)

// version is set at build time with
// -ldflags "-X github.com/freecloud/freecloud/cmd/freecloud/cli.version=..."; a
// `go install` build falls back to the module version.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the freecloud version and the nixpkgs it targets",
		Example: "  freecloud version",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			p := generator.Nixpkgs
			fmt.Fprintf(cmd.OutOrStdout(), "freecloud %s\nnixpkgs %s %s\n", versionString(), p.Ref, p.Rev)
		},
	}
}
