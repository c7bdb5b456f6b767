package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/report"
	"github.com/spf13/cobra"
)

func newReportCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var format, out string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Report where each service's data lives, who can compel access to it, its backups and secrets",
		Long: `report tells, for every service (those other services require too): where
its data lives (country, city, provider, operator), which jurisdictions can
compel access to it and on what grounds (the country it is stored in, the
operator's home country, laws that reach beyond borders such as the US
CLOUD Act), where its backups go, and which secrets it has, where each is
made and whether its ciphertext is current. No secret value is ever in it.
It works offline, from the deployment files and state.

--format html writes one self-contained page (no scripts, nothing fetched).`,
		Example: `  freecloud report
  freecloud report --format html --out sovereignty.html
  freecloud report --format json | jq '.services[] | {name, country: .data.country}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.secretsContext(cmd.ErrOrStderr(), vars)
			if err != nil {
				return err
			}
			cat, _ := g.catalogue()
			services, diags := generator.Services(c.dep, cat)
			if diags.HasErrors() {
				g.printer(cmd.ErrOrStderr()).print(diags)
				return exitError{}
			}
			r := report.Build(c.dep, services, c.secrets, func(h generator.HostSecret) string { return c.stateOf(h).Status })
			var buf bytes.Buffer
			if err := report.Write(&buf, r, format); err != nil {
				return err
			}
			if out == "" {
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := writeFileAtomic(out, buf.Bytes(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote the report on %d service(s) to %s.\n", len(r.Services), out)
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringVar(&format, "format", "md", "md, json or html ("+strings.Join(report.Formats, ", ")+")")
	cmd.Flags().StringVar(&out, "out", "", "write the report to `FILE` instead of standard output")
	return cmd
}

// writeFileAtomic replaces a file by a whole new one with mode perm: a
// temporary file in the same directory, renamed over it, so that readers
// see the old file or the new one, never half of it.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
