package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"filippo.io/age"
	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/infra"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/secrets"
	"github.com/freecloud/freecloud/state"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newSecretsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "List, set, re-seal and rotate the deployment's secrets",
		Long: `Secrets are never stored centrally. A service's generated secrets are made
on its host and stay there. What the operator provides (an SMTP password, a
backup repository's password) is sealed with age to the host's SSH host key
and to the deployment's recovery_recipients, into
secrets/<machine>/<service>.<name>.age, a file to commit; the host decrypts
it into memory (a ramfs under /run/freecloud/secrets) with its own key.`,
		Example: `  freecloud secrets list
  freecloud secrets set backup password < password.txt
  freecloud secrets rekey --identity ~/.ssh/id_ed25519
  freecloud secrets rotate cloud admin_password`,
	}
	cmd.AddCommand(newSecretsListCommand(g), newSecretsSetCommand(g), newSecretsRekeyCommand(g), newSecretsRotateCommand(g))
	return cmd
}

// secretsContext is what every secrets command works from: the
// deployment, its secrets and the host keys state recorded.
type secretsContext struct {
	dep     *config.Deployment
	secrets []generator.HostSecret
	state   *state.State
}

// secretsContext loads the deployment and state without reaching any
// provider: listing, setting and re-sealing secrets work offline.
func (g *globals) secretsContext(w io.Writer, vars []config.VarArg) (*secretsContext, error) {
	b, ok := g.build(w, vars)
	if !ok {
		return nil, exitError{}
	}
	dep := b.dep
	cat, _ := g.catalogue()
	list, diags := generator.Secrets(dep, cat)
	if diags.HasErrors() {
		g.printer(w).print(diags)
		return nil, exitError{}
	}
	return &secretsContext{dep: dep, secrets: list, state: b.state}, nil
}

// secretsContext is the session's view of its secrets.
func (s *session) secretsContext() *secretsContext {
	return &secretsContext{dep: s.dep, secrets: s.secrets, state: s.state}
}

// hostKey is the key a machine's secrets are sealed to: the one its
// installed system presents (an unfinished install's new key first);
// "" while freecloud has never reached the machine.
func (c *secretsContext) hostKey(machine string) string {
	if c.state == nil {
		return ""
	}
	h := c.state.Host(machine)
	if h == nil {
		return ""
	}
	if h.NextSSHHostKey != "" {
		return h.NextSSHHostKey
	}
	return h.SSHHostKey
}

// sealed are the secrets that have a ciphertext (provided and shared).
func (c *secretsContext) sealed() []generator.HostSecret {
	var out []generator.HostSecret
	for _, s := range c.secrets {
		if s.Ciphertext != "" {
			out = append(out, s)
		}
	}
	return out
}

// find returns the secrets SERVICE NAME names, on one machine or on all
// that have it, with an error that lists what exists when none matches.
func (c *secretsContext) find(service, name, machine string) ([]generator.HostSecret, error) {
	var out, ofService []generator.HostSecret
	var names []string
	for _, s := range c.secrets {
		if machine != "" && s.Machine != machine {
			continue
		}
		names = append(names, s.Service+" "+s.Name)
		if s.Service == service {
			ofService = append(ofService, s)
			if s.Name == name {
				out = append(out, s)
			}
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if machine != "" && c.dep.Machine(machine) == nil {
		var machines []string
		for _, m := range c.dep.Machines {
			machines = append(machines, m.Name)
		}
		return nil, fmt.Errorf("the deployment has no machine %q.%s", machine, lang.DidYouMean(machine, machines))
	}
	where := ""
	if machine != "" {
		where = " on machine " + machine
	}
	if len(ofService) == 0 {
		return nil, fmt.Errorf("no service %q has secrets%s.%s `freecloud secrets list` shows them all", service, where, lang.DidYouMean(service+" "+name, names))
	}
	var own []string
	for _, s := range ofService {
		own = append(own, s.Name)
	}
	return nil, fmt.Errorf("service %q has no secret %q%s; it has %s.%s", service, name, where, strings.Join(unique(own), ", "), lang.DidYouMean(name, own))
}

func unique(list []string) []string {
	sort.Strings(list)
	return slices.Compact(list)
}

// What secrets list says of a secret, in one word.
const (
	statusOnHost  = "on-host" // generated: nothing to seal
	statusMissing = "missing"
	statusCurrent = "current"
	// statusStale: sealed to another host key, or not to exactly the
	// recovery recipients.
	statusStale = "stale"
	// statusUnsealed: the machine has no host key yet, so only the
	// recovery recipients can open it.
	statusUnsealed   = "unsealed"
	statusUnreadable = "unreadable"
)

// secretState says where a sealed secret stands, and what to do about it.
type secretState struct {
	Status string
	Detail string
}

func (c *secretsContext) stateOf(s generator.HostSecret) secretState {
	if s.Ciphertext == "" {
		return secretState{Status: statusOnHost, Detail: "generated on the host, never leaves it"}
	}
	data, err := os.ReadFile(filepath.Join(c.dep.Dir, s.Ciphertext))
	if errors.Is(err, os.ErrNotExist) {
		if s.Source == generator.SourceShared {
			return secretState{Status: statusMissing, Detail: "made by the next apply"}
		}
		return secretState{Status: statusMissing, Detail: fmt.Sprintf("run: freecloud secrets set %s %s --machine %s", s.Service, s.Name, s.Machine)}
	}
	if err != nil {
		return secretState{Status: statusUnreadable, Detail: err.Error()}
	}
	key := c.hostKey(s.Machine)
	st, err := secrets.Status(data, key, c.dep.RecoveryRecipients)
	if err != nil {
		return secretState{Status: statusUnreadable, Detail: err.Error()}
	}
	switch {
	case key == "":
		return secretState{Status: statusUnsealed, Detail: "the machine has no host key yet: sealed to recovery recipients only; run freecloud secrets rekey after apply"}
	case !st.HostKey:
		return secretState{Status: statusStale, Detail: "sealed to another host key than the machine's: run freecloud secrets rekey"}
	case !st.RecoveryComplete():
		return secretState{Status: statusStale, Detail: "not sealed to every recovery recipient: run freecloud secrets rekey"}
	case !st.Current():
		return secretState{Status: statusStale, Detail: "also sealed to a recipient the deployment no longer names (an old host key, a removed recovery recipient): run freecloud secrets rekey"}
	}
	return secretState{Status: statusCurrent, Detail: "sealed to the host key and the recovery recipients"}
}

func newSecretsListCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show every secret, how it is made, where it lives and whether its ciphertext is current",
		Example: `  freecloud secrets list
  freecloud secrets list --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format is text or json, not %q", format)
			}
			c, err := g.secretsContext(cmd.ErrOrStderr(), vars)
			if err != nil {
				return err
			}
			type row struct {
				Machine    string `json:"machine"`
				Service    string `json:"service"`
				Name       string `json:"name"`
				Source     string `json:"source"`
				Rule       string `json:"rule,omitempty"`
				Path       string `json:"path"`
				Ciphertext string `json:"ciphertext,omitempty"`
				Status     string `json:"status"`
				Detail     string `json:"detail"`
			}
			rows := []row{}
			for _, s := range c.secrets {
				st := c.stateOf(s)
				rows = append(rows, row{s.Machine, s.Service, s.Name, s.Source, s.Rule, s.Path, s.Ciphertext, st.Status, st.Detail})
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "The deployment has no secrets.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "MACHINE\tSERVICE\tSECRET\tMADE\tON THE HOST\tSTATUS")
			for _, r := range rows {
				made := r.Source
				if r.Rule != "" {
					made += " (" + r.Rule + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s: %s\n", r.Machine, r.Service, r.Name, made, r.Path, r.Status, r.Detail)
			}
			return tw.Flush()
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func newSecretsSetCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var machine string
	cmd := &cobra.Command{
		Use:   "set SERVICE NAME",
		Short: "Seal a value the operator provides to the hosts that need it",
		Long: `set reads the value from standard input (without echo on a terminal; one
trailing newline is dropped), seals it with age to the host key of every
machine that has the secret (or --machine's only) and to the deployment's
recovery_recipients, and writes secrets/<machine>/<service>.<name>.age. The
value is kept in memory only. Commit the files and run freecloud apply to
put them on the hosts.

A machine freecloud has not reached yet has no host key: its file is sealed
to the recovery recipients only, and freecloud secrets rekey seals it to the
host once apply has created it.`,
		Example: `  freecloud secrets set backup password < password.txt
  pass show acme/smtp | freecloud secrets set mail smtp_password --machine web1`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.secretsContext(cmd.ErrOrStderr(), vars)
			if err != nil {
				return err
			}
			targets, err := c.find(args[0], args[1], machine)
			if err != nil {
				return err
			}
			for _, s := range targets {
				if s.Source != generator.SourceProvided {
					return fmt.Errorf("%s/%s on %s is %s: %s", s.Service, s.Name, s.Machine, describeSource(s), "freecloud secrets rotate makes a new value")
				}
				if c.hostKey(s.Machine) == "" && len(c.dep.RecoveryRecipients) == 0 {
					return fmt.Errorf("machine %s has no host key yet (freecloud has not reached it) and the deployment declares no recovery_recipients, so nobody could decrypt %s/%s: add recovery_recipients = [\"age1…\" or \"ssh-ed25519 …\"] to the deployment block, or set the secret after apply", s.Machine, s.Service, s.Name)
				}
			}
			value, err := readSecretValue(cmd.InOrStdin(), cmd.ErrOrStderr(), args[0]+"/"+args[1])
			if err != nil {
				return err
			}
			defer clear(value)
			for _, s := range targets {
				key := c.hostKey(s.Machine)
				data, err := secrets.Seal(value, key, c.dep.RecoveryRecipients)
				if err != nil {
					return fmt.Errorf("%s: %w", s.Ciphertext, err)
				}
				if err := secrets.WriteFile(c.dep.Dir, s.Ciphertext, data); err != nil {
					return err
				}
				to := "the host key of " + s.Machine
				if key == "" {
					to = "the recovery recipients only (" + s.Machine + " has no host key yet: run freecloud secrets rekey after apply)"
				} else if n := len(c.dep.RecoveryRecipients); n > 0 {
					to += fmt.Sprintf(" and %d recovery recipient(s)", n)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Sealed %s/%s to %s: %s\n", s.Service, s.Name, to, s.Ciphertext)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Commit the file(s) and run freecloud apply to put them on the host(s).")
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringVar(&machine, "machine", "", "set it on this `machine` only (default: every machine that has the secret)")
	return cmd
}

func describeSource(s generator.HostSecret) string {
	switch s.Source {
	case generator.SourceGenerated:
		return "generated on the host"
	case generator.SourceShared:
		return "made by freecloud and shared by the machines of the service"
	}
	return "provided by the operator"
}

// readSecretValue reads a secret from in: without echo when in is a
// terminal (asking on prompt), else to its end. One trailing newline is
// dropped — what echo and most editors add.
func readSecretValue(in io.Reader, prompt io.Writer, what string) ([]byte, error) {
	var value []byte
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompt, "Value of %s (not shown): ", what)
		v, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return nil, fmt.Errorf("reading the value: %w", err)
		}
		value = v
	} else {
		v, err := io.ReadAll(io.LimitReader(in, maxSecretSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading the value from standard input: %w", err)
		}
		if len(v) > maxSecretSize {
			clear(v)
			return nil, fmt.Errorf("the value of %s is over %d bytes; a secret that large belongs in a file the service reads, not in a secret", what, maxSecretSize)
		}
		value = v
	}
	value = bytes.TrimSuffix(value, []byte("\n"))
	value = bytes.TrimSuffix(value, []byte("\r"))
	if len(value) == 0 {
		return nil, fmt.Errorf("the value of %s is empty: give it on standard input, e.g. freecloud secrets set … < file", what)
	}
	return value, nil
}

// maxSecretSize bounds what set reads: a secret is a password or a key,
// and standard input that never ends must not fill memory.
const maxSecretSize = 1 << 20

func newSecretsRekeyCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var identityFiles []string
	var machine string
	var all bool
	cmd := &cobra.Command{
		Use:   "rekey",
		Short: "Seal ciphertexts again to their machines' current host keys and recovery recipients",
		Long: `rekey re-seals every ciphertext that is not sealed to its machine's current
host key (after a reinstall or a move) or to every recovery recipient (after
one was added). It decrypts with --identity, an age identity file or the SSH
private key of a recovery recipient, in memory only.`,
		Example: `  freecloud secrets rekey --identity ~/.ssh/id_ed25519
  freecloud secrets rekey --identity recovery.agekey --machine web1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.secretsContext(cmd.ErrOrStderr(), vars)
			if err != nil {
				return err
			}
			if machine != "" && c.dep.Machine(machine) == nil {
				return fmt.Errorf("the deployment has no machine %q", machine)
			}
			todo, err := c.needResealing(machine, all)
			if err != nil {
				return err
			}
			if len(todo) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "Every ciphertext is sealed to its machine's host key and the recovery recipients: nothing to do.")
				return nil
			}
			if len(identityFiles) == 0 {
				return fmt.Errorf("%d ciphertext(s) must be re-sealed (%s); decrypting them takes a recovery identity: pass --identity FILE, an age identity file or the SSH private key of one of the deployment's recovery_recipients", len(todo), ciphertextList(todo))
			}
			ids, err := loadIdentities(identityFiles, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := c.reseal(todo, ids, nil, cmd.OutOrStdout()); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Commit the file(s) and run freecloud apply to put them on the host(s).")
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringArrayVarP(&identityFiles, "identity", "i", nil, "an age identity file or an SSH private key to decrypt with (repeatable)")
	cmd.Flags().StringVar(&machine, "machine", "", "re-seal this `machine`'s ciphertexts only")
	cmd.Flags().BoolVar(&all, "all", false, "re-seal current ciphertexts too (e.g. after removing a recovery recipient)")
	return cmd
}

func ciphertextList(list []generator.HostSecret) string {
	var names []string
	for _, s := range list {
		names = append(names, s.Ciphertext)
	}
	return strings.Join(names, ", ")
}

// loadIdentities reads identity files, asking for an SSH key's passphrase
// on the terminal when it is encrypted.
func loadIdentities(files []string, prompt io.Writer) ([]age.Identity, error) {
	var ids []age.Identity
	for _, f := range files {
		passphrase := func() ([]byte, error) {
			if !term.IsTerminal(int(os.Stdin.Fd())) {
				return nil, fmt.Errorf("%s is encrypted and there is no terminal to ask for its passphrase", f)
			}
			fmt.Fprintf(prompt, "Passphrase of %s: ", f)
			p, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Fprintln(prompt)
			return p, err
		}
		more, err := secrets.LoadIdentities(f, passphrase)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	return ids, nil
}

func newSecretsRotateCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var machine string
	cmd := &cobra.Command{
		Use:   "rotate SERVICE NAME",
		Short: "Make a host generate a new value of a generated secret and restart what reads it",
		Long: `rotate connects to the host of the service over SSH (its pinned host key),
and has the secret's unit make a new value there; the units that read the
secret restart. The value never leaves the host. Mind what the secret
protects: a service that stored the old value elsewhere (a database role's
password set once at setup) may need that changed too.`,
		Example: `  freecloud secrets rotate cloud admin_password`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// The providers tell where a cloud server is now.
			s, ok := g.connect(ctx, cmd.ErrOrStderr(), vars)
			if !ok {
				return exitError{}
			}
			targets, err := s.secretsContext().find(args[0], args[1], machine)
			if err != nil {
				return err
			}
			for _, sec := range targets {
				if sec.Source != generator.SourceGenerated {
					return fmt.Errorf("%s/%s on %s is %s: set a new value with freecloud secrets set %s %s", sec.Service, sec.Name, sec.Machine, describeSource(sec), sec.Service, sec.Name)
				}
			}
			actual, err := infra.Refresh(ctx, s.dep.Name, s.provs)
			if err != nil {
				return err
			}
			auth := sshx.DefaultAuth()
			defer auth.Close()
			for _, sec := range targets {
				m := s.dep.Machine(sec.Machine)
				conn, err := s.dialDeployed(ctx, auth, m, actual)
				if errors.As(err, new(errNotDeployed)) {
					return fmt.Errorf("freecloud has not deployed %s yet, so it has no secret to rotate: run freecloud apply first", m.Name)
				}
				if err != nil {
					return err
				}
				rot, err := deploy.RotateSecret(ctx, conn, deployRoot(m.Name), sec.Service, sec.Name, sec.Consumers)
				conn.Close()
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: made a new %s/%s (%s restarted)\n", m.Name, sec.Service, sec.Name, rot.Unit)
				for _, u := range slices.Sorted(maps.Keys(rot.Restarted)) {
					fmt.Fprintf(cmd.OutOrStdout(), "  %s: %s\n", u, rot.Restarted[u])
				}
			}
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringVar(&machine, "machine", "", "rotate on this `machine` only")
	return cmd
}

// needResealing lists the ciphertexts (of one machine, or all) that are
// not sealed to their machine's current host key and every recovery
// recipient; with all, the current ones too. Machines without a host key
// yet are left for later: there is nothing to seal to.
func (c *secretsContext) needResealing(machine string, all bool) ([]generator.HostSecret, error) {
	if machine != "" && c.dep.Machine(machine) == nil {
		return nil, fmt.Errorf("the deployment has no machine %q", machine)
	}
	var todo []generator.HostSecret
	for _, s := range c.sealed() {
		if machine != "" && s.Machine != machine {
			continue
		}
		switch st := c.stateOf(s); st.Status {
		case statusStale:
			todo = append(todo, s)
		case statusCurrent:
			if all {
				todo = append(todo, s)
			}
		case statusUnreadable:
			return nil, fmt.Errorf("%s: %s", s.Ciphertext, st.Detail)
		}
	}
	return todo, nil
}

// reseal decrypts each ciphertext with ids, in memory, and seals it again
// to its machine's host key and the recovery recipients. tree, when not
// nil, gets the new ciphertexts too, so that a deploy in the same run
// carries them.
func (c *secretsContext) reseal(todo []generator.HostSecret, ids []age.Identity, tree generator.Tree, w io.Writer) error {
	for _, s := range todo {
		data, err := os.ReadFile(filepath.Join(c.dep.Dir, s.Ciphertext))
		if err != nil {
			return err
		}
		out, err := secrets.Rekey(data, ids, c.hostKey(s.Machine), c.dep.RecoveryRecipients)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Ciphertext, err)
		}
		if err := secrets.WriteFile(c.dep.Dir, s.Ciphertext, out); err != nil {
			return err
		}
		if tree != nil {
			tree[filepath.ToSlash(s.Ciphertext)] = out
		}
		fmt.Fprintf(w, "Re-sealed %s to the host key of %s\n", s.Ciphertext, s.Machine)
	}
	return nil
}

// notes are plan's words on the sealed secrets a host cannot use as they
// are, given what the plan installs.
func (c *secretsContext) notes(p *plan.Plan) []plan.SecretNote {
	installs := map[string]bool{}
	for _, d := range p.Deploys {
		if d.Install {
			installs[d.Machine] = true
		}
	}
	afterApply := "after apply: freecloud secrets rekey --identity FILE, then apply again"
	var out []plan.SecretNote
	for _, s := range c.sealed() {
		note := plan.SecretNote{Machine: s.Machine, Secret: s.Service + "/" + s.Name}
		switch st := c.stateOf(s); {
		case st.Status == statusMissing && s.Source == generator.SourceShared:
			note.Problem, note.Fix = "is not made yet", "apply makes it once every machine of the service has a host key"
		case st.Status == statusMissing:
			note.Problem = "is not set: the units that read it will not start"
			note.Fix = fmt.Sprintf("freecloud secrets set %s %s --machine %s", s.Service, s.Name, s.Machine)
		case st.Status == statusUnsealed || installs[s.Machine]:
			note.Problem = "is not sealed to the host key the machine will have (it is installed by this plan, or not created yet)"
			note.Fix = afterApply
		case st.Status == statusStale:
			note.Problem = "is sealed to another host key than the machine's, or misses a recovery recipient"
			note.Fix = "freecloud secrets rekey --identity FILE, or apply --identity FILE"
		case st.Status == statusUnreadable:
			note.Problem, note.Fix = "cannot be read: "+st.Detail, "freecloud secrets set it again"
		default:
			continue
		}
		out = append(out, note)
	}
	return out
}

// sealForDeploy brings the ciphertexts up to date before apply plans the
// deploys, so that the hosts get what they can decrypt: it makes the
// shared secrets no machine has yet, and with identities it re-seals what
// is sealed to an old host key (and a shared secret to a machine that
// joined its service). Files are written to the deployment directory, to
// commit, and into the tree the deploys carry.
func (s *session) sealForDeploy(w, prompt io.Writer, identityFiles []string) error {
	c := s.secretsContext()
	var ids []age.Identity
	if len(identityFiles) > 0 {
		var err error
		if ids, err = loadIdentities(identityFiles, prompt); err != nil {
			return err
		}
		todo, err := c.needResealing("", false)
		if err != nil {
			return err
		}
		if err := c.reseal(todo, ids, s.tree, w); err != nil {
			return err
		}
	}
	return c.makeShared(ids, s.tree, w)
}

// makeShared seals each shared secret to the machines of its service that
// lack it. A secret no machine has yet is made here, in memory, once every
// machine has a host key (else a machine created later could only get it
// through a recovery identity); one some machines have is opened with ids
// to seal it to the others.
func (c *secretsContext) makeShared(ids []age.Identity, tree generator.Tree, w io.Writer) error {
	groups := map[string][]generator.HostSecret{}
	var order []string
	for _, s := range c.sealed() {
		if s.Source != generator.SourceShared {
			continue
		}
		// The machines holding one value: a required profile's instance
		// on each machine is that machine's own.
		key := s.Service + "/" + s.Name + " on " + strings.Join(s.SharedWith, ", ")
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], s)
	}
	for _, key := range order {
		var have []byte
		var missing []generator.HostSecret
		for _, s := range groups[key] {
			data, err := os.ReadFile(filepath.Join(c.dep.Dir, s.Ciphertext))
			switch {
			case errors.Is(err, os.ErrNotExist):
				missing = append(missing, s)
			case err != nil:
				return err
			case have == nil:
				have = data
			}
		}
		if len(missing) == 0 {
			continue
		}
		for _, s := range missing {
			if c.hostKey(s.Machine) == "" {
				missing = nil // wait until every machine can be sealed to
				break
			}
		}
		if len(missing) == 0 {
			continue
		}
		var value []byte
		var err error
		if have == nil {
			// The file the host gets, as its module would write a
			// generated secret (env, prefix).
			var raw []byte
			if raw, err = secrets.Generate(missing[0].Rule, missing[0].Length); err == nil {
				value = missing[0].Content(raw)
				clear(raw)
			}
		} else if len(ids) > 0 {
			value, err = secrets.Open(have, ids)
		} else {
			fmt.Fprintf(w, "Note: %s is shared, and %d machine(s) of its service do not have it yet: apply --identity FILE (a recovery identity) seals it to them.\n", key, len(missing))
			continue
		}
		if err != nil {
			return fmt.Errorf("shared secret %s: %w", key, err)
		}
		for _, s := range missing {
			data, err := secrets.Seal(value, c.hostKey(s.Machine), c.dep.RecoveryRecipients)
			if err == nil {
				err = secrets.WriteFile(c.dep.Dir, s.Ciphertext, data)
			}
			if err != nil {
				clear(value)
				return fmt.Errorf("shared secret %s: %w", key, err)
			}
			if tree != nil {
				tree[filepath.ToSlash(s.Ciphertext)] = data
			}
			fmt.Fprintf(w, "Sealed shared secret %s to %s: %s\n", key, s.Machine, s.Ciphertext)
		}
		clear(value)
	}
	return nil
}
