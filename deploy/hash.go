package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ManifestFile is the generator's manifest in a flake.
const ManifestFile = "freecloud-manifest.json"

// ConfigHash is the configuration hash of machine in a generated flake:
// what /etc/freecloud/deployed.json and state record, and what plan
// compares to decide whether a host needs a deploy.
//
// It covers every file of the flake that can change the machine's system
// — flake.nix, flake.lock, the modules, its own hosts/<machine>/ and its
// own sealed secrets, secrets/<machine>/ (generator.CiphertextPath) — and
// leaves out only other machines' directories and the manifest, which
// change when another machine does. flake.nix is in, although adding a
// machine changes it: a deploy that changes nothing costs one evaluation,
// a missed deploy leaves a host behind. A re-sealed ciphertext is in:
// the host decrypts the new file, and a changed value must reach the
// services that read it.
func ConfigHash(tree map[string][]byte, machine string) (string, error) {
	own := "hosts/" + machine + "/"
	if _, ok := tree[own+"configuration.nix"]; !ok {
		return "", fmt.Errorf("the flake has no %sconfiguration.nix: machine %q is not in this deployment", own, machine)
	}
	names := make([]string, 0, len(tree))
	for name := range tree {
		if name == ManifestFile || otherMachines(name, "hosts/", machine) || otherMachines(name, "secrets/", machine) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write([]byte("freecloud configuration hash 1\n"))
	for _, name := range names {
		sum := sha256.Sum256(tree[name])
		fmt.Fprintf(h, "%x  %s\n", sum, name)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// otherMachines tells whether name is in a per-machine directory
// (<dir><machine>/...) of another machine than machine.
func otherMachines(name, dir, machine string) bool {
	return strings.HasPrefix(name, dir) && !strings.HasPrefix(name, dir+machine+"/")
}

// manifestDeployment reads the deployment's name from the manifest and
// checks that it lists the machine.
func manifestDeployment(tree map[string][]byte, machine string) (string, error) {
	data, ok := tree[ManifestFile]
	if !ok {
		return "", fmt.Errorf("the flake has no %s: is it a freecloud-generated flake?", ManifestFile)
	}
	var m struct {
		Deployment string                     `json:"deployment"`
		Machines   map[string]json.RawMessage `json:"machines"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("%s: %v", ManifestFile, err)
	}
	if _, ok := m.Machines[machine]; !ok {
		return "", fmt.Errorf("%s does not list machine %q", ManifestFile, machine)
	}
	return m.Deployment, nil
}
