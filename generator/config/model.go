// Package config loads a deployment directory (*.fc.hcl and *.fc.json files)
// into a typed, fully evaluated model: variables resolved, locals and
// references evaluated in dependency order, machines and services checked
// against their provider kinds and profiles. Every problem comes back as an
// hcl.Diagnostic pointing at the exact source range.
package config

import (
	"net"
	"strconv"
	"strings"

	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/sovereignty"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// A Deployment is everything one directory of deployment files describes.
type Deployment struct {
	Name        string
	Description string
	// OperatorCountry is where the organisation that runs the deployment's
	// bare-metal machines is incorporated (ISO 3166-1 alpha-2): it is the
	// operator of those machines for the sovereignty policy. Empty when
	// not set.
	OperatorCountry string
	// RecoveryRecipients are public keys of people (age X25519 keys or
	// SSH ed25519/rsa keys) that every operator-provided secret is
	// sealed to besides its host's key: with the private key, a person
	// can re-seal the secrets to a reinstalled or moved machine.
	RecoveryRecipients []string
	Dir                string
	Variables          []*Variable
	Providers          []*Provider
	Machines           []*Machine
	Services           []*Service
	Sovereignty        *Sovereignty
	// Backup is the deployment-wide backup target, nil when none.
	Backup  *Backup
	Outputs []*Output
	// Facts are what apply learnt of the hosts (from state): what the
	// configurations of a service's members are made from besides the
	// deployment files.
	Facts     Facts
	DeclRange hcl.Range

	memo memoTable
}

// Facts are what freecloud learnt of the hosts of a deployment and keeps
// in state: never a secret, and the same for the same state, so that the
// generated flake stays a pure function of the files and the state.
type Facts struct {
	// MeshAddresses are the machines' mesh addresses as allocated
	// before: a machine keeps its address while it stays in its mesh,
	// however others come and go.
	MeshAddresses map[string]string
	// PublicAddresses are where each machine is reached from the
	// internet, as apply found it (its server's IPv4); a machine's
	// declared address comes first (Deployment.PublicAddress).
	PublicAddresses map[string]string
	// Collected are, by machine, the public facts collected from it
	// (profiles.Collect), by profiles.FactKey.
	Collected map[string]map[string]string
	// Volumes are the placement of the pool volumes of zfs-pool
	// services as recorded: kept as long as their providers exist.
	Volumes []Volume
}

// A Volume is one iSCSI volume of a consumer's pool, on a provider.
type Volume struct {
	Service  string `json:"service"`
	Consumer string `json:"consumer"`
	Provider string `json:"provider"`
	SizeGB   int64  `json:"size_gb"`
}

// PublicAddress is where a machine is reached from the internet: its
// declared address, else the one apply recorded; "" while unknown.
func (d *Deployment) PublicAddress(m *Machine) string {
	if m.Address != "" {
		return m.Address
	}
	return d.Facts.PublicAddresses[m.Name]
}

// Fact is a fact collected from a machine for a service; "" when not
// (yet) collected.
func (d *Deployment) Fact(m *Machine, service, fact string) string {
	return d.Facts.Collected[m.Name][profiles.FactKey(service, fact)]
}

// A Backup is where a machine's state is backed up with restic.
type Backup struct {
	// Repository is a restic repository URL (sftp:, rest:, s3:, /path…).
	// The deployment-wide one gets /<machine> appended per machine.
	Repository string
	// Schedule is a systemd OnCalendar expression, e.g. daily or 02:30.
	Schedule string
	// Country and Operator say where the repository is and who holds it,
	// for the sovereignty policy: an ISO 3166-1 alpha-2 code and an
	// operator ID of package sovereignty ("hetzner", "aws", or "self", the
	// deployment's organisation). Empty when not declared: then the
	// repository's URL tells, if it can (BackupPlacement).
	Country  string
	Operator string
	// Ranges holds the source range of each attribute that was set
	// (repository, schedule, country, operator).
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// NeedsCredentials tells whether the repository's backend reads access
// keys from the environment (object stores, and the REST server's
// RESTIC_REST_USERNAME/PASSWORD), which the operator provides as a secret
// next to the password.
func (b *Backup) NeedsCredentials() bool {
	for _, prefix := range []string{"s3:", "b2:", "azure:", "gs:", "swift:", "rest:"} {
		if strings.HasPrefix(b.Repository, prefix) {
			return true
		}
	}
	return false
}

// A Variable is an input of the deployment with its resolved value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Sensitive   bool
	// Value carries the Sensitive mark when the variable is sensitive, so
	// that it can be traced wherever it flows.
	Value     cty.Value
	DeclRange hcl.Range
}

// A Provider is one configured provider, `provider "<type>" "<name>"`.
type Provider struct {
	Type string
	Name string
	Kind *providers.Kind
	// Settings are the attributes the block sets, by name (the kind's
	// Settings): where and how to reach the provider, like an AWS region.
	// Unset ones are missing.
	Settings map[string]string
	// Ranges holds the source range of every setting's value.
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// Address is how the provider is referred to: provider.<type>.<name>.
func (p *Provider) Address() string { return "provider." + p.Type + "." + p.Name }

// A Machine is one host.
type Machine struct {
	Name     string
	Provider *Provider
	// Location is the provider's location (Hetzner location, AWS region or
	// availability zone); empty on bare metal.
	Location string
	Size     string
	// Country is the ISO 3166-1 alpha-2 code of the country the machine
	// is in: a bare-metal machine's country attribute, on a cloud the
	// country of its location (providers.Kind.Country).
	Country string
	Address string
	// Port and User are how freecloud logs in over SSH to deploy a
	// bare-metal machine (22 and root unless set). Cloud servers are
	// reached the way their provider's image allows.
	Port int
	User string
	// Jump is the bastion freecloud reaches the machine through over SSH
	// (ssh_jump, any provider); nil to connect directly. It is how the
	// operator's side connects, so nothing of it enters the generated Nix.
	Jump *JumpHost
	// Admins are SSH public keys allowed to log in as root.
	Admins []string
	// BootDisk is the whole disk that installing NixOS erases and lays out
	// (modules/hardware/disko.nix): an absolute /dev/ path, best a
	// /dev/disk/by-id/ one, which names the same disk on every boot. Bare
	// metal only: on a cloud provider its layer knows the disk. Empty on
	// bare metal means the disk was laid out by hand with freecloud's
	// filesystem labels, and the machine cannot be installed.
	BootDisk string
	Disks    []Disk
	Labels   map[string]string
	// StateVersion is NixOS's system.stateVersion. It decides on-disk data
	// formats, so it stays fixed for the life of the machine, moves included.
	StateVersion string
	// Platform is the Nix system, e.g. x86_64-linux, derived from the
	// provider kind and size.
	Platform string
	// Backup is where the machine's state goes: its own backup attribute,
	// else the deployment's backup block; nil when neither is set.
	Backup *Backup
	// Ranges holds the source range of every attribute that was set, for
	// later checks that point at a line (e.g. a location that breaks the
	// sovereignty policy).
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// A JumpHost is an SSH bastion, written "[user@]host[:port]".
type JumpHost struct {
	// User is the login on the bastion; "" means root.
	User string
	// Host is a DNS name or an IP address.
	Host string
	// Port is the bastion's SSH port; 0 means 22.
	Port int
}

// String is the bastion as written in ssh_jump, "[user@]host[:port]", an
// IPv6 address in brackets when there is a port.
func (j *JumpHost) String() string {
	s := j.Host
	if j.Port != 0 {
		s = net.JoinHostPort(j.Host, strconv.Itoa(j.Port))
	}
	if j.User != "" {
		s = j.User + "@" + s
	}
	return s
}

// A Disk is a data disk of a machine.
type Disk struct {
	Name string
	// SizeGB is the size to provision on cloud providers.
	SizeGB int
	// Device is the block device on bare metal, e.g. /dev/sdb.
	Device string
	// Mount is where the disk is mounted; defaults to /mnt/<name>, and
	// empty for a raw disk.
	Mount string
	// Format is DiskExt4 or DiskRaw.
	Format string
}

// Disk formats: an ext4 disk is formatted when blank and mounted; a raw
// one is left to the service that claims it (a ZFS pool of volumes).
const (
	DiskExt4 = "ext4"
	DiskRaw  = "raw"
)

// Disk returns the machine's data disk of that name, or nil.
func (m *Machine) Disk(name string) *Disk {
	for i := range m.Disks {
		if m.Disks[i].Name == name {
			return &m.Disks[i]
		}
	}
	return nil
}

// A Service is one profile instance on one machine, or, for a profile
// with roles, on several.
type Service struct {
	Name    string
	Profile *profiles.Profile
	// Machine is the machine of a service declared with machine = ...;
	// nil for one declared with machines or roles.
	Machine *Machine
	// Members are the machines the service runs on with their roles,
	// sorted by machine name: the one machine of a service declared
	// with machine = ... (with the profile's default role, if any).
	Members []*Member
	// MeshAddresses are, for a service of the mesh coordinator, each
	// member's address in its cidr, by machine name; nil otherwise.
	MeshAddresses map[string]string
	// Params holds every parameter of the profile, defaults filled in and
	// converted to the declared types.
	Params    map[string]cty.Value
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// Sovereignty is the deployment's policy on where data may live and whose
// law may reach it (package sovereignty has the facts). Load enforces it
// on every machine that holds a service with state, and on its backups.
type Sovereignty struct {
	// DataJurisdictions are countries and groups (ISO codes, "EU");
	// empty, data may be anywhere.
	DataJurisdictions []string
	// ForbiddenOperatorLaw are countries, groups and laws
	// ("US_CLOUD_ACT") whose reach the operator holding data may not be
	// under; empty, it forbids nothing.
	ForbiddenOperatorLaw []string
	// Overrides are the per-service rules, by service name.
	Overrides []*SovereigntyOverride
	// Ranges holds the source range of each attribute that was set.
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// A SovereigntyOverride is the rule of one service, written
// `service "<name>" { ... }` inside the sovereignty block: a stateless
// cache may run anywhere, say. An attribute it does not set is the
// block's.
type SovereigntyOverride struct {
	// Service is a declared service, or a profile that a service
	// requires on its machine, which runs as a service of that name.
	Service              string
	DataJurisdictions    []string
	ForbiddenOperatorLaw []string
	// Ranges holds the source range of each attribute that was set; an
	// attribute not in it is inherited.
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// Rule returns the rule that applies to a service's data: the block's,
// with the attributes of the service's override in their place.
func (s *Sovereignty) Rule(service string) sovereignty.Rule {
	r := sovereignty.Rule{DataJurisdictions: s.DataJurisdictions, ForbiddenOperatorLaw: s.ForbiddenOperatorLaw}
	if o := s.Override(service); o != nil {
		if _, set := o.Ranges[attrDataJurisdictions]; set {
			r.DataJurisdictions = o.DataJurisdictions
		}
		if _, set := o.Ranges[attrForbiddenOperatorLaw]; set {
			r.ForbiddenOperatorLaw = o.ForbiddenOperatorLaw
		}
	}
	return r
}

// Override returns a service's override, or nil.
func (s *Sovereignty) Override(service string) *SovereigntyOverride {
	for _, o := range s.Overrides {
		if o.Service == service {
			return o
		}
	}
	return nil
}

// An Output is a named value the deployment reports.
type Output struct {
	Name        string
	Description string
	Value       cty.Value
	Sensitive   bool
	DeclRange   hcl.Range
}

// Machine returns the named machine, or nil.
func (d *Deployment) Machine(name string) *Machine {
	for _, m := range d.Machines {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// A Member is one machine of a service, with its roles.
type Member struct {
	Machine *Machine
	Roles   []string
}

// Member returns the machine's membership in the service, or nil.
func (s *Service) Member(m *Machine) *Member {
	for _, mem := range s.Members {
		if mem.Machine == m {
			return mem
		}
	}
	return nil
}

// ServicesOn returns the services declared on a machine, in name order.
func (d *Deployment) ServicesOn(m *Machine) []*Service {
	var out []*Service
	for _, s := range d.Services {
		if s.Member(m) != nil {
			out = append(out, s)
		}
	}
	return out
}

// MeshAddress is a machine's address in the mesh it belongs to; "" when
// it is in none.
func (d *Deployment) MeshAddress(m *Machine) string {
	for _, s := range d.Services {
		if addr, ok := s.MeshAddresses[m.Name]; ok {
			return addr
		}
	}
	return ""
}

// A HostFact is a public fact a machine publishes for one of its services
// (profiles.Collect), which apply collects into state.
type HostFact struct {
	Service string
	Collect *profiles.Collect
}

// Key is the fact's name in state.
func (f HostFact) Key() string { return profiles.FactKey(f.Service, f.Collect.Name) }

// Path is the file the machine publishes it in.
func (f HostFact) Path() string { return profiles.FactPath(f.Service, f.Collect.Name) }

// FactsOf returns the facts a machine publishes, by service then name.
func (d *Deployment) FactsOf(m *Machine) []HostFact {
	var out []HostFact
	for _, s := range d.ServicesOn(m) {
		for _, c := range s.Profile.CollectsFor(s.Member(m).Roles) {
			out = append(out, HostFact{Service: s.Name, Collect: c})
		}
	}
	return out
}
