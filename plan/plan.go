// Package plan compares what a deployment wants with what its providers
// have and decides what to do: create, update in place, replace, delete.
// It is pure: the inputs are resources already listed, the output a Plan
// that apply carries out exactly, or that is saved to a file first.
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
)

// An Action is what happens to one resource.
type Action string

const (
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
)

// A Change is one action on one resource.
type Change struct {
	Action Action `json:"action"`
	// Address is <kind>.<name>; Provider the provider's address
	// (provider.hetzner.eu).
	Address  string `json:"address"`
	Provider string `json:"provider"`
	// Before is the resource as the provider has it (nil for a create),
	// After as the deployment wants it (nil for a delete).
	Before *providers.Resource `json:"before,omitempty"`
	After  *providers.Resource `json:"after,omitempty"`
	// Diffs are the attributes that change.
	Diffs []Diff `json:"diffs,omitempty"`
	// DataLoss marks deleting or replacing a resource that holds data.
	DataLoss bool `json:"data_loss"`
	// Drift says that the provider no longer matches state: a resource
	// deleted outside freecloud (to be re-created).
	Drift string `json:"drift,omitempty"`
}

// A Diff is one attribute's change.
type Diff struct {
	Attr   string `json:"attr"`
	Old    string `json:"old"`
	New    string `json:"new"`
	Forces bool   `json:"forces_replacement"`
}

// FormatVersion is the version of saved plan files.
const FormatVersion = 1

// A Plan is every change for a deployment, with what it was made
// against: apply refuses a saved plan when state or configuration moved
// on since.
type Plan struct {
	Version    int    `json:"format_version"`
	Deployment string `json:"deployment"`
	// Lineage and Serial are those of the state the plan was made from.
	Lineage string `json:"lineage"`
	Serial  int64  `json:"serial"`
	// ConfigHash identifies the desired resources the plan was made for.
	ConfigHash string    `json:"config_hash"`
	Changes    []*Change `json:"changes"`
	// Deploys are the hosts apply switches to their generated
	// configuration, after the changes.
	Deploys []*Deploy `json:"deploys"`
	// Adopt are the addresses of resources the providers have, labelled
	// with the deployment, that state does not record: an apply was cut off
	// between creating and recording them, or state was lost. apply
	// records them.
	Adopt []string `json:"adopt,omitempty"`
	// Secrets are sealed secrets a host cannot use as they are: not set
	// yet, or sealed to a host key the machine no longer has (or will not
	// have once this plan installs it). They are the operator's to mend;
	// apply changes nothing about them.
	Secrets []SecretNote `json:"secrets,omitempty"`
	// Cluster is the work on services spanning machines that apply does
	// after the deploys: facts to collect from hosts, addresses to
	// record, storage layouts and pools to apply. Whatever it changes in
	// state, it redeploys the hosts whose configuration that changes.
	Cluster []ClusterStep `json:"cluster,omitempty"`
}

// A ClusterStep is one piece of cluster work.
type ClusterStep struct {
	Service string `json:"service"`
	Machine string `json:"machine,omitempty"`
	// Action is collect, record, layout or pool.
	Action string `json:"action"`
	Detail string `json:"detail"`
}

// A SecretNote is one sealed secret that needs the operator.
type SecretNote struct {
	Machine string `json:"machine"`
	// Secret is <service>/<name>.
	Secret string `json:"secret"`
	// Problem says what is wrong, Fix the command that mends it.
	Problem string `json:"problem"`
	Fix     string `json:"fix"`
}

// A Deploy is one host to deploy: NixOS installed on it first when it
// does not run it, then its configuration (hash: deploy.ConfigHash)
// switched to.
type Deploy struct {
	Machine string `json:"machine"`
	Hash    string `json:"hash"`
	// Previous is the hash last deployed; "" when never deployed.
	Previous string `json:"previous_hash"`
	// FirstContact: state pins no host key for the machine, so the key it
	// presents will be trusted on first use.
	FirstContact bool `json:"first_contact"`
	// HostKey is the key the machine presented to plan on first contact:
	// apply pins exactly this one, so that the operator who reviewed the
	// plan reviewed the key. "" when plan could not see it (a server the
	// plan creates, an unreachable machine).
	HostKey string `json:"host_key,omitempty"`
	// HostKeyFromProvider: on first contact apply reads the host keys
	// the machine reported through its provider's API (EC2's console)
	// and pins them, instead of trusting on first use.
	HostKeyFromProvider bool `json:"host_key_from_provider,omitempty"`
	// Install: NixOS is installed on the machine first, over SSH.
	Install bool `json:"install"`
	// Erases: the install erases a machine that exists and runs another
	// system, which loses what is on its boot disk.
	Erases bool `json:"erases"`
	// Reason says why the host is deployed, in words.
	Reason string `json:"reason"`
	// Drift says how the host was changed outside this state, if it was.
	Drift string `json:"drift,omitempty"`
	// Unreachable is why plan could not look at the host; it planned
	// from state instead.
	Unreachable string `json:"unreachable,omitempty"`
}

// A Machine is a host plan may install or deploy.
type Machine struct {
	Name string
	// Hash is the configuration hash of the machine in the generated flake.
	Hash string
	// Provider and Server are the provider address and the address of
	// the server resource the machine runs on; both "" on bare metal. A
	// server the plan creates or replaces is installed from scratch,
	// unless it BootsNixOS (an official NixOS image): then it is deployed.
	Provider, Server string
	BootsNixOS       bool
	// ReportsHostKeys: the provider tells the server's host keys through
	// its API (providers.HostKeyReporter), so a first contact pins them.
	ReportsHostKeys bool
	// Host is what the machine told plan over SSH; nil when plan did not
	// look (Unreachable says why, when it tried).
	Host        *Host
	Unreachable string
}

// A Host is what plan learnt from a machine over SSH.
type Host struct {
	// OS is os-release's ID; NixOS an installed NixOS; Installer NixOS's
	// installer running from RAM.
	OS               string
	NixOS, Installer bool
	// Deployed is the configuration hash of /etc/freecloud/deployed.json
	// and DeployedSystem the generation it switched to; System is the
	// generation that runs.
	Deployed, DeployedSystem, System string
	// HostKey is the key the machine presented.
	HostKey string
}

// Input is what a plan is made from, per provider address.
type Input struct {
	Deployment string
	Desired    map[string][]*providers.Resource
	Actual     map[string][]*providers.Resource
	Kinds      map[string][]providers.KindSpec
	// State is the current state (nil before the first apply).
	State *state.State
	// Machines are the hosts to install or deploy when they need it.
	Machines []Machine
}

// Make compares desired with actual resources, provider by provider.
func Make(in Input) *Plan {
	p := &Plan{Version: FormatVersion, Deployment: in.Deployment, ConfigHash: ConfigHash(in.Desired)}
	if in.State != nil {
		p.Lineage, p.Serial = in.State.Lineage, in.State.Serial
	}
	for _, prov := range providerAddresses(in) {
		specs := map[string]providers.KindSpec{}
		for _, k := range in.Kinds[prov] {
			specs[k.Kind] = k
		}
		actual := index(in.Actual[prov])
		desired := index(in.Desired[prov])
		for _, addr := range sortedKeys(actual) {
			if in.State == nil || in.State.ResourceAt(prov, addr) == nil {
				p.Adopt = append(p.Adopt, addr)
			}
		}
		for _, addr := range sortedKeys(desired) {
			want, spec := desired[addr], specs[desired[addr].Kind]
			have, exists := actual[addr]
			if !exists {
				c := &Change{Action: Create, Address: addr, Provider: prov, After: want}
				if in.State != nil && in.State.ResourceAt(prov, addr) != nil {
					c.Drift = "it is in state but gone at the provider (deleted outside freecloud); it will be created again"
				}
				p.Changes = append(p.Changes, c)
				continue
			}
			diffs := diff(have, want, spec)
			if len(diffs) == 0 {
				continue
			}
			c := &Change{Action: Update, Address: addr, Provider: prov, Before: have, After: want, Diffs: diffs}
			for _, d := range diffs {
				if d.Forces {
					c.Action, c.DataLoss = Replace, spec.HoldsData
				}
			}
			p.Changes = append(p.Changes, c)
		}
		for _, addr := range sortedKeys(actual) {
			if _, wanted := desired[addr]; !wanted {
				have := actual[addr]
				p.Changes = append(p.Changes, &Change{Action: Delete, Address: addr, Provider: prov, Before: have, DataLoss: specs[have.Kind].HoldsData})
			}
		}
	}
	p.Deploys = p.deploys(in.Machines, in.State)
	return p
}

// Deploys lists the machines to install or deploy, in the machines'
// order: a machine whose server the plan creates or replaces is installed;
// a machine plan reached is installed when it does not run NixOS, and
// deployed when the configuration it runs differs or was changed by hand;
// a machine plan did not reach is deployed when state says its hash
// changed.
func (p *Plan) deploys(machines []Machine, st *state.State) []*Deploy {
	fresh := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action == Create || c.Action == Replace {
			fresh[c.Provider+" "+c.Address] = true
		}
	}
	var out []*Deploy
	for _, m := range machines {
		var host *state.Host
		if st != nil {
			host = st.Host(m.Name)
		}
		d := &Deploy{Machine: m.Name, Hash: m.Hash, FirstContact: true, Unreachable: m.Unreachable}
		if host != nil {
			d.Previous, d.FirstContact = host.Deployed, host.SSHHostKey == "" && host.NextSSHHostKey == ""
		}
		d.HostKeyFromProvider = d.FirstContact && m.ReportsHostKeys
		if m.Server != "" && fresh[m.Provider+" "+m.Server] {
			d.Install, d.FirstContact, d.Previous, d.Unreachable = !m.BootsNixOS, true, "", ""
			d.Reason = "its server is created by this plan"
			if m.BootsNixOS {
				d.Reason += " from a NixOS image"
			}
			out = append(out, d)
			continue
		}
		if h := m.Host; h != nil {
			if d.FirstContact {
				d.HostKey = h.HostKey
			}
			if !decideFromHost(d, h) {
				continue
			}
			if d.Install && m.Server != "" && d.Previous == "" {
				// A server freecloud created and never deployed to ran
				// nothing but its provider's image.
				d.Erases = false
			}
		} else if d.Previous == d.Hash {
			continue
		} else if d.Reason = "configuration changed"; d.Previous == "" {
			d.Reason = "never deployed by freecloud"
		}
		out = append(out, d)
	}
	return out
}

// decideFromHost fills in what the machine itself says, and tells whether
// it needs anything.
func decideFromHost(d *Deploy, h *Host) bool {
	switch {
	case h.Installer:
		d.Install, d.Erases, d.Reason = true, true, "it runs the NixOS installer: an earlier install did not finish"
		return true
	case !h.NixOS:
		d.Install, d.Erases, d.Reason = true, true, "it runs "+orUnknown(h.OS)+", not NixOS"
		return true
	}
	if h.Deployed != "" && h.Deployed != d.Previous {
		if d.Previous == "" {
			d.Drift = fmt.Sprintf("the host runs configuration %s, deployed by freecloud from another state or directory", short(h.Deployed))
		} else {
			d.Drift = fmt.Sprintf("the host runs configuration %s, not %s as state records: deployed from elsewhere", short(h.Deployed), short(d.Previous))
		}
	}
	byHand := h.Deployed != "" && h.System != h.DeployedSystem
	if byHand {
		if d.Drift != "" {
			d.Drift += "; "
		}
		d.Drift += fmt.Sprintf("changed by hand: it runs %s, freecloud switched it to %s", h.System, h.DeployedSystem)
	}
	d.Previous = h.Deployed
	switch {
	case h.Deployed == d.Hash && !byHand:
		return false
	case h.Deployed == d.Hash:
		d.Reason = "changed by hand since freecloud deployed it"
	case h.Deployed == "":
		d.Reason = "never deployed by freecloud"
	default:
		d.Reason = "configuration changed"
	}
	return true
}

func orUnknown(os string) string {
	if os == "" {
		return "an unknown system"
	}
	return os
}

// Erases lists the deploys whose install erases a machine that exists.
func (p *Plan) Erases() []*Deploy {
	var out []*Deploy
	for _, d := range p.Deploys {
		if d.Erases {
			out = append(out, d)
		}
	}
	return out
}

// diff lists the attributes that differ; an attribute the deployment does
// not set, or that only says how the resource was first made
// (KindSpec.CreateOnly), is not compared.
func diff(have, want *providers.Resource, spec providers.KindSpec) []Diff {
	forces := map[string]bool{}
	for _, a := range spec.Replace {
		forces[a] = true
	}
	var out []Diff
	for _, attr := range sortedKeys(want.Attrs) {
		if slices.Contains(spec.CreateOnly, attr) {
			continue
		}
		if old := have.Attrs[attr]; old != want.Attrs[attr] {
			out = append(out, Diff{Attr: attr, Old: old, New: want.Attrs[attr], Forces: forces[attr]})
		}
	}
	return out
}

// Empty tells whether the plan changes nothing.
func (p *Plan) Empty() bool {
	return len(p.Changes) == 0 && len(p.Deploys) == 0 && len(p.Adopt) == 0 && len(p.Cluster) == 0
}

// DataLoss returns the changes that lose data.
func (p *Plan) DataLoss() []*Change {
	var out []*Change
	for _, c := range p.Changes {
		if c.DataLoss {
			out = append(out, c)
		}
	}
	return out
}

// Counts returns how many changes of each action the plan has.
func (p *Plan) Counts() map[Action]int {
	counts := map[Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
	}
	return counts
}

// ConfigHash is a digest of the desired resources: a saved plan is only
// applied to the configuration it was made for.
func ConfigHash(desired map[string][]*providers.Resource) string {
	type entry struct {
		Provider string              `json:"p"`
		Resource *providers.Resource `json:"r"`
	}
	var entries []entry
	for prov, rs := range desired {
		for _, r := range rs {
			entries = append(entries, entry{prov, r})
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Provider != entries[j].Provider {
			return entries[i].Provider < entries[j].Provider
		}
		return entries[i].Resource.Address() < entries[j].Resource.Address()
	})
	data, _ := json.Marshal(entries) // maps are encoded with sorted keys
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func index(rs []*providers.Resource) map[string]*providers.Resource {
	m := make(map[string]*providers.Resource, len(rs))
	for _, r := range rs {
		m[r.Address()] = r
	}
	return m
}

func providerAddresses(in Input) []string {
	set := map[string]bool{}
	for p := range in.Desired {
		set[p] = true
	}
	for p := range in.Actual {
		set[p] = true
	}
	return sortedKeys(set)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
