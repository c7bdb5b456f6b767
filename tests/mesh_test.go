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

// officeMachine declares a bare-metal machine of the office on a
// stand-in host, with more attributes (extra, a line each) if given.
func officeMachine(name string, h *sshhost.Host, extra string) string {
	return fmt.Sprintf("machine %q {\n  provider = provider.baremetal.office\n  address = \"127.0.0.1\"\n  port = %d\n  user = %q\n  country = \"DE\"\n%s}\n", name, h.Port, h.User, extra)
}

// officeMesh declares the mesh "office" of the machines refs name.
func officeMesh(refs []string) string {
	return fmt.Sprintf("service \"office\" {\n  profile  = \"wireguard-mesh\"\n  machines = [%s]\n  with     = { cidr = \"10.77.0.0/24\" }\n}\n", strings.Join(refs, ", "))
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
		conf.WriteString(officeMachine(n, hosts[n], ""))
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

// TestGarageLayoutApplied: three nodes in three zones over a mesh. apply
// deploys them, collects the mesh keys and the node ids, deploys the
// peers, and applies the Garage layout on one node once every node has
// joined the cluster (until then it waits, and stays planned); the second
// apply is a no-op. Fewer zones than copies is refused at plan.
func TestGarageLayoutApplied(t *testing.T) {
	names := []string{"nas1", "nas2", "nas3"}
	hosts := map[string]*sshhost.Host{}
	cluster := sshhost.NewGarageCluster(t, 3)
	var roots []string
	for i, n := range names {
		hosts[n] = sshhost.Start(t)
		hosts[n].AcceptClientOf(hosts["nas1"])
		cluster.Join(hosts[n], n, fmt.Sprintf("10.77.0.%d:3901", i+1))
		roots = append(roots, n+"="+hosts[n].Root)
	}
	op := newOperator(t, hosts["nas1"], "FREECLOUD_DEPLOY_ROOT="+strings.Join(roots, ","))
	write := func(members []string, zones string) {
		var conf strings.Builder
		conf.WriteString("deployment \"lab\" {}\nprovider \"baremetal\" \"office\" {}\n")
		var refs []string
		for _, n := range members {
			conf.WriteString(officeMachine(n, hosts[n], ""))
			refs = append(refs, "machine."+n)
			fmt.Fprintf(&conf, "service \"proxy-%s\" {\n  profile = \"reverse-proxy\"\n  machine = machine.%s\n  with = { acme_email = \"ops@lab.example\" }\n}\n", n, n)
		}
		conf.WriteString(officeMesh(refs))
		fmt.Fprintf(&conf, `service "s3" {
  profile  = "garage"
  machines = [%[1]s]
  with     = { domain = "s3.lab.example", zones = %[2]s, capacity_gb = { nas1 = 500, nas2 = 500, nas3 = 1000 } }
}
`, strings.Join(refs, ", "), zones)
		op.write(conf.String())
	}
	for _, n := range names {
		publish(t, hosts[n], "office", "public_key", wireguardKey(n))
		publish(t, hosts[n], "s3", "node_id", hosts[n].GarageNodeID())
	}
	// nas3's node has not connected to the cluster yet.
	for i, n := range names[:2] {
		connectNode(t, cluster, hosts[n], n, i+1)
	}
	run := func(args ...string) (string, int) { return op.run(hosts["nas1"], args...) }

	// Two zones for three copies: refused at plan, at the service.
	write(names, `{ nas1 = "a", nas2 = "a", nas3 = "b" }`)
	out, code := run("plan")
	op.expect(out, code, 1, "Garage layout refused", "zone")

	write(names, `{ nas1 = "a", nas2 = "b", nas3 = "c" }`)
	out, code = run("plan")
	op.expect(out, code, 0, "> service.s3: layout apply the Garage layout: 0 of 3 nodes known, 3 copies")
	// Two nodes in the cluster make no safe layout for three copies: it
	// waits, and stays planned.
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "host.nas2: collected s3.node_id", "service.s3: the layout waits for nodes that have not joined", "nothing applied")
	out, code = run("plan")
	op.expect(out, code, 0, "> service.s3: layout apply the Garage layout: 3 of 3 nodes known")

	connectNode(t, cluster, hosts["nas3"], "nas3", 3)
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "service.s3: assign nas3", "service.s3: apply layout version 1")
	show, err := os.ReadFile(filepath.Join(cluster.Dir, "roles"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !strings.Contains(string(show), hosts[n].GarageNodeID()) {
			t.Errorf("the layout lacks %s:\n%s", n, show)
		}
	}
	if v, _ := os.ReadFile(filepath.Join(cluster.Dir, "version")); strings.TrimSpace(string(v)) != "1" {
		t.Errorf("layout version %q, want 1", v)
	}
	// Each node's configuration bootstraps from the two others.
	conf, err := os.ReadFile(filepath.Join(hosts["nas1"].Root, deploy.FlakeDir, "hosts", "nas1", "configuration.nix"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"nas2", "nas3"} {
		if !strings.Contains(string(conf), hosts[n].GarageNodeID()+"@10.77.0.") {
			t.Errorf("nas1's bootstrap_peers lack %s:\n%s", n, conf)
		}
	}

	out, code = run("storage", "status")
	op.expect(out, code, 0, "service.s3 (garage)", "3 copies of every object; layout applied as declared",
		"nas3         zone c            1000 GB  node "+hosts["nas3"].GarageNodeID()[:16])

	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "No changes.")
	if v, _ := os.ReadFile(filepath.Join(cluster.Dir, "version")); strings.TrimSpace(string(v)) != "1" {
		t.Errorf("the second apply changed the layout: version %q", v)
	}
}

// connectNode makes a host's Garage node known to the fake cluster, as a
// node is once its service has started and reached a peer.
func connectNode(t *testing.T, c *sshhost.GarageCluster, h *sshhost.Host, name string, n int) {
	t.Helper()
	line := fmt.Sprintf("%s\t10.77.0.%d:3901\n", name, n)
	if err := os.MkdirAll(filepath.Join(c.Dir, "nodes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "nodes", h.GarageNodeID()), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
}
