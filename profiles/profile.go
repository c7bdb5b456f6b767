// Package profiles loads the profile catalogue: small HCL files, one profile
// each, that describe a service over a real NixOS module — its parameters,
// secrets, state, ports, the profiles it needs and the NixOS options it sets.
//
// Profile authors contribute files, not Go code (DESIGN.md, principle 6), so
// everything a profile can say is decoded and checked here, with diagnostics
// that point into the profile file.
package profiles

import (
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
	Requires []string
	Params   []*Param
	Secrets  []*Secret
	// State is nil for a stateless service.
	State  *State
	Expose []*Expose
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
	DeclRange   hcl.Range
}

// Required reports whether the operator must set the parameter.
func (p *Param) Required() bool { return p.Default == cty.NilVal }

// A Secret is made on the host that uses it and handed to the service as a
// file; the profile only ever sees its path.
type Secret struct {
	Name string
	// Generate is the generation rule: password, hex or base64.
	Generate  string
	Length    int
	Owner     string
	Group     string
	Mode      string
	Before    []string
	DeclRange hcl.Range
}

// State is what a service keeps: what backups must cover and a move must
// carry.
type State struct {
	Paths     []string
	Databases []string
}

// An Expose is a port the service listens on. Only public ones open the
// firewall.
type Expose struct {
	Name      string
	Port      int
	Protocol  string
	Public    bool
	DeclRange hcl.Range
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

// SecretsDir is where generated secrets live on a host; modules/secrets.nix
// creates the files.
const SecretsDir = "/var/lib/freecloud/secrets"

// SecretPath is the file a service's secret is read from on its host.
func SecretPath(service, secret string) string {
	return SecretsDir + "/" + service + "/" + secret
}
