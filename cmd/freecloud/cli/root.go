package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// globals are the flags every command has.
type globals struct {
	dir      string
	profiles string
	noColor  bool
}

func newRootCommand() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "freecloud",
		Short: "Run your own sovereign cloud from a few HCL files",
		Long: `freecloud turns a directory of *.fc.hcl files — machines, where they may
live, and the services they run — into a reproducible NixOS flake.`,
		Example: `  freecloud init mycloud
  freecloud -C mycloud validate
  freecloud -C mycloud generate`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nRun '%s --help' for the flags it takes.", err, c.CommandPath())
	})
	root.PersistentFlags().StringVarP(&g.dir, "chdir", "C", ".", "the deployment `directory`")
	root.PersistentFlags().StringVar(&g.profiles, "profiles", "", "an extra profile `directory` (<category>/<name>.hcl), searched before the built-in catalogue")
	root.PersistentFlags().BoolVar(&g.noColor, "no-color", false, "print diagnostics without colour")
	root.AddCommand(
		newInitCommand(g),
		newValidateCommand(g),
		newGenerateCommand(g),
		newFmtCommand(g),
		newProfilesCommand(g),
		newPlanCommand(g),
		newApplyCommand(g),
		newDestroyCommand(g),
		newStateCommand(g),
		newSecretsCommand(g),
		newReportCommand(g),
		newStorageCommand(g),
		newForceUnlockCommand(g),
		newVersionCommand(),
	)
	return root
}

// catalogue loads the built-in profiles plus --profiles.
func (g *globals) catalogue() (*profiles.Catalogue, hcl.Diagnostics) {
	cat, diags := profiles.Builtin()
	if g.profiles != "" && !diags.HasErrors() {
		var more hcl.Diagnostics
		cat, more = cat.WithDir(g.profiles)
		diags = append(diags, more...)
	}
	return cat, diags
}

// varFlag collects -var and -var-file into one list, so that their
// command-line order (which decides precedence) is kept.
type varFlag struct {
	args *[]config.VarArg
	file bool
}

func (f varFlag) String() string { return "" }
func (f varFlag) Type() string {
	if f.file {
		return "file"
	}
	return "name=value"
}
func (f varFlag) Set(v string) error {
	if f.file {
		*f.args = append(*f.args, config.VarArg{File: v})
	} else {
		*f.args = append(*f.args, config.VarArg{Assignment: v})
	}
	return nil
}

func addVarFlags(flags *pflag.FlagSet, args *[]config.VarArg) {
	flags.Var(varFlag{args: args}, "var", "set a variable: -var name=value (repeatable)")
	flags.Var(varFlag{args: args, file: true}, "var-file", "read variables from a file (repeatable)")
}

// summary returns e.g. "2 errors, 1 warning".
func summary(diags hcl.Diagnostics) string {
	var errs, warns int
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	plural := func(n int, word string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", word)
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	var parts []string
	if errs > 0 {
		parts = append(parts, plural(errs, "error"))
	}
	if warns > 0 {
		parts = append(parts, plural(warns, "warning"))
	}
	return strings.Join(parts, ", ")
}

func (g *globals) printer(w io.Writer, files ...map[string]*hcl.File) *diagPrinter {
	all := map[string]*hcl.File{}
	for _, m := range files {
		for k, v := range m {
			all[k] = v
		}
	}
	return &diagPrinter{w: w, files: all, color: !g.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
