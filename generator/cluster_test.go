package generator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/nix/nixtest"
	"github.com/freecloud/freecloud/profiles"
)

// meshDeployment is ten machines in one mesh: seven at Hetzner and three
// in an office behind NAT (private addresses), with n3 reached through a
// bastion.
func meshDeployment(machines []string) string {
	var b strings.Builder
	b.WriteString(`deployment "acme" {}
provider "hetzner" "eu" {}
provider "baremetal" "office" {}
provider "baremetal" "home" {}
`)
	locations := []string{"fsn1", "nbg1", "hel1"}
	var refs []string
	for i, name := range machines {
		refs = append(refs, "machine."+name)
		if strings.HasPrefix(name, "n") {
			// n3 is at another site, reached through a bastion.
			site, jump := "office", ""
			if name == "n3" {
				site, jump = "home", `ssh_jump = "bastion.acme.example"`
			}
			fmt.Fprintf(&b, "machine %q {\n  provider = provider.baremetal.%s\n  address = \"192.168.1.%d\"\n  country = \"DE\"\n  %s\n}\n", name, site, 10+i, jump)
			continue
		}
		fmt.Fprintf(&b, "machine %q {\n  provider = provider.hetzner.eu\n  location = %q\n  size = \"cx32\"\n}\n", name, locations[i%3])
	}
	fmt.Fprintf(&b, "service \"office\" {\n  profile = \"wireguard-mesh\"\n  machines = [%s]\n  with = { cidr = \"10.77.0.0/24\" }\n}\n", strings.Join(refs, ", "))
	return b.String()
}

var tenMachines = []string{"w1", "w2", "w3", "w4", "w5", "w6", "w7", "n1", "n2", "n3"}

// wgKey is a stand-in WireGuard public key of a machine: 32 bytes, base64.
func wgKey(machine string) string {
	sum := sha256.Sum256([]byte(machine))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// meshFacts is what state holds after the first apply: every key
// collected, the cloud machines' public addresses recorded.
func meshFacts(machines []string, previous map[string]string) config.Facts {
	f := config.Facts{MeshAddresses: previous, PublicAddresses: map[string]string{}, Collected: map[string]map[string]string{}}
	for i, m := range machines {
		f.Collected[m] = map[string]string{profiles.FactKey("office", "public_key"): wgKey(m)}
		if strings.HasPrefix(m, "w") {
			f.PublicAddresses[m] = fmt.Sprintf("203.0.113.%d", i+1)
		}
	}
	return f
}

func loadBuiltin(t *testing.T, src string, facts config.Facts) (*config.Deployment, *profiles.Catalogue) {
	t.Helper()
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := deploymentDir(t, map[string]string{"main.fc.hcl": src})
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat, Facts: facts})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return dep, cat
}

type wgInterface struct {
	IPs        []string `json:"ips"`
	ListenPort int      `json:"listenPort"`
	PostSetup  []string `json:"postSetup"`
	Peers      []struct {
		Name                string   `json:"name"`
		PublicKey           string   `json:"publicKey"`
		AllowedIPs          []string `json:"allowedIPs"`
		Endpoint            string   `json:"endpoint"`
		PersistentKeepalive int      `json:"persistentKeepalive"`
	} `json:"peers"`
}

type hostNetworking struct {
	Wireguard struct {
		Interfaces map[string]wgInterface `json:"interfaces"`
	} `json:"wireguard"`
	Firewall struct {
		AllowedUDPPorts []int `json:"allowedUDPPorts"`
	} `json:"firewall"`
}

// evalNetworking evaluates the networking options a generated
// configuration.nix sets, with the real Nix evaluator.
func evalNetworking(t *testing.T, dir, machine string) hostNetworking {
	t.Helper()
	var out hostNetworking
	evalOption(t, dir, machine, "networking", &out)
	return out
}

// evalOption evaluates the options below path (an attribute path, like
// networking) that a generated configuration.nix sets, into out.
func evalOption(t *testing.T, dir, machine, path string, out any) {
	t.Helper()
	expr := fmt.Sprintf(`(import %s { config = {}; lib = {}; pkgs = {}; }).%s`, filepath.Join(dir, "hosts", machine, "configuration.nix"), path)
	file := filepath.Join(t.TempDir(), "eval.nix")
	if err := os.WriteFile(file, []byte(expr), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(nixtest.EvalJSON(t, file), out); err != nil {
		t.Fatal(err)
	}
}

// A ten-machine mesh parses, and each host's WireGuard interface lists
// the other members with their keys and addresses, an endpoint for the
// members reachable from the internet or on the same site, and
// keepalives only from the members behind NAT to public ones. Members
// behind NAT at different sites go through the relay.
func TestTenNodeMesh(t *testing.T) {
	nixtest.Require(t)
	dep, cat := loadBuiltin(t, meshDeployment(tenMachines), meshFacts(tenMachines, nil))
	tree, diags := Generate(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := parseTree(t, tree)

	addresses := dep.Services[0].MeshAddresses
	seen := map[string]bool{}
	for _, a := range addresses {
		if seen[a] || !strings.HasPrefix(a, "10.77.0.") {
			t.Fatalf("mesh addresses not unique in the cidr: %v", addresses)
		}
		seen[a] = true
	}
	// n1 and n2 share the office: direct peers at their LAN addresses.
	// n3, at home, reaches them through the relay w1 (the first public
	// member), which routes between them on its mesh interface.
	office := map[string]bool{"n1": true, "n2": true}
	for _, self := range tenMachines {
		natted := strings.HasPrefix(self, "n")
		net := evalNetworking(t, dir, self)
		wg, ok := net.Wireguard.Interfaces["wg-mesh"]
		if !ok {
			t.Fatalf("%s: no wg-mesh interface: %+v", self, net)
		}
		if len(wg.IPs) != 1 || wg.IPs[0] != addresses[self]+"/24" || wg.ListenPort != 51820 {
			t.Errorf("%s: ips %v port %d, want %s/24 on 51820", self, wg.IPs, wg.ListenPort, addresses[self])
		}
		if forwards := strings.Contains(strings.Join(wg.PostSetup, "\n"), "/proc/sys/net/ipv4/conf/wg-mesh/forwarding"); forwards != (self == "w1") {
			t.Errorf("%s: forwards on the mesh: %v (postSetup %q)", self, forwards, wg.PostSetup)
		}
		var names []string
		for _, p := range wg.Peers {
			names = append(names, p.Name)
			allowed := []string{addresses[p.Name] + "/32"}
			if p.Name == "w1" && self == "n3" {
				allowed = append(allowed, addresses["n1"]+"/32", addresses["n2"]+"/32")
			}
			if p.Name == "w1" && office[self] {
				allowed = append(allowed, addresses["n3"]+"/32")
			}
			if p.PublicKey != wgKey(p.Name) || !slices.Equal(p.AllowedIPs, allowed) {
				t.Errorf("%s: peer %s has key %s and allowed IPs %v, want %v", self, p.Name, p.PublicKey, p.AllowedIPs, allowed)
			}
			public := strings.HasPrefix(p.Name, "w")
			wantEndpoint := ""
			switch {
			case public:
				wantEndpoint = "203.0.113."
			case office[self] && office[p.Name]:
				wantEndpoint = "192.168.1."
			}
			if (wantEndpoint == "") != (p.Endpoint == "") || !strings.HasPrefix(p.Endpoint, wantEndpoint) {
				t.Errorf("%s: peer %s has endpoint %q, want one in %q", self, p.Name, p.Endpoint, wantEndpoint)
			}
			if want := map[bool]int{true: 25, false: 0}[natted && public]; p.PersistentKeepalive != want {
				t.Errorf("%s: peer %s keepalive %d, want %d", self, p.Name, p.PersistentKeepalive, want)
			}
		}
		sort.Strings(names)
		var others []string
		for _, m := range tenMachines {
			if m != self && !(self == "n3" && office[m]) && !(office[self] && m == "n3") {
				others = append(others, m)
			}
		}
		sort.Strings(others)
		if strings.Join(names, " ") != strings.Join(others, " ") {
			t.Errorf("%s: peers %v, want %v", self, names, others)
		}
		opens := false
		for _, port := range net.Firewall.AllowedUDPPorts {
			opens = opens || port == 51820
		}
		if opens != (!natted || office[self]) {
			t.Errorf("%s: opens the WireGuard port: %v", self, opens)
		}
	}
}

// Two sites behind NAT and no public member: the members at different
// sites cannot reach each other, and plan says so, naming them.
func TestMeshIsolatedSitesWarned(t *testing.T) {
	machines := []string{"n1", "n2", "n3"}
	dep, cat := loadBuiltin(t, meshDeployment(machines), meshFacts(machines, nil))
	_, diags := Generate(dep, cat)
	var found []string
	for _, d := range diags {
		if d.Summary == "Mesh members that cannot reach each other" {
			found = append(found, d.Detail)
		}
	}
	if len(found) != 1 || !strings.Contains(found[0], "n1 and n3, n2 and n3") || diags.HasErrors() {
		t.Errorf("warnings %q, errors %v", found, diags.HasErrors())
	}
}

// Before any key is collected (the first deploy), the hosts get their
// interface and no peers; the addresses are the same as after.
func TestMeshBeforeKeys(t *testing.T) {
	dep, cat := loadBuiltin(t, meshDeployment(tenMachines), config.Facts{})
	tree, diags := Generate(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	conf := string(tree["hosts/w1/configuration.nix"])
	if !strings.Contains(conf, "peers = [ ];") {
		t.Errorf("w1 has peers before any key is known:\n%s", conf)
	}
	later, _ := loadBuiltin(t, meshDeployment(tenMachines), meshFacts(tenMachines, nil))
	for m, a := range dep.Services[0].MeshAddresses {
		if later.Services[0].MeshAddresses[m] != a {
			t.Errorf("%s: address %s before the keys, %s after", m, a, later.Services[0].MeshAddresses[m])
		}
	}
}

// With the addresses state recorded, removing a machine and adding
// another moves no one else; machine.<name>.mesh_address reads them.
func TestMeshAddressesStable(t *testing.T) {
	dep, _ := loadBuiltin(t, meshDeployment(tenMachines), config.Facts{})
	recorded := dep.Services[0].MeshAddresses

	changed := append([]string{"x9"}, tenMachines[1:]...) // w1 leaves, x9 joins
	src := meshDeployment(changed) + `
output "n1_mesh" { value = machine.n1.mesh_address }
`
	after, _ := loadBuiltin(t, src, config.Facts{MeshAddresses: recorded})
	got := after.Services[0].MeshAddresses
	for _, m := range tenMachines[1:] {
		if got[m] != recorded[m] {
			t.Errorf("%s moved from %s to %s", m, recorded[m], got[m])
		}
	}
	if got["x9"] == "" || got["x9"] == got["n1"] {
		t.Errorf("x9 got %q", got["x9"])
	}
	if out := after.Outputs[0].Value.AsString(); out != recorded["n1"] {
		t.Errorf("machine.n1.mesh_address = %q, want %q", out, recorded["n1"])
	}
}

// The real zfs-iscsi-pool profile over a ten-machine mesh: the generated
// Nix parses, and the real evaluator shows each of the consumer's eight
// volumes exported by its provider, on the provider's mesh address, to
// the consumer's initiator, and imported by the consumer from that
// portal.
func TestPoolWiring(t *testing.T) {
	nixtest.Require(t)
	machines := []string{"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10"}
	src := strings.ReplaceAll(meshDeployment(machines), "size = \"cx32\"", "size = \"cx32\"\n  disks = [{ name = \"pool\", size = 1000, format = \"raw\" }]")
	src += "service \"vault\" {\n  profile = \"zfs-iscsi-pool\"\n  roles = { provider = [" + refsOf(machines) + "], consumer = [machine.w1] }\n}\n"
	dep, cat := loadBuiltin(t, src, meshFacts(machines, nil))
	tree, diags := Generate(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := parseTree(t, tree)
	addresses := dep.Services[0].MeshAddresses

	type volume struct {
		Name, Target, Initiator, Portal string
		SizeGB                          int `json:"sizeGB"`
	}
	var consumer struct {
		Consumer struct {
			Pool, Initiator string
			Volumes         []volume
		}
	}
	evalOption(t, dir, "w1", "freecloud.zpool", &consumer)
	c := consumer.Consumer
	if c.Pool != "vault" || c.Initiator != InitiatorIQN("vault", "w1") || len(c.Volumes) != 8 {
		t.Fatalf("w1's pool: %+v", c)
	}
	exported := 0
	for _, m := range machines[1:] {
		var provider struct {
			Provider struct {
				Pool, Listen string
				Volumes      []volume
			}
		}
		evalOption(t, dir, m, "freecloud.zpool", &provider)
		p := provider.Provider
		if p.Pool != "vault-volumes" || p.Listen != addresses[m] {
			t.Errorf("%s: provider %+v, want pool vault-volumes on %s", m, p, addresses[m])
		}
		for _, v := range p.Volumes {
			exported++
			if v.Initiator != c.Initiator || v.Target != TargetIQN("vault", m, "w1") || v.Name != "vault-w1" || v.SizeGB != 100 {
				t.Errorf("%s exports %+v", m, v)
			}
			if !slices.Contains(c.Volumes, volume{Portal: addresses[m] + ":3260", Target: v.Target}) {
				t.Errorf("w1 does not import %s's volume from %s:3260: %+v", m, addresses[m], c.Volumes)
			}
		}
	}
	if exported != 8 {
		t.Errorf("%d volumes exported, want 8", exported)
	}
}

func refsOf(machines []string) string {
	refs := make([]string, len(machines))
	for i, m := range machines {
		refs[i] = "machine." + m
	}
	return strings.Join(refs, ", ")
}
