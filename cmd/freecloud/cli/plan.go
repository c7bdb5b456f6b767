package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/freecloud/freecloud/apply"
	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/infra"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/state"
	"github.com/spf13/cobra"
)

// exitCode is returned by a command that succeeded but reports something
// through its exit status (plan --detailed-exitcode: 2 = changes).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func newPlanCommand(g *globals) *cobra.Command {
	var vars []config.VarArg
	var out string
	var asJSON, detailed, infraOnly bool
	inspect := true
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change at the providers",
		Long: `plan compares the resources the deployment needs with what its providers
have (one list call per kind of resource) and shows what apply would do:
create (+), update in place (~), replace (-/+) and delete (-). It also looks
at every reachable host over SSH and shows which would get NixOS installed
(a new server, a machine running another system: its disk is erased) or be
deployed (configuration changed, or changed by hand), and the host key a
machine presents on first contact. Changes that lose data are marked.
--out saves the plan for apply to carry out exactly.`,
		Example: `  freecloud plan
  freecloud plan --out tonight.plan && freecloud apply tonight.plan
  freecloud plan --detailed-exitcode   # 0: no changes, 2: changes, 1: error`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, ok := g.connect(ctx, cmd.ErrOrStderr(), vars)
			if !ok {
				return exitError{}
			}
			if infraOnly {
				s.tree = nil // no hosts to plan
			}
			p, _, err := s.plan(ctx, inspect)
			if err != nil {
				return err
			}
			if out != "" {
				data, err := p.JSON()
				if err != nil {
					return err
				}
				if err := os.WriteFile(out, data, 0o600); err != nil {
					return err
				}
			}
			if asJSON {
				data, err := p.JSON()
				if err != nil {
					return err
				}
				cmd.OutOrStdout().Write(data)
			} else {
				fmt.Fprint(cmd.OutOrStdout(), p.Text())
				if out != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "\nSaved the plan to %s: freecloud apply %s carries out exactly this.\n", out, out)
				}
			}
			if err := s.checkInstalls(p); err != nil {
				return err
			}
			if detailed && !p.Empty() {
				return exitCode(2)
			}
			return nil
		},
	}
	addVarFlags(cmd.Flags(), &vars)
	cmd.Flags().StringVar(&out, "out", "", "save the plan to `FILE` for apply")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are, 1 on errors")
	cmd.Flags().BoolVar(&infraOnly, "infra-only", false, "plan the providers' resources only, no host installs or deploys")
	cmd.Flags().BoolVar(&inspect, "inspect-hosts", true, "look at each reachable host over SSH (runs NixOS? what is deployed? changed by hand?); false plans hosts from state alone")
	return cmd
}

// applyOptions are the flags of apply and destroy.
type applyOptions struct {
	vars          []config.VarArg
	autoApprove   bool
	allowDataLoss bool
	parallelism   int
	failFast      bool
	lockTimeout   time.Duration
	inspect       bool
	infraOnly     bool
	hosts         hostOptions
	// identities decrypt ciphertexts to re-seal before deploying.
	identities []string
}

func (o *applyOptions) flags(cmd *cobra.Command) {
	addVarFlags(cmd.Flags(), &o.vars)
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "do not ask for confirmation (for scripts)")
	cmd.Flags().BoolVar(&o.allowDataLoss, "allow-data-loss", false, "allow deleting or replacing resources that hold data")
	cmd.Flags().IntVar(&o.parallelism, "parallelism", 10, "how many changes, and then how many host deploys, run at once")
	cmd.Flags().BoolVar(&o.failFast, "fail-fast", false, "start no further host deploy once one has failed")
	cmd.Flags().DurationVar(&o.lockTimeout, "lock-timeout", 0, "how long to wait for another run's lock, e.g. 2m")
	cmd.Flags().StringArrayVarP(&o.identities, "identity", "i", nil, "an age identity file or the SSH private key of a recovery recipient: apply re-seals secrets sealed to an old host key before deploying (repeatable)")
	cmd.Flags().BoolVar(&o.infraOnly, "infra-only", false, "change the providers' resources only: install and deploy the hosts in a later apply")
	cmd.Flags().BoolVar(&o.inspect, "inspect-hosts", true, "look at each reachable host over SSH while planning; false plans hosts from state alone")
	cmd.Flags().StringVar(&o.hosts.buildOnFlag, "build-on", "host", "where deployed systems are built: `host` (each host builds its own; no Nix needed here) or local (this machine's Nix builds, and only what a host lacks is sent over SSH); installs build on the machine")
	cmd.Flags().StringVar(&o.hosts.installer, "installer", "", "the kexec installer tarball an install boots: an http(s) `URL` the machine downloads, or a local file sent over SSH (air-gapped sites); {arch} becomes x86_64 or aarch64 (default: nixos-images' kexec installer on GitHub)")
}

func newApplyCommand(g *globals) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply [PLAN_FILE]",
		Short: "Create, change and delete the deployment's resources at its providers",
		Long: `apply makes the providers match the deployment: it plans (or reads a plan
saved by plan --out, which must still match state, configuration and host
keys), asks for confirmation, and carries the changes out in dependency
order, several at once, recording each in state as it completes. Then it
installs NixOS where the plan says so (kexec into the installer, the
flake's disk layout, nixos-install, a host key generated on the machine)
and deploys the planned hosts over SSH, --parallelism at once, with health
checks and an automatic rollback. Deleting or replacing a resource that
holds data, or installing over a machine that exists, needs
--allow-data-loss or a confirmation. One failing host does not stop the
others unless --fail-fast. An interrupted apply leaves consistent state;
running it again converges.`,
		Example: `  freecloud apply
  freecloud apply --auto-approve --parallelism 20
  freecloud apply tonight.plan
  freecloud apply --installer ./nixos-kexec-installer-noninteractive-{arch}-linux.tar.gz   # air-gapped
  freecloud apply --build-on local   # build with this machine's Nix`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			return g.runApply(cmd, o, file, false)
		},
	}
	o.flags(cmd)
	return cmd
}

func newDestroyCommand(g *globals) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete every resource of the deployment at its providers",
		Long: `destroy plans the deletion of every resource labelled with the deployment,
shows it, and after confirmation deletes them, dependents first. Data on
servers and volumes is lost, so it asks even more clearly; --auto-approve
skips the question for scripts.`,
		Example: `  freecloud destroy
  freecloud destroy --auto-approve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.runApply(cmd, o, "", true)
		},
	}
	o.flags(cmd)
	return cmd
}

func (g *globals) runApply(cmd *cobra.Command, o *applyOptions, planFile string, destroy bool) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var err error
	if o.hosts.buildOn, err = deploy.ParseBuildOn(o.hosts.buildOnFlag); err != nil {
		return err
	}
	s, ok := g.connect(ctx, stderr, o.vars)
	if !ok {
		return exitError{}
	}
	operation := "apply"
	if destroy {
		operation = "destroy"
		s.desired = without(s.desired)
	}
	if destroy || o.infraOnly {
		s.tree = nil // nothing to deploy
	}
	lock, err := s.store.Lock(ctx, operation, o.lockTimeout)
	if err != nil {
		return err
	}
	defer lock.Release()
	if lock.Stale != nil {
		fmt.Fprintf(stderr, "Note: took over the lock of %s: that process no longer runs.\n", lock.Stale)
	}
	// State may have moved while we waited for the lock.
	if s.state, err = s.store.Read(); err != nil {
		return err
	}
	if s.tree != nil {
		if err := s.sealForDeploy(stdout, stderr, o.identities); err != nil {
			return err
		}
	}
	p, actual, err := s.plan(ctx, o.inspect && !destroy)
	if err != nil {
		return err
	}
	if planFile != "" {
		saved, err := readPlan(planFile)
		if err != nil {
			return err
		}
		if err := stillValid(saved, p, s.state); err != nil {
			return fmt.Errorf("%s can no longer be applied: %w. Run freecloud plan again", planFile, err)
		}
		p = saved
	}
	fmt.Fprint(stdout, p.Text())
	if p.Empty() {
		return nil
	}
	if err := s.checkInstalls(p); err != nil {
		return err
	}
	if loss, erased := p.DataLoss(), p.Erases(); len(loss)+len(erased) > 0 && !o.allowDataLoss && !destroy && o.autoApprove {
		return fmt.Errorf("the plan deletes or replaces %d resource(s) and erases %d machine(s) holding data; add --allow-data-loss to agree", len(loss), len(erased))
	}
	if !o.autoApprove {
		question := "\nApply these changes?"
		if destroy {
			question = "\nDestroy every resource of the deployment? Their data is lost."
		} else if len(p.DataLoss())+len(p.Erases()) > 0 {
			question = "\nApply these changes, LOSING the data listed above?"
		}
		yes, err := confirm(cmd.InOrStdin(), stdout, question)
		if err != nil {
			return err
		}
		if !yes {
			fmt.Fprintln(stdout, "Nothing was changed.")
			return exitError{}
		}
	}
	if s.state == nil {
		s.state = state.New(s.dep.Name)
	}
	engine := &apply.Engine{
		Deployment:  s.dep.Name,
		Providers:   s.provs,
		Store:       s.store,
		State:       s.state,
		Parallelism: o.parallelism,
		Progress:    progressPrinter(stdout),
	}
	if err := engine.Refresh(actual); err != nil {
		return err
	}
	if len(p.Changes) > 0 {
		fmt.Fprintln(stdout)
		start := time.Now()
		err = engine.Apply(ctx, p)
		summarize(stdout, p, err, time.Since(start))
	}
	if err != nil {
		if errors.Is(err, apply.ErrInterrupted) {
			return fmt.Errorf("%w; run apply again to continue", err)
		}
		return err
	}
	if len(p.Deploys) > 0 {
		if len(p.Changes) > 0 {
			// Servers created just now have addresses to deploy to.
			if actual, err = infra.Refresh(ctx, s.dep.Name, s.provs); err != nil {
				return err
			}
		}
		if err := s.deployHosts(ctx, stdout, p.Deploys, actual, o.parallelism, o.failFast, o.hosts); err != nil {
			return err
		}
	}
	if s.tree == nil {
		return nil
	}
	deployed := make([]string, len(p.Deploys))
	for i, d := range p.Deploys {
		deployed[i] = d.Machine
	}
	return s.converge(ctx, stdout, actual, deployed, o)
}

// stillValid refuses a saved plan made against other state or another
// configuration.
func stillValid(saved, fresh *plan.Plan, st *state.State) error {
	lineage, serial := "", int64(0)
	if st != nil {
		lineage, serial = st.Lineage, st.Serial
	}
	switch {
	case saved.Deployment != fresh.Deployment:
		return fmt.Errorf("it was made for deployment %q", saved.Deployment)
	case saved.Lineage != lineage:
		return fmt.Errorf("it was made against another state (lineage %q, now %q)", saved.Lineage, lineage)
	case saved.Serial != serial:
		return fmt.Errorf("state changed since it was made (serial %d, now %d)", saved.Serial, serial)
	case saved.ConfigHash != fresh.ConfigHash:
		return fmt.Errorf("the deployment's configuration changed since it was made")
	case !sameDeploys(saved.Deploys, fresh.Deploys):
		return fmt.Errorf("the hosts' configurations changed since it was made")
	}
	return nil
}

func readPlan(path string) (*plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := plan.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

var progressVerbs = map[plan.Action][2]string{
	plan.Create:  {"creating", "created"},
	plan.Update:  {"updating", "updated"},
	plan.Replace: {"replacing", "replaced"},
	plan.Delete:  {"deleting", "deleted"},
}

// progressPrinter prints one line per event.
func progressPrinter(w io.Writer) func(apply.Event) {
	return func(ev apply.Event) {
		c := ev.Change
		verbs := progressVerbs[c.Action]
		switch ev.Phase {
		case apply.Started:
			fmt.Fprintf(w, "%s: %s…\n", c.Address, verbs[0])
		case apply.Done:
			fmt.Fprintf(w, "%s: %s (%s)\n", c.Address, verbs[1], ev.Elapsed.Round(time.Second))
		case apply.Failed:
			fmt.Fprintf(w, "%s: FAILED: %v\n", c.Address, ev.Err)
		case apply.Skipped:
			fmt.Fprintf(w, "%s: not %s: %v\n", c.Address, verbs[1], ev.Err)
		}
	}
}

func summarize(w io.Writer, p *plan.Plan, err error, elapsed time.Duration) {
	status := "Apply complete"
	if err != nil {
		status = "Apply stopped"
	}
	counts := p.Counts()
	fmt.Fprintf(w, "\n%s after %s: of %d to create, %d to update, %d to replace, %d to delete; state is recorded.\n",
		status, elapsed.Round(time.Second), counts[plan.Create], counts[plan.Update], counts[plan.Replace], counts[plan.Delete])
}
