package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
)

func newFmtCommand(g *globals) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [FILE...]",
		Short: "Rewrite deployment files in the canonical format",
		Long: `fmt rewrites *.fc.hcl and *.auto.fcvars files in the canonical HCL layout
(aligned equals signs, two-space indentation). Without arguments it formats
the files of the deployment directory. With --check it changes nothing, lists
the files that are not formatted and exits 1 if there are any: use it in CI.
Files with syntax errors are reported and left as they are.`,
		Example: `  freecloud fmt
  freecloud fmt --check
  freecloud fmt main.fc.hcl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files := args
			if len(files) == 0 {
				var err error
				if files, err = formattableFiles(g.dir); err != nil {
					return err
				}
			}
			var diags hcl.Diagnostics
			parsed := map[string]*hcl.File{}
			var unformatted []string
			for _, name := range files {
				src, err := os.ReadFile(name)
				if err != nil {
					return err
				}
				file, d := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
				parsed[name] = file
				if d.HasErrors() {
					diags = append(diags, d...)
					continue
				}
				formatted := hclwrite.Format(src)
				if bytes.Equal(formatted, src) {
					continue
				}
				unformatted = append(unformatted, name)
				if !check {
					if err := replaceFile(name, formatted); err != nil {
						return err
					}
				}
			}
			for _, name := range unformatted {
				fmt.Fprintln(cmd.OutOrStdout(), name)
			}
			if len(diags) > 0 {
				g.printer(cmd.ErrOrStderr(), parsed).print(diags)
				fmt.Fprintf(cmd.ErrOrStderr(), "Files with syntax errors were left unchanged: %s.\n", summary(diags))
				return exitError{}
			}
			if check && len(unformatted) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d file(s) are not formatted; run `freecloud fmt`.\n", len(unformatted))
				return exitError{}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only report unformatted files; exit 1 if there are any")
	return cmd
}

func formattableFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && (strings.HasSuffix(name, config.HCLSuffix) || strings.HasSuffix(name, config.AutoVarsSuffix)) {
			files = append(files, filepath.Join(dir, name))
		}
	}
	sort.Strings(files)
	return files, nil
}

// replaceFile writes data over name through a temporary file and a rename,
// so an interrupted fmt never leaves a half-written deployment file.
func replaceFile(name string, data []byte) error {
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	return writeFileAtomic(name, data, info.Mode().Perm())
}
