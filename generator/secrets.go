package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
)

// Where a secret comes from (HostSecret.Source).
const (
	// SourceGenerated: made on the host that uses it; it never leaves it.
	SourceGenerated = "generated"
	// SourceProvided: given by the operator (freecloud secrets set),
	// sealed to the host.
	SourceProvided = "provided"
	// SourceShared: made in memory by freecloud, because several
	// machines need the same value, and sealed to each of them.
	SourceShared = "shared"
)

// CiphertextDir is the directory of sealed secrets, in the deployment
// directory (where the operator commits them) and in the flake alike.
const CiphertextDir = "secrets"

// CiphertextPath is where the sealed value of a provided or shared secret
// is kept: relative to the deployment directory and, the same, to the
// flake Generate writes (slash-separated). A machine's files are in its
// own directory, so that its configuration hash covers its ciphertexts
// and no other machine's (deploy.ConfigHash).
func CiphertextPath(machine, service, name string) string {
	return CiphertextDir + "/" + machine + "/" + service + "." + name + ".age"
}

// A HostSecret is one secret on one machine.
type HostSecret struct {
	Machine, Service, Name string
	// Source is SourceGenerated, SourceProvided or SourceShared.
	Source string
	// Rule is the generation rule (password, hex, base64) of a generated
	// or shared secret, "" for a provided one; Length its length
	// (characters for password, random bytes otherwise).
	Rule   string
	Length int
	// Env and Prefix shape a generated or shared secret's file (Content).
	Env, Prefix string
	// Owner, Group and Mode are the file's on the host.
	Owner, Group, Mode string
	// Path is where the file lives on the host.
	Path string
	// Ciphertext is CiphertextPath for a provided or shared secret, ""
	// for a generated one.
	Ciphertext  string
	Description string
	// Consumers are the units that read the secret; they restart with it.
	Consumers []string
	// Implied is set for secrets of services the operator did not
	// declare: a profile added as another's requirement (RequiredBy names
	// the service that required it) or the backup's (Service is
	// config.ReservedServiceName, RequiredBy is empty).
	Implied    bool
	RequiredBy string
	// SharedWith are, for a shared secret, the machines that hold the
	// same value, this one included, sorted: every machine of the
	// declared service. A required profile's instance is its machine's
	// own, so its shared secrets are shared with no other machine.
	SharedWith []string
	// DeclRange is the secret block in the profile, or the backup block.
	DeclRange hcl.Range
}

// Content is the file a generated or shared secret's value becomes, as
// modules/secrets.nix writes a generated one: <Env>=<Prefix><value> and a
// newline when Env is set, else <Prefix><value>. freecloud seals that for
// a shared secret, so that the host holds the same file either way.
func (h HostSecret) Content(value []byte) []byte {
	var b bytes.Buffer
	if h.Env != "" {
		b.WriteString(h.Env + "=")
	}
	b.WriteString(h.Prefix)
	b.Write(value)
	if h.Env != "" {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Secrets lists every secret of every machine, sorted by machine, service
// and name: those of the machines' services (required profiles included)
// and of their backups, the same ones Generate declares. Its diagnostics
// are those of loading the machines' services, which Generate reports
// too.
func Secrets(dep *config.Deployment, cat *profiles.Catalogue) ([]HostSecret, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var out []HostSecret
	for _, m := range dep.Machines {
		instances, d := instancesOn(dep, m, cat)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		all, d := renderAll(dep, m, instances)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		for _, s := range machineSecrets(m, all) {
			out = append(out, s.public(m.Name))
		}
	}
	// A declared service's shared secret has one value for all of the
	// service's machines.
	holders := map[string][]string{}
	key := func(h HostSecret) string { return h.Service + "/" + h.Name }
	for _, h := range out {
		if h.Source == SourceShared && !h.Implied {
			holders[key(h)] = append(holders[key(h)], h.Machine)
		}
	}
	for i, h := range out {
		if h.Source != SourceShared {
			continue
		}
		machines := []string{h.Machine}
		if !h.Implied {
			machines = append([]string(nil), holders[key(h)]...)
			sort.Strings(machines)
		}
		out[i].SharedWith = machines
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Machine != b.Machine {
			return a.Machine < b.Machine
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Name < b.Name
	})
	return out, diags
}

// A machineSecret is one secret a machine declares in freecloud.secrets,
// with who declared it.
type machineSecret struct {
	service string
	spec    *profiles.Secret
	// before are the units that read it, resolved for the service.
	before []string
	// owner and rng attribute it in conflict messages.
	owner      string
	rng        hcl.Range
	implied    bool
	requiredBy string
}

// machineSecrets lists what a machine declares in freecloud.secrets: its
// services' secrets and, when it backs up state, the backup's. Generate
// (configuration.nix, the ciphertexts it copies) and Secrets both list
// them here, so that the operator is asked for exactly what hosts expect.
func machineSecrets(m *config.Machine, all []rendered) []machineSecret {
	var out []machineSecret
	for _, r := range all {
		for _, s := range r.profile.Secrets {
			out = append(out, machineSecret{
				service: r.name, spec: s, before: r.SecretBefore[s.Name],
				owner: r.owner(), rng: r.declRange,
				implied: r.requiredBy != "", requiredBy: r.requiredBy,
			})
		}
	}
	if m.Backup != nil && (len(statePaths(all)) > 0 || len(databases(all)) > 0) {
		for _, s := range backupSecrets(m.Backup) {
			out = append(out, machineSecret{
				service: config.ReservedServiceName, spec: s, before: s.Before,
				owner: machineOwner(m), rng: m.Backup.DeclRange, implied: true,
			})
		}
	}
	return out
}

// The backup's secrets, under the reserved service name.
const (
	backupPassword    = "password"
	backupEnvironment = "environment"
	// backupUnit is the restic job modules/backup.nix defines.
	backupUnit = "restic-backups-freecloud.service"
)

// backupSecrets are what a backup reads that the operator provides: the
// repository password and, for backends that take credentials from the
// environment, an environment file with them.
func backupSecrets(b *config.Backup) []*profiles.Secret {
	secret := func(name, description string) *profiles.Secret {
		return &profiles.Secret{
			Name: name, Provided: true, Owner: "root", Group: "root", Mode: "0400",
			Before: []string{backupUnit}, Description: description, DeclRange: b.DeclRange,
		}
	}
	out := []*profiles.Secret{secret(backupPassword, "the restic repository's password")}
	if b.NeedsCredentials() {
		out = append(out, secret(backupEnvironment,
			"the repository backend's credentials as an environment file, e.g. AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... for s3:, RESTIC_REST_USERNAME=... and RESTIC_REST_PASSWORD=... for rest:"))
	}
	return out
}

// public is the HostSecret of a machine's secret.
func (s machineSecret) public(machine string) HostSecret {
	h := HostSecret{
		Machine: machine, Service: s.service, Name: s.spec.Name,
		Length: s.spec.Length, Env: s.spec.Env, Prefix: s.spec.Prefix,
		Owner: s.spec.Owner, Group: s.spec.Group, Mode: s.spec.Mode,
		Path:        s.spec.Path(s.service),
		Description: s.spec.Description,
		Consumers:   append([]string{}, s.before...),
		Implied:     s.implied, RequiredBy: s.requiredBy,
		DeclRange: s.spec.DeclRange,
	}
	switch {
	case s.spec.Provided:
		h.Source, h.Length = SourceProvided, 0
	case s.spec.Shared:
		h.Source, h.Rule = SourceShared, s.spec.Generate
	default:
		h.Source, h.Rule = SourceGenerated, s.spec.Generate
	}
	if s.spec.Decrypted() {
		h.Ciphertext = CiphertextPath(machine, s.service, s.spec.Name)
	}
	return h
}

// copyCiphertexts copies the ciphertexts of a machine's provided and
// shared secrets from the deployment directory dir into the flake, at the
// same relative paths. A missing one is no error here: the host's unit
// fails with the command that provides it, and plan and secrets list say
// so before. A file that is not an age file is refused, since it could be
// a plaintext put there by mistake, and the flake reaches the Nix store.
func copyCiphertexts(tree Tree, dir string, m *config.Machine, secrets []machineSecret) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range secrets {
		if !s.spec.Decrypted() {
			continue
		}
		rel := CiphertextPath(m.Name, s.service, s.spec.Name)
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read a sealed secret",
				Detail: fmt.Sprintf("%s (secret %s/%s of machine %q): %s.", rel, s.service, s.spec.Name, m.Name, err), Subject: s.rng.Ptr()})
			continue
		case !isAgeFile(data):
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Sealed secret is not an age file",
				Detail: fmt.Sprintf("%s (secret %s/%s of machine %q) does not start like an age file, so it may hold the value itself; freecloud copies only ciphertexts into the flake. Set it again: freecloud secrets set %s %s --machine %s.",
					rel, s.service, s.spec.Name, m.Name, s.service, s.spec.Name, m.Name),
				Subject: s.rng.Ptr()})
			continue
		}
		tree[rel] = data
	}
	return diags
}

// isAgeFile tells whether data starts like an age file: armored (what
// freecloud writes) or binary.
func isAgeFile(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN AGE ENCRYPTED FILE-----")) ||
		bytes.HasPrefix(data, []byte("age-encryption.org/v1\n"))
}

// strayCiphertexts warns about .age files in the deployment's secrets
// directory that no secret reads (tree holds those that some secret
// does): left behind when a service, a secret or a machine went away, or
// misnamed. They are not copied into the flake.
func strayCiphertexts(tree Tree, dep *config.Deployment) hcl.Diagnostics {
	var diags hcl.Diagnostics
	root := filepath.Join(dep.Dir, CiphertextDir)
	dirs, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Cannot read the sealed secrets", Detail: err.Error()}}
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		m := dep.Machine(d.Name())
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Cannot read the sealed secrets", Detail: err.Error()})
			continue
		}
		var stray []string
		for _, f := range files {
			rel := CiphertextDir + "/" + d.Name() + "/" + f.Name()
			if !f.IsDir() && strings.HasSuffix(f.Name(), ".age") && tree[rel] == nil {
				stray = append(stray, rel)
			}
		}
		switch {
		case len(stray) == 0:
		case m == nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Sealed secrets of an unknown machine",
				Detail: fmt.Sprintf("%s/%s/ holds %s, but the deployment has no machine %q. Delete the directory if the machine is gone.",
					CiphertextDir, d.Name(), strings.Join(stray, ", "), d.Name())})
		default:
			for _, rel := range stray {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Sealed secret that no service reads",
					Detail: fmt.Sprintf("%s: machine %q has no provided or shared secret by that name (<service>.<secret>.age); it is not copied into the flake. Delete it if the secret is gone; `freecloud secrets list` shows the machine's secrets.",
						rel, d.Name()),
					Subject: m.DeclRange.Ptr()})
			}
		}
	}
	return diags
}
