package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/generator/profilecheck"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

func newProfilesCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List, show and check the service profiles",
		Example: `  freecloud profiles list --category databases
  freecloud profiles show nextcloud
  freecloud profiles check ./my-profiles`,
	}
	cmd.AddCommand(newProfilesListCommand(g), newProfilesShowCommand(g), newProfilesCheckCommand(g))
	return cmd
}

// profileSummary is one row of `profiles list --json`.
type profileSummary struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Summary  string `json:"summary"`
	Stateful bool   `json:"stateful"`
	Maturity string `json:"maturity"`
}

func newProfilesListCommand(g *globals) *cobra.Command {
	var category string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the profiles: name, category, summary, stateful, maturity",
		Example: `  freecloud profiles list
  freecloud profiles list --category monitoring --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, ok := g.loadCatalogue(cmd.ErrOrStderr())
			if !ok {
				return exitError{}
			}
			var rows []profileSummary
			for _, name := range cat.Names() {
				p, _ := cat.Lookup(name)
				if category != "" && p.Category != category {
					continue
				}
				rows = append(rows, profileSummary{p.Name, p.Category, p.Summary, p.State != nil, p.Maturity})
			}
			if category != "" && len(rows) == 0 {
				return fmt.Errorf("no profiles in category %q; categories: %s", category, strings.Join(categories(cat), ", "))
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].Category < rows[j].Category })
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tCATEGORY\tSTATEFUL\tMATURITY\tSUMMARY")
			for _, r := range rows {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Category, yesNo(r.Stateful), r.Maturity, r.Summary)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&category, "category", "", "only profiles of this category")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// profileDetails is `profiles show --json`.
type profileDetails struct {
	profileSummary
	Module        string           `json:"module"`
	Source        string           `json:"source"`
	Upstream      string           `json:"upstream,omitempty"`
	License       string           `json:"license"`
	SSO           string           `json:"sso"`
	MultiInstance bool             `json:"multi_instance"`
	Requires      []string         `json:"requires"`
	Params        []paramDetails   `json:"params"`
	Secrets       []secretDetails  `json:"secrets"`
	State         *profiles.State  `json:"state"`
	Expose        []exposeDetails  `json:"expose"`
	Health        *profiles.Health `json:"health"`
	Example       json.RawMessage  `json:"example"`
	File          string           `json:"file"`
}

type paramDetails struct {
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Required    bool            `json:"required"`
	Default     json.RawMessage `json:"default,omitempty"`
	Description string          `json:"description,omitempty"`
}

type secretDetails struct {
	Name     string `json:"name"`
	Source   string `json:"source"` // generate:<rule> or provided
	Owner    string `json:"owner"`
	Path     string `json:"path"`
	Describe string `json:"description,omitempty"`
}

type exposeDetails struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Port     string `json:"port,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Public   bool   `json:"public"`
}

func newProfilesShowCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a profile: parameters, secrets, state, ports, requirements, its NixOS module and example",
		Example: `  freecloud profiles show nextcloud
  freecloud profiles show postgresql --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, ok := g.loadCatalogue(cmd.ErrOrStderr())
			if !ok {
				return exitError{}
			}
			p, found := cat.Lookup(args[0])
			if !found {
				return fmt.Errorf("there is no profile %q.%s Run `freecloud profiles list`", args[0], lang.DidYouMean(args[0], cat.Names()))
			}
			d := details(p, cat.Files())
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			printDetails(cmd.OutOrStdout(), p, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func details(p *profiles.Profile, files map[string]*hcl.File) profileDetails {
	d := profileDetails{
		profileSummary: profileSummary{p.Name, p.Category, p.Summary, p.State != nil, p.Maturity},
		Module:         p.Module, Source: p.Source, Upstream: p.Upstream, License: p.License,
		SSO: p.SSO, MultiInstance: p.MultiInstance, Requires: p.AllRequires(),
		State: p.State, Health: p.Health, Example: ctyJSON(p.Example), File: p.File,
		Params: []paramDetails{}, Secrets: []secretDetails{}, Expose: []exposeDetails{},
	}
	if d.Requires == nil {
		d.Requires = []string{}
	}
	for _, param := range p.Params {
		pd := paramDetails{Name: param.Name, Type: typeexpr.TypeString(param.Type), Required: param.Required(), Description: param.Description}
		if !param.Required() {
			pd.Default = ctyJSON(param.Default)
		}
		d.Params = append(d.Params, pd)
	}
	for _, s := range p.Secrets {
		source := "generate:" + s.Generate
		if s.Provided {
			source = "provided"
		}
		d.Secrets = append(d.Secrets, secretDetails{s.Name, source, s.Owner, s.Path("<service>"), s.Description})
	}
	for _, e := range p.Expose {
		ed := exposeDetails{Name: e.Name, Protocol: e.Protocol, Port: exprText(e.Port, files), Domain: exprText(e.Domain, files)}
		if e.Protocol == "http" {
			ed.Public = true
		} else if v, diags := exprValue(e.Public); !diags && v.Type() == cty.Bool && !v.IsNull() {
			ed.Public = v.True()
		}
		d.Expose = append(d.Expose, ed)
	}
	return d
}

func printDetails(w io.Writer, p *profiles.Profile, d profileDetails) {
	fmt.Fprintf(w, "%s — %s\n\n", p.Name, p.Summary)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", k, v)
		}
	}
	row("category", p.Category)
	row("NixOS module", p.Module)
	row("checked against", p.Source)
	row("upstream", p.Upstream)
	row("license", p.License)
	row("maturity", p.Maturity)
	row("sign-in", p.SSO)
	row("requires", strings.Join(d.Requires, ", "))
	row("instances", map[bool]string{true: "several per machine", false: "one per machine"}[p.MultiInstance])
	tw.Flush()
	if len(d.Params) > 0 {
		fmt.Fprintln(w, "\nParameters:")
		for _, pd := range d.Params {
			dflt := "required"
			if !pd.Required {
				dflt = "default " + string(pd.Default)
			}
			fmt.Fprintf(w, "  %s (%s, %s)\n", pd.Name, pd.Type, dflt)
			if pd.Description != "" {
				fmt.Fprintf(w, "      %s\n", pd.Description)
			}
		}
	}
	if len(d.Secrets) > 0 {
		fmt.Fprintln(w, "\nSecrets (files on the host, never in the Nix store):")
		for _, s := range d.Secrets {
			fmt.Fprintf(w, "  %s: %s, owner %s, at %s\n", s.Name, s.Source, s.Owner, s.Path)
		}
	}
	if p.State != nil {
		fmt.Fprintln(w, "\nState (backed up, carried on a move):")
		for _, path := range p.State.Paths {
			fmt.Fprintf(w, "  %s\n", path)
		}
		for _, db := range p.State.Databases {
			fmt.Fprintf(w, "  database %s\n", db)
		}
	}
	if len(d.Expose) > 0 {
		fmt.Fprintln(w, "\nReached through:")
		for _, e := range d.Expose {
			switch {
			case e.Protocol == "http":
				fmt.Fprintf(w, "  %s: https://%s (reverse proxy%s)\n", e.Name, e.Domain, map[bool]string{true: " to local port " + e.Port, false: ""}[e.Port != ""])
			default:
				fmt.Fprintf(w, "  %s: %s/%s%s\n", e.Name, e.Port, e.Protocol, map[bool]string{true: ", public", false: ", local only"}[e.Public])
			}
		}
	}
	if p.Health != nil {
		fmt.Fprintf(w, "\nHealth: unit %s, http %s\n", orDash(p.Health.Unit), orDash(p.Health.HTTP))
	}
	fmt.Fprintf(w, "\nExample:\n  service %q {\n    profile = %q\n    machine = machine.web1\n", p.Name, p.Name)
	if p.Example != cty.NilVal && !p.Example.IsNull() && p.Example.LengthInt() > 0 {
		with := strings.TrimSpace(string(hclwrite.Format(hclwrite.TokensForValue(p.Example).Bytes())))
		fmt.Fprintf(w, "    with    = %s\n", strings.ReplaceAll(with, "\n", "\n    "))
	}
	fmt.Fprintln(w, "  }")
}

func newProfilesCheckCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Check profiles as the catalogue requires (for profile authors)",
		Long: `check validates every profile in DIR (laid out as <category>/<name>.hcl), or
the built-in catalogue: it renders each with its example through the real
generator, parses the Nix with nix-instantiate when installed, and checks
every NixOS option path against the nixos-options.json files. It exits 1 on
any problem.`,
		Example: `  freecloud profiles check ./my-profiles
  freecloud profiles check`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, diags := profiles.Builtin()
			options, err := profiles.BuiltinOptions()
			if err != nil {
				return err
			}
			names := cat.Names()
			if len(args) == 1 {
				var more hcl.Diagnostics
				cat, more = cat.WithDir(args[0])
				diags = append(diags, more...)
				if err := options.AddDir(args[0]); err != nil {
					return err
				}
				names = profilesIn(args[0])
			}
			stderr := cmd.ErrOrStderr()
			if diags.HasErrors() {
				g.printer(stderr, cat.Files()).print(diags)
				fmt.Fprintf(stderr, "The profiles do not load: %s.\n", summary(diags))
				return exitError{}
			}
			work, err := os.MkdirTemp("", "freecloud-check-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(work)
			checker := &profilecheck.Checker{Catalogue: cat, Options: options, WorkDir: work}
			if _, err := exec.LookPath("nix-instantiate"); err == nil {
				checker.NixParse = func(dir string, tree generator.Tree) error {
					_, err := generator.ParseCheck(dir, tree)
					return err
				}
			} else {
				fmt.Fprintln(stderr, "nix-instantiate is not installed: the generated Nix is not parsed (apt-get install nix-bin).")
			}
			results := checker.Check(names)
			var all hcl.Diagnostics
			paths := 0
			for _, r := range results {
				all = append(all, r.Diags...)
				paths += r.Options
			}
			g.printer(stderr, cat.Files()).print(all)
			failed := profilecheck.Failed(results)
			fmt.Fprintf(cmd.OutOrStdout(), "%d profiles checked, %d option paths; %d with problems%s\n",
				len(results), paths, len(failed), listSuffix(failed))
			if len(failed) > 0 {
				return exitError{}
			}
			return nil
		},
	}
	return cmd
}

// loadCatalogue loads the catalogue (with --profiles) and prints problems.
func (g *globals) loadCatalogue(w io.Writer) (*profiles.Catalogue, bool) {
	cat, diags := g.catalogue()
	if diags.HasErrors() {
		g.printer(w, cat.Files()).print(diags)
		fmt.Fprintf(w, "The profile catalogue has %s.\n", summary(diags))
		return nil, false
	}
	return cat, true
}

// profilesIn lists the names of the profiles laid out in dir.
func profilesIn(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "*.hcl"))
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".hcl"))
	}
	sort.Strings(names)
	return names
}

func categories(cat *profiles.Catalogue) []string {
	set := map[string]bool{}
	for _, name := range cat.Names() {
		p, _ := cat.Lookup(name)
		set[p.Category] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func ctyJSON(v cty.Value) json.RawMessage {
	if v == cty.NilVal {
		return json.RawMessage("null")
	}
	data, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return json.RawMessage("null")
	}
	return data
}

// exprText shows an expose attribute: its value when it is a constant, or
// the expression as the profile wrote it (param.port).
func exprText(e hcl.Expression, files map[string]*hcl.File) string {
	if e == nil {
		return ""
	}
	if v, failed := exprValue(e); !failed && !v.IsNull() && v.IsWhollyKnown() {
		if v.Type() == cty.String {
			return v.AsString()
		}
		if v.Type() == cty.Number {
			return v.AsBigFloat().String()
		}
	}
	rng := e.Range()
	if f := files[rng.Filename]; f != nil && rng.End.Byte <= len(f.Bytes) {
		return "<" + string(rng.SliceBytes(f.Bytes)) + ">"
	}
	return "(computed)"
}

func exprValue(e hcl.Expression) (cty.Value, bool) {
	if e == nil {
		return cty.NullVal(cty.DynamicPseudoType), true
	}
	v, diags := e.Value(nil)
	return v, diags.HasErrors()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func listSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}
