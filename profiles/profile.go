// Package profiles loads the profile catalogue: small HCL files, one profile
// each, that describe a service over a real NixOS module — its parameters,
// secrets, state, ports, the profiles it needs and the NixOS options it sets.
//
// Profile authors contribute files, not Go code (DESIGN.md, principle 6), so
// everything a profile can say is decoded and checked here, with diagnostics
// that point into the profile file.
package profiles

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// A Profile is one decoded profile file.
type Profile struct {
	Name     string
	Summary  string
	Category string
	// Module is the NixOS option the profile drives, e.g. services.nextcloud.
	Module string
	// Source is the nixpkgs file the profile's options were checked against.
	Source   string
	Upstream string
	License  string
	// Maturity is stable, beta or experimental.
	Maturity string
	// SSO is how users sign in through the organisation's identity
	// provider: oidc, ldap, proxy or none.
	SSO      string
	Requires []string
	// MultiInstance allows several services with this profile on one
	// machine; only for modules with named instances.
	MultiInstance bool
	// Roles are the parts machines play when the profile spans several
	// (cluster.go); none for a profile that runs on one machine.
	Roles []*Role
	// Cluster names the coordinator that plans what spans the members
	// (Coordinators); "" when none.
	Cluster string
	// Collects are the public facts read from each member after deploy.
	Collects []*Collect
	Params   []*Param
	Secrets  []*Secret
	// State is nil for a stateless service.
	State  *State
	Expose []*Expose
	Health *Health
	// Example is a minimal `with` map that makes the profile render; null
	// when the profile declares none.
	Example cty.Value
	// NixOS is the option tree, evaluated per service by Render.
	NixOS hcl.Expression

	// File is the path the profile was read from, as shown in diagnostics.
	File      string
	DeclRange hcl.Range
}

// A Param is a value the operator sets in a service's `with` map.
type Param struct {
	Name        string
	Type        cty.Type
	Default     cty.Value // cty.NilVal when the parameter is required
	Description string
	Validations []*Validation
	DeclRange   hcl.Range
}

// A Validation is a rule a parameter's value must satisfy.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage string
}

// Required reports whether the operator must set the parameter.
func (p *Param) Required() bool { return p.Default == cty.NilVal }

// A Secret is handed to the service as a file; the profile only ever sees
// its path. It comes from one of three places:
//
//   - generated (Generate set): made on the host that uses it and never
//     leaves it;
//   - provided (Provided): given by the operator, sealed with age to the
//     host's SSH host key and decrypted on the host;
//   - shared (Shared, with Generate): made by freecloud in memory, because
//     several machines need the same value (a cluster's RPC secret), then
//     sealed to each of them and decrypted there like a provided one.
type Secret struct {
	Name string
	// Generate is the generation rule: password, hex or base64; empty for
	// a provided secret. A shared secret has one too: freecloud applies it
	// on the operator's side.
	Generate string
	Provided bool
	Shared   bool
	Length   int
	Owner    string
	Group    string
	Mode     string
	// Before lists the units that read the secret; BeforeExpr may use
	// param.* and service.*, and Before holds its value when constant.
	Before      []string
	BeforeExpr  hcl.Expression
	Description string
	// Env, for a generated or shared secret, writes the file as one
	// environment variable assignment (NAME=<prefix><value>) for modules
	// that read an environmentFile; Prefix goes before the value either
	// way.
	Env       string
	Prefix    string
	DeclRange hcl.Range
}

// Decrypted tells whether the host decrypts the secret from a ciphertext
// (provided and shared secrets) rather than generating it.
func (s *Secret) Decrypted() bool { return s.Provided || s.Shared }

// Path is where the secret's file is on the host of the given service.
func (s *Secret) Path(service string) string {
	if s.Decrypted() {
		return ProvidedSecretsDir + "/" + service + "/" + s.Name
	}
	return SecretsDir + "/" + service + "/" + s.Name
}

// State is what a service keeps: what backups must cover and a move must
// carry.
type State struct {
	// Paths are the data paths when they are constant; PathsExpr may use
	// param.* and service.* and is resolved per service by Render.
	Paths     []string       `json:"paths"`
	PathsExpr hcl.Expression `json:"-"`
	Databases []string       `json:"databases"`
}

// An Expose declares how the service is reached. Its protocol is fixed in
// the profile; the other attributes may depend on parameters and are
// resolved per service by Render.
type Expose struct {
	Name string
	// Protocol is http (a web route through the reverse proxy), tcp or udp.
	Protocol  string
	Port      hcl.Expression // nil when not set
	Domain    hcl.Expression
	Path      hcl.Expression
	Public    hcl.Expression
	DeclRange hcl.Range
}

// A Route is an Expose resolved for one service.
type Route struct {
	Name     string
	Protocol string
	// Port is the local port (http) or the listening port (tcp, udp); 0
	// for an http route whose NixOS module serves its own virtual host.
	Port   int
	Domain string
	Path   string
	Public bool
}

// Health is how a deploy checks the service: a unit that must be active
// and an HTTP path that must answer.
type Health struct {
	Unit     string         `json:"unit,omitempty"` // when constant
	UnitExpr hcl.Expression `json:"-"`
	HTTP     string         `json:"http,omitempty"`
}

// Param returns the named parameter, or nil.
func (p *Profile) Param(name string) *Param {
	for _, param := range p.Params {
		if param.Name == name {
			return param
		}
	}
	return nil
}

// Where secrets live on a host; modules/secrets.nix creates the generated
// ones on disk and decrypts the provided and shared ones into a ramfs,
// which is never swapped out and is gone at power-off.
const (
	SecretsDir         = "/var/lib/freecloud/secrets"
	ProvidedSecretsDir = "/run/freecloud/secrets"
)

// SecretUnit is the systemd unit that makes (or decrypts) a service's
// secret on its host, as modules/secrets.nix names it. The units that read
// the secret Require= it, so restarting it restarts them.
func SecretUnit(service, name string) string {
	return "freecloud-secret-" + service + "-" + name + ".service"
}

// RotateMarker is the file that asks a generated secret's unit for a new
// value on its next start (modules/secrets.nix): rotating is creating it,
// then restarting SecretUnit. The unit removes it once the new value is in
// place, so a marker that survives a restart means the host did not rotate.
// It sits next to the secret, in the directory the unit may write, and
// starts with a dot like the unit's temporary files, which it does not
// match (.<name>.tmp.*).
func RotateMarker(service, name string) string {
	return SecretsDir + "/" + service + "/." + name + ".rotate"
}

// Databases returns the profile's databases by engine, e.g.
// {"postgresql": ["gitea"]}.
func (p *Profile) Databases() map[string][]string {
	out := map[string][]string{}
	if p.State == nil {
		return out
	}
	for _, db := range p.State.Databases {
		engine, name, _ := strings.Cut(db, ":")
		out[engine] = append(out[engine], name)
	}
	return out
}

// HasHTTP tells whether the profile has a web route.
func (p *Profile) HasHTTP() bool {
	for _, e := range p.Expose {
		if e.Protocol == "http" {
			return true
		}
	}
	return false
}

// AllRequires returns the profiles this one needs on its machine: those it
// names in requires, the reverse proxy for web routes, and the engine of
// each database it keeps.
func (p *Profile) AllRequires() []string {
	seen := map[string]bool{p.Name: true}
	var out []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, r := range p.Requires {
		add(r)
	}
	if p.HasHTTP() {
		add(ReverseProxy)
	}
	engines := p.Databases()
	for _, engine := range dbEngines {
		if len(engines[engine]) > 0 {
			add(engine)
		}
	}
	return out
}

// ReverseProxy is the profile that serves web routes.
const ReverseProxy = "reverse-proxy"
