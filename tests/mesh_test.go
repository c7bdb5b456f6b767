package tests

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/state"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// publish stands in for the unit that publishes a host's fact: it writes
// the file where the host would.
func publish(t *testing.T, h *sshhost.Host, service, fact, value string) {
	t.Helper()
	path := filepath.Join(h.Root, profiles.FactPath(service, fact))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(value+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wireguardKey(name string) string {
	sum := sha256.Sum256([]byte("wg " + name))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestMeshConvergesInOneApply: three machines form a mesh. The first
// apply deploys them (no peer keys known), collects the key each host
// publishes over SSH, and deploys again with the peers; the second apply
// has nothing to do. A host publishing garbage is refused.
func TestMeshConvergesInOneApply(t *testing.T) {
	names := []string{"nas1", "nas2", "nas3"}
	hosts := map[string]*sshhost.Host{}
	var roots []string
	for _, n := range names {
		hosts[n] = sshhost.Start(t)
		hosts[n].AcceptClientOf(hosts["nas1"])
		roots = append(roots, n+"="+hosts[n].Root)
	}
	op := newOperator(t, hosts["nas1"], "FREECLOUD_DEPLOY_ROOT="+strings.Join(roots, ","))
	var conf strings.Builder
	conf.WriteString("deployment \"lab\" {}\nprovider \"baremetal\" \"office\" {}\n")
	for _, n := range names {
		fmt.Fprintf(&conf, "machine %q {\n  provider = provider.baremetal.office\n  address = \"127.0.0.1\"\n  port = %d\n  user = %q\n  country = \"DE\"\n}\n", n, hosts[n].Port, hosts[n].User)
	}
	conf.WriteString(`service "office" {
  profile  = "wireguard-mesh"
  machines = [machine.nas1, machine.nas2, machine.nas3]
  with     = { cidr = "10.77.0.0/24" }
}
output "nas2_mesh" { value = machine.nas2.mesh_address }
`)
	op.write(conf.String())
	for _, n := range names {
		publish(t, hosts[n], "office", "public_key", wireguardKey(n))
	}
	run := func(args ...string) (string, int) { return op.run(hosts["nas1"], args...) }

	out, code := run("plan")
	op.expect(out, code, 0, "> service.office on host.nas1: collect public_key", "> service.office on host.nas2: record mesh address 10.77.0.")

	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "host.nas1: collected office.public_key", "host.nas3: collected office.public_key",
		"The hosts published new facts; deploying what changed with them")
	st, err := state.ForDeployment(op.dir).Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		h := st.Host(n)
		if h.PublicKeys["office.public_key"] != wireguardKey(n) || !strings.HasPrefix(h.MeshAddress, "10.77.0.") {
			t.Errorf("state, host.%s: %+v", n, h)
		}
		// What the host runs lists its two peers by their keys.
		deployed, err := os.ReadFile(filepath.Join(hosts[n].Root, deploy.FlakeDir, "hosts", n, "configuration.nix"))
		if err != nil {
			t.Fatal(err)
		}
		for _, peer := range names {
			has := strings.Contains(string(deployed), wireguardKey(peer))
			if has != (peer != n) {
				t.Errorf("host %s's deployed configuration lists %s's key: %v", n, peer, has)
			}
		}
	}
	serial := st.Serial

	out, code = run("plan", "--detailed-exitcode")
	op.expect(out, code, 0, "No changes.")
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "No changes.")
	if st, _ := state.ForDeployment(op.dir).Read(); st.Serial != serial {
		t.Errorf("the second apply wrote state (serial %d, was %d)", st.Serial, serial)
	}
	out, _ = run("validate")
	if !strings.Contains(out, st.Host("nas2").MeshAddress) {
		t.Errorf("output nas2_mesh does not show nas2's recorded address %s:\n%s", st.Host("nas2").MeshAddress, out)
	}

	// A reinstalled nas3 publishes garbage: refused, nothing passed on.
	publish(t, hosts["nas3"], "office", "public_key", "not a key; rm -rf /")
	st.Host("nas3").PublicKeys = nil
	if err := state.ForDeployment(op.dir).Write(st); err != nil {
		t.Fatal(err)
	}
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 1, "nas3 publishes facts that do not have the expected form", "office.public_key")
	if strings.Contains(out, "rm -rf") {
		t.Errorf("the garbage was echoed:\n%s", out)
	}
}
