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
	Backup    *Backup
	Outputs   []*Output
	DeclRange hcl.Range
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
	// Mount is where the disk is mounted; defaults to /mnt/<name>.
	Mount string
}

// A Service is one profile instance on one machine.
type Service struct {
	Name    string
	Profile *profiles.Profile
	Machine *Machine
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

// ServicesOn returns the services declared on a machine, in name order.
func (d *Deployment) ServicesOn(m *Machine) []*Service {
	var out []*Service
	for _, s := range d.Services {
		if s.Machine == m {
			out = append(out, s)
		}
	}
	return out
}
