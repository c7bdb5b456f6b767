package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/infra"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/aws"
	"github.com/freecloud/freecloud/providers/baremetal"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/state"
)

// session is a deployment connected to its providers, ready to plan.
type session struct {
	dep     *config.Deployment
	provs   map[string]providers.Provider
	desired map[string][]*providers.Resource
	store   *state.File
	state   *state.State // nil before the first apply
	// tree is the generated flake that deploys put on the hosts, and
	// health the checks of each machine's services.
	tree   generator.Tree
	health map[string][]generator.HealthCheck
	// secrets are every machine's secrets, for plan's notes on the sealed
	// ones and apply's re-sealing.
	secrets []generator.HostSecret
	// rebuild loads the deployment and generates its flake again, with
	// the facts state holds now.
	rebuild func(w io.Writer) (built, bool)
}

// openers connect to each provider type.
var openers = map[string]infra.Opener{
	"baremetal": func(context.Context, *config.Provider) (providers.Provider, error) { return baremetal.New(), nil },
	"hetzner":   openHetzner,
	"aws":       openAWS,
}

// openAWS takes credentials, region and endpoint from AWS's standard
// configuration chain (the environment, ~/.aws/config and credentials,
// profiles, SSO; AWS_ENDPOINT_URL_EC2), the block's region and profile
// first. New instances boot the NixOS release of the pinned nixpkgs.
// FREECLOUD_AWS_POLL_INTERVAL sets how often waits look (default 2s).
func openAWS(ctx context.Context, p *config.Provider) (providers.Provider, error) {
	opts := aws.Options{
		Region: p.Settings["region"], Profile: p.Settings["profile"],
		VPC: p.Settings["vpc_id"], Subnet: p.Settings["subnet_id"],
		Release: strings.TrimPrefix(generator.Nixpkgs.Ref, "nixos-"),
		Version: versionString(),
	}
	var err error
	if opts.PollInterval, err = durationEnv("FREECLOUD_AWS_POLL_INTERVAL"); err != nil {
		return nil, err
	}
	return aws.New(ctx, opts)
}

// durationEnv reads a positive duration from the environment; 0 when unset.
func durationEnv(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a duration like 500ms", name, v)
	}
	return d, nil
}

// openHetzner reads the same environment as Hetzner's own CLI: the token
// (HCLOUD_TOKEN), the endpoint (HCLOUD_ENDPOINT) and how often to look at
// running actions (HCLOUD_POLL_INTERVAL). The token is never stored.
func openHetzner(ctx context.Context, _ *config.Provider) (providers.Provider, error) {
	opts := hetzner.EnvOptions(os.LookupEnv)
	opts.Version = versionString()
	var err error
	if opts.PollInterval, err = durationEnv("HCLOUD_POLL_INTERVAL"); err != nil {
		return nil, err
	}
	return hetzner.New(ctx, opts)
}

// connect loads and checks the deployment (everything validate checks),
// connects to its providers and derives the resources it wants.
func (g *globals) connect(ctx context.Context, w io.Writer, vars []config.VarArg) (*session, bool) {
	b, ok := g.build(w, vars)
	if !ok {
		return nil, false
	}
	dep, tree, files := b.dep, b.tree, b.files
	cat, _ := g.catalogue()
	ports, diags := generator.PublicPorts(dep, cat)
	health, more := generator.HealthChecks(dep, cat)
	if more.HasErrors() { // its warnings are PublicPorts' too
		diags = append(diags, more...)
	}
	hostSecrets, more := generator.Secrets(dep, cat)
	if more.HasErrors() { // its warnings are Generate's too
		diags = append(diags, more...)
	}
	store, st := b.store, b.state
	held := map[string]bool{}
	if st != nil {
		for _, r := range st.Resources {
			held[r.Provider] = true
		}
	}
	provs, more := infra.Open(ctx, dep, openers, held)
	diags = append(diags, more...)
	var desired map[string][]*providers.Resource
	if !diags.HasErrors() {
		desired, more = infra.Desired(ctx, dep, provs, ports)
		diags = append(diags, more...)
	}
	if !diags.HasErrors() {
		diags = append(diags, infra.Validate(ctx, dep, provs, desired)...)
	}
	if diags.HasErrors() {
		g.printer(w, files).print(diags)
		fmt.Fprintf(w, "%s: %s.\n", displayDir(g.dir), summary(diags))
		return nil, false
	}
	rebuild := func(w io.Writer) (built, bool) { return g.build(w, vars) }
	return &session{dep: dep, provs: provs, desired: desired, store: store, state: st, tree: tree, health: health, secrets: hostSecrets, rebuild: rebuild}, true
}

// plan refreshes what the providers have and compares; with
// inspectHosts it also looks at every reachable host over SSH.
func (s *session) plan(ctx context.Context, inspectHosts bool) (*plan.Plan, map[string][]*providers.Resource, error) {
	actual, err := infra.Refresh(ctx, s.dep.Name, s.provs)
	if err != nil {
		return nil, nil, err
	}
	var inspected map[string]inspection
	if inspectHosts && s.tree != nil {
		inspected = s.inspectHosts(ctx, actual)
	}
	machines, err := s.machines(inspected)
	if err != nil {
		return nil, nil, err
	}
	p := plan.Make(plan.Input{
		Deployment: s.dep.Name,
		Desired:    s.desired,
		Actual:     actual,
		Kinds:      infra.Kinds(s.provs),
		State:      s.state,
		Machines:   machines,
	})
	if s.tree != nil {
		p.Secrets = s.secretsContext().notes(p)
		p.Cluster = s.clusterSteps(actual)
	}
	return p, actual, nil
}

// without returns a copy of desired with nothing wanted: what destroy
// plans against.
func without(desired map[string][]*providers.Resource) map[string][]*providers.Resource {
	out := map[string][]*providers.Resource{}
	for addr := range desired {
		out[addr] = nil
	}
	return out
}

// confirm asks on a terminal; elsewhere it refuses without --auto-approve,
// so a script never applies by accident.
func confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	f, ok := in.(*os.File)
	if !ok || !isTerminal(f) {
		return false, fmt.Errorf("not on a terminal, so nobody can confirm: run with --auto-approve to apply without asking")
	}
	fmt.Fprintf(out, "%s Only 'yes' is accepted: ", question)
	var answer string
	fmt.Fscanln(in, &answer)
	return strings.TrimSpace(answer) == "yes", nil
}
