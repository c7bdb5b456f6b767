// Package state keeps what freecloud knows about the real world of a
// deployment: the resources it created at providers, the public keys and
// deployed configuration of each host, and the outputs. It never holds a
// secret or a token (DESIGN.md, principle 4): only identifiers, addresses
// and public keys.
//
// The state file is written atomically after every completed step and the
// previous version is kept, so an interrupted apply leaves a consistent
// state to converge from. A file this version cannot read is reported and
// never overwritten.
package state

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
)

// FormatVersion is the version of the state file format this code writes.
const FormatVersion = 1

// State is the content of a state file.
type State struct {
	Version int `json:"version"`
	// Lineage identifies one deployment's history; it is set when the
	// state is created and never changes, so a state file of another
	// deployment (or a saved plan made for one) is recognised.
	Lineage string `json:"lineage"`
	// Serial counts writes; a saved plan records it to detect that state
	// moved on since.
	Serial     int64             `json:"serial"`
	Deployment string            `json:"deployment"`
	Resources  []*Resource       `json:"resources"`
	Hosts      []*Host           `json:"hosts"`
	Outputs    map[string]string `json:"outputs,omitempty"`
	// Volumes are where the volumes of the zfs-pool services' consumers
	// are placed: kept as long as their providers exist, since moving a
	// volume means moving its data.
	Volumes []*Volume `json:"volumes,omitempty"`
	// Pools are the ZFS pools apply created. A pool recorded here is only
	// ever imported, never created again, even when it cannot be found.
	Pools []*Pool `json:"pools,omitempty"`
	// Layouts are, by service, the digest of the Garage layout apply
	// last applied (generator.LayoutDigest): a plan shows a layout step
	// while the declared one differs.
	Layouts map[string]string `json:"layouts,omitempty"`
}

// A Volume is one iSCSI volume of a consumer's pool on a provider.
type Volume struct {
	Service  string `json:"service"`
	Consumer string `json:"consumer"`
	Provider string `json:"provider"`
	SizeGB   int64  `json:"size_gb"`
}

// A Pool is a ZFS pool apply created on a machine for a service: the
// provider's pool of volumes or the consumer's RAIDZ3 pool.
type Pool struct {
	Service string `json:"service"`
	Machine string `json:"machine"`
	Name    string `json:"name"`
	// Devices are what it was created on, for storage status.
	Devices []string `json:"devices"`
}

// Pool returns the pool recorded for a machine by name, or nil.
func (s *State) Pool(machine, name string) *Pool {
	for _, p := range s.Pools {
		if p.Machine == machine && p.Name == name {
			return p
		}
	}
	return nil
}

// A Resource is one object freecloud created at a provider.
type Resource struct {
	// Provider is the provider's address, e.g. provider.hetzner.eu.
	Provider string `json:"provider"`
	// Kind is the provider's resource type: server, volume, ssh_key…
	Kind string `json:"kind"`
	// Name is freecloud's name for it, unique per kind in a deployment.
	Name string `json:"name"`
	// ID is the provider's identifier.
	ID string `json:"id"`
	// Attributes are the non-secret properties plan compares.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Address names a resource in commands and plans: <kind>.<name>, e.g.
// server.web1.
func (r *Resource) Address() string { return r.Kind + "." + r.Name }

// A Host is what freecloud learned about a machine running NixOS.
type Host struct {
	Machine string `json:"machine"`
	// SSHHostKey is the machine's public SSH host key, pinned on first
	// contact.
	SSHHostKey string `json:"ssh_host_key,omitempty"`
	// NextSSHHostKey is the key an install generated on the machine, which
	// it presents once it has rebooted into the installed system. Until
	// then both keys are accepted; the first connection that sees the new
	// one makes it SSHHostKey.
	NextSSHHostKey string `json:"next_ssh_host_key,omitempty"`
	// JumpHostKey is the key of the bastion the machine is reached
	// through (ssh_jump), pinned on first contact like the machine's.
	JumpHostKey string `json:"jump_host_key,omitempty"`
	// Deployed is the sha256 of the configuration last deployed.
	Deployed string `json:"deployed,omitempty"`
	// PublicKeys holds the public facts collected from the host for its
	// services (a WireGuard public key, a Garage node id), by
	// <service>.<fact> (profiles.FactKey).
	PublicKeys map[string]string `json:"public_keys,omitempty"`
	// PublicAddress is where the machine was reached from the internet
	// when apply last deployed it; its peers' configurations use it.
	PublicAddress string `json:"public_address,omitempty"`
	// MeshAddress is the machine's address in its mesh, kept so that it
	// stays the same while others join and leave.
	MeshAddress string `json:"mesh_address,omitempty"`
}

// New returns an empty state for a deployment, with a fresh lineage.
func New(deployment string) *State {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return &State{Version: FormatVersion, Lineage: hex.EncodeToString(b[:]), Deployment: deployment}
}

// Resource returns a resource with the given address, at whichever
// provider (the first, while a machine moves and both have one), or nil.
func (s *State) Resource(address string) *Resource {
	for _, r := range s.Resources {
		if r.Address() == address {
			return r
		}
	}
	return nil
}

// ResourceAt returns the resource with the given address at a provider,
// or nil. Two providers may hold the same address while a machine moves
// from one to the other (volume.web1-data at Hetzner and at AWS).
func (s *State) ResourceAt(provider, address string) *Resource {
	for _, r := range s.Resources {
		if r.Provider == provider && r.Address() == address {
			return r
		}
	}
	return nil
}

// Host returns the host record of a machine, or nil.
func (s *State) Host(machine string) *Host {
	for _, h := range s.Hosts {
		if h.Machine == machine {
			return h
		}
	}
	return nil
}

// SetResource adds or replaces a resource, keeping the list sorted so the
// file is stable.
func (s *State) SetResource(r *Resource) {
	for i, old := range s.Resources {
		if old.Provider == r.Provider && old.Address() == r.Address() {
			s.Resources[i] = r
			return
		}
	}
	s.Resources = append(s.Resources, r)
	sort.Slice(s.Resources, func(i, j int) bool {
		a, b := s.Resources[i], s.Resources[j]
		if a.Address() != b.Address() {
			return a.Address() < b.Address()
		}
		return a.Provider < b.Provider
	})
}

// RemoveAt forgets the resource with the given address at a provider.
func (s *State) RemoveAt(provider, address string) {
	s.Resources = slices.DeleteFunc(s.Resources, func(r *Resource) bool { return r.Provider == provider && r.Address() == address })
}

// Remove forgets the resources (at every provider) or host with the
// given address (a resource address, or host.<machine>, with the pools
// made on it). It reports
// whether anything was removed.
func (s *State) Remove(address string) bool {
	before := len(s.Resources)
	s.Resources = slices.DeleteFunc(s.Resources, func(r *Resource) bool { return r.Address() == address })
	if len(s.Resources) < before {
		return true
	}
	for i, h := range s.Hosts {
		if "host."+h.Machine == address {
			s.Hosts = append(s.Hosts[:i], s.Hosts[i+1:]...)
			// The pools made on it go with it: a machine installed again
			// under the name gets new ones.
			s.Pools = slices.DeleteFunc(s.Pools, func(p *Pool) bool { return p.Machine == h.Machine })
			return true
		}
	}
	return false
}

// Contains tells whether an address is in state.
func (s *State) Contains(address string) bool {
	for _, a := range s.Addresses() {
		if a == address {
			return true
		}
	}
	return false
}

// Addresses lists every resource and host address, sorted.
func (s *State) Addresses() []string {
	var out []string
	for _, r := range s.Resources {
		out = append(out, r.Address())
	}
	for _, h := range s.Hosts {
		out = append(out, "host."+h.Machine)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// check validates a decoded state.
func (s *State) check() error {
	if s.Version != FormatVersion {
		if s.Version > FormatVersion {
			return fmt.Errorf("it has format version %d, written by a newer freecloud (this one reads version %d): upgrade freecloud", s.Version, FormatVersion)
		}
		return fmt.Errorf("it has format version %d, which this freecloud does not read", s.Version)
	}
	if s.Lineage == "" {
		return fmt.Errorf("it has no lineage")
	}
	seen := map[string]bool{}
	for _, r := range s.Resources {
		if r == nil || r.Kind == "" || r.Name == "" || r.Provider == "" {
			return fmt.Errorf("a resource lacks its provider, kind or name")
		}
		if seen[r.Provider+" "+r.Address()] {
			return fmt.Errorf("resource %s appears twice at %s", r.Address(), r.Provider)
		}
		seen[r.Provider+" "+r.Address()] = true
	}
	for _, h := range s.Hosts {
		if h == nil || h.Machine == "" {
			return fmt.Errorf("a host record lacks its machine")
		}
	}
	for _, v := range s.Volumes {
		if v == nil || v.Service == "" || v.Consumer == "" || v.Provider == "" || v.SizeGB <= 0 {
			return fmt.Errorf("a volume lacks its service, consumer, provider or size")
		}
	}
	for _, p := range s.Pools {
		if p == nil || p.Service == "" || p.Machine == "" || p.Name == "" {
			return fmt.Errorf("a pool lacks its service, machine or name")
		}
	}
	return nil
}
