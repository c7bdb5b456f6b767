package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
)

// Bounds of plan's look at the hosts: it must stay quick, and a host that
// does not answer is planned from state.
const (
	inspectConnectTimeout = 10 * time.Second
	inspectTimeout        = 30 * time.Second
	inspectParallelism    = 16
)

// serverOf is the address of the resource a machine runs on at its
// provider (server.web1 at Hetzner, instance.web1 at AWS); "" on bare
// metal, which has none.
func (s *session) serverOf(m *config.Machine) string {
	if prov := s.provs[m.Provider.Address()]; prov != nil {
		for _, k := range prov.Kinds() {
			if k.Machine {
				return k.Kind + "." + m.Name
			}
		}
	}
	return ""
}

// address is where freecloud reaches a machine over SSH: the machine's own
// address when it declares one (bare metal, or a cloud server reached by
// a DNS name or over a VPN), else its server's public IPv4 as the provider
// reports it; "" while the server does not exist.
func (s *session) address(m *config.Machine, actual map[string][]*providers.Resource) string {
	if m.Address != "" {
		return m.Address
	}
	if server := s.server(m, actual); server != nil {
		return server.Outputs["ipv4"]
	}
	return ""
}

// server is the resource a machine runs on as its provider lists it; nil
// on bare metal and while it does not exist.
func (s *session) server(m *config.Machine, actual map[string][]*providers.Resource) *providers.Resource {
	if addr := s.serverOf(m); addr != "" {
		for _, r := range actual[m.Provider.Address()] {
			if r.Address() == addr {
				return r
			}
		}
	}
	return nil
}

// reportedKeys are the host keys a machine's provider says its server
// has (EC2's console); nil when the provider tells none, or not yet.
func (s *session) reportedKeys(ctx context.Context, m *config.Machine, actual map[string][]*providers.Resource) ([]string, error) {
	reporter, ok := s.provs[m.Provider.Address()].(providers.HostKeyReporter)
	server := s.server(m, actual)
	if !ok || server == nil {
		return nil, nil
	}
	return reporter.HostKeys(ctx, server)
}

// target is how to reach a machine, accepting the host keys of policy,
// through its jump host when it has one (pinned as state says, or trusted
// on first use).
func (s *session) target(m *config.Machine, addr string, policy sshx.HostKeyPolicy) (sshx.Target, error) {
	t := sshx.Target{Machine: m.Name, Host: addr, Port: m.Port, User: m.User, HostKey: policy}
	if j := m.Jump; j != nil {
		jump := sshx.Target{Machine: m.Name + "'s jump host " + j.String(), Host: j.Host, Port: j.Port, User: j.User, HostKey: sshx.TrustOnFirstUse()}
		if h := s.stateHost(m.Name); h != nil && h.JumpHostKey != "" {
			p, err := sshx.Pinned(h.JumpHostKey)
			if err != nil {
				return t, fmt.Errorf("state, host.%s: jump host key: %w", m.Name, err)
			}
			jump.HostKey = p
		}
		t.JumpHost = &jump
	}
	return t, nil
}

// dialDeployed connects to a machine freecloud has deployed, accepting
// only the host key state pins.
func (s *session) dialDeployed(ctx context.Context, auth *sshx.Auth, m *config.Machine, actual map[string][]*providers.Resource) (*sshx.Conn, error) {
	policy, known, err := s.knownKeys(m.Name)
	if err != nil {
		return nil, err
	}
	addr := s.address(m, actual)
	if !known || addr == "" {
		return nil, errNotDeployed{m.Name}
	}
	t, err := s.target(m, addr, policy)
	if err != nil {
		return nil, err
	}
	return sshx.Connect(ctx, t, auth)
}

// errNotDeployed: state pins no key for the machine, or it has no address.
type errNotDeployed struct{ machine string }

func (e errNotDeployed) Error() string {
	return fmt.Sprintf("freecloud has not deployed %s yet: run freecloud apply first", e.machine)
}

// stateHost is a machine's host record, nil when state has none.
func (s *session) stateHost(machine string) *state.Host {
	if s.state == nil {
		return nil
	}
	return s.state.Host(machine)
}

// knownKeys is the host key policy state allows for a machine: its pinned
// key, and the one an unfinished install generated; ok is false when
// state pins none.
func (s *session) knownKeys(machine string) (sshx.HostKeyPolicy, bool, error) {
	h := s.stateHost(machine)
	if h == nil {
		return sshx.HostKeyPolicy{}, false, nil
	}
	var keys []string
	for _, k := range []string{h.SSHHostKey, h.NextSSHHostKey} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return sshx.HostKeyPolicy{}, false, nil
	}
	p, err := sshx.Pinned(keys...)
	if err != nil {
		return p, false, fmt.Errorf("state, host.%s: %w", machine, err)
	}
	return p, true, nil
}

// inspection is what plan learnt of one machine.
type inspection struct {
	host        *plan.Host
	unreachable string
}

// inspectHosts looks at every machine that can be reached, several at
// once: whether it runs NixOS, what freecloud deployed on it, what it
// runs. A machine seen for the first time is trusted on first use for
// the look only; the key it showed goes into the plan for apply to pin.
func (s *session) inspectHosts(ctx context.Context, actual map[string][]*providers.Resource) map[string]inspection {
	out := map[string]inspection{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, inspectParallelism)
	auth := sshx.DefaultAuth()
	defer auth.Close()
	for _, m := range s.dep.Machines {
		addr := s.address(m, actual)
		if addr == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			in := s.inspect(ctx, auth, m, addr, actual)
			mu.Lock()
			out[m.Name] = in
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (s *session) inspect(ctx context.Context, auth *sshx.Auth, m *config.Machine, addr string, actual map[string][]*providers.Resource) inspection {
	ctx, cancel := context.WithTimeout(ctx, inspectTimeout)
	defer cancel()
	policy, known, err := s.knownKeys(m.Name)
	if err != nil {
		return inspection{unreachable: err.Error()}
	}
	if !known {
		policy = sshx.TrustOnFirstUse()
		// A key the provider reports is better than the first one seen.
		if keys, err := s.reportedKeys(ctx, m, actual); err == nil && len(keys) > 0 {
			if policy, err = sshx.Pinned(keys...); err != nil {
				return inspection{unreachable: fmt.Sprintf("the host keys its provider reports: %v", err)}
			}
			policy = policy.From("its provider's console")
		}
	}
	t, err := s.target(m, addr, policy)
	if err != nil {
		return inspection{unreachable: err.Error()}
	}
	t.ConnectTimeout = inspectConnectTimeout
	conn, err := sshx.Connect(ctx, t, auth)
	if err != nil {
		return inspection{unreachable: bareError(err)}
	}
	defer conn.Close()
	st, err := deploy.Inspect(ctx, conn, deployRoot(m.Name))
	if err != nil {
		return inspection{unreachable: bareError(err)}
	}
	h := &plan.Host{OS: st.OS, NixOS: st.NixOS, Installer: st.Installer, System: st.System, HostKey: conn.HostKey()}
	if st.Deployed != nil {
		h.Deployed, h.DeployedSystem = st.Deployed.Configuration, st.Deployed.System
	}
	return inspection{host: h}
}

// bareError leaves out the machine an *sshx.Error names: plan shows it
// under the machine already.
func bareError(err error) string {
	var se *sshx.Error
	if errors.As(err, &se) {
		return se.Detail()
	}
	return err.Error()
}

// checkInstalls refuses installs freecloud cannot do: a bare-metal
// machine names no boot_disk, so nothing says which disk may be erased.
func (s *session) checkInstalls(p *plan.Plan) error {
	var missing []string
	for _, d := range p.Deploys {
		if m := s.dep.Machine(d.Machine); d.Install && m != nil && m.Provider.Type == "baremetal" && m.BootDisk == "" {
			missing = append(missing, fmt.Sprintf("machine %s (%s:%d) needs NixOS installed (%s), but names no boot_disk: set boot_disk to the disk the install may erase, e.g. boot_disk = \"/dev/disk/by-id/…\" (ls -l /dev/disk/by-id on the machine), or install NixOS by hand with freecloud's disk labels (docs/architecture.md)",
				m.Name, m.DeclRange.Filename, m.DeclRange.Start.Line, d.Reason))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(missing, "\n"))
}
