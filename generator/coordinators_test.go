package generator

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// poolProfiles: a mesh and a stand-in zfs-pool profile whose options
// show what the coordinator hands each member.
var poolProfiles = fstest.MapFS{
	"networking/wireguard-mesh.hcl": {Data: []byte(`profile "wireguard-mesh" {
  summary = "mesh"
  category = "networking"
  module = "networking.wireguard"
  cluster = "mesh"
  role "peer" {
    summary = "peer"
    default = true
  }
  param "cidr" { type = string }
  collect "public_key" { pattern = "^.+$" }
  nixos = { "networking.wireguard.enable" = true }
}`)},
	"storage/pool.hcl": {Data: []byte(`profile "pool" {
  summary = "pool"
  category = "storage"
  module = "freecloud.zpool"
  cluster = "zfs-pool"
  role "consumer" { summary = "has a pool" }
  param "ratio" {
    type = number
    default = 0.5
  }
  param "overhead_gb" {
    type = number
    default = 0
  }
  param "disk" {
    type = string
    default = "pool"
  }
  nixos = { "freecloud.zpool.initiator" = cluster.initiator }
  role "provider" {
    summary = "exports volumes"
    nixos = { "freecloud.zpool.provider" = { pool = cluster.provider_pool, volumes = cluster.exports } }
  }
}`)},
}

func poolDeployment(providers int, sovereignty string) string {
	var b strings.Builder
	b.WriteString("deployment \"acme\" {}\nprovider \"hetzner\" \"eu\" {}\nprovider \"aws\" \"us\" { region = \"us-east-1\" }\n" + sovereignty)
	var refs []string
	for i := 1; i <= providers; i++ {
		name := fmt.Sprintf("p%d", i)
		refs = append(refs, "machine."+name)
		prov, loc, size := "hetzner.eu", []string{"fsn1", "nbg1", "hel1"}[i%3], "cx32"
		if i == providers {
			prov, loc, size = "aws.us", "us-east-1", "t3.small"
		}
		fmt.Fprintf(&b, "machine %q {\n  provider = provider.%s\n  location = %q\n  size = %q\n  disks = [{ name = \"pool\", size = 1000, format = \"raw\" }]\n}\n", name, prov, loc, size)
	}
	fmt.Fprintf(&b, "service \"mesh\" {\n  profile = \"wireguard-mesh\"\n  machines = [%s]\n  with = { cidr = \"10.9.0.0/24\" }\n}\n", strings.Join(refs, ", "))
	fmt.Fprintf(&b, "service \"vault\" {\n  profile = \"pool\"\n  roles = { provider = [%s], consumer = [machine.p1] }\n}\n", strings.Join(refs, ", "))
	return b.String()
}

func loadPool(t *testing.T, src string) (*config.Deployment, *profiles.Catalogue) {
	t.Helper()
	return load(t, poolProfiles, deploymentDir(t, map[string]string{"main.fc.hcl": src}))
}

// The consumer's eight volumes are on eight other providers, each
// exporting its volume to the consumer's initiator; the pool is RAIDZ3
// over them, each a fifth of the entitlement.
func TestZpoolPlacementAndExports(t *testing.T) {
	dep, _ := loadPool(t, poolDeployment(10, ""))
	placement, diags := ZpoolPlacement(dep, dep.Services[1])
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pool := placement.Pools[0]
	if pool.Consumer != "p1" || pool.EntitlementGB != 500 || pool.VolumeGB != 100 || len(pool.Volumes) != 8 {
		t.Fatalf("pool: %+v", pool)
	}
	seen := map[string]bool{}
	for _, v := range pool.Volumes {
		if v.Provider == "p1" || seen[v.Provider] {
			t.Errorf("volume on %s: %+v", v.Provider, pool.Volumes)
		}
		seen[v.Provider] = true
	}
	// Spread: the US provider holds one, since it is another country.
	if !seen["p10"] {
		t.Errorf("the placement does not use the only provider in another country: %+v", pool.Volumes)
	}
	s := dep.Services[1]
	r, diags := RenderService(dep, s, dep.Machine(pool.Volumes[0].Provider))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	provider := r.RoleOptions[0].GetAttr("freecloud.zpool.provider")
	vols := provider.GetAttr("volumes").AsValueSlice()
	if len(vols) != 1 || vols[0].GetAttr("initiator") != cty.StringVal(InitiatorIQN("vault", "p1")) ||
		vols[0].GetAttr("name") != cty.StringVal("vault-p1") || provider.GetAttr("pool") != cty.StringVal("vault-volumes") {
		t.Errorf("provider options: %#v", provider)
	}
}

// Nine machines, so eight others for p1's volumes; an EU-only rule
// takes the US one away, and plan says exactly what is missing.
func TestZpoolTooFewProviders(t *testing.T) {
	dep, _ := loadPool(t, poolDeployment(9, ""))
	if _, diags := ZpoolPlacement(dep, dep.Services[1]); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dep, _ = loadPool(t, poolDeployment(9, "sovereignty {\n  data_jurisdictions = [\"EU\"]\n}\n"))
	_, diags := ZpoolPlacement(dep, dep.Services[1])
	if !diags.HasErrors() {
		t.Fatal("eight volumes placed on seven eligible machines")
	}
	msg := diags.Error()
	for _, want := range []string{"Pool volumes cannot be placed", "p1", "p9", "United States"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal lacks %q: %s", want, msg)
		}
	}
}

// The pool's portals are IPv4: an IPv6 mesh is refused at plan, and a
// member outside the mesh too, naming the machine.
func TestZpoolRefusesIPv6AndMachinesOutsideTheMesh(t *testing.T) {
	src := poolDeployment(9, "")
	dep, _ := loadPool(t, strings.Replace(src, `cidr = "10.9.0.0/24"`, `cidr = "fd00:77::/64"`, 1))
	_, diags := ZpoolPlacement(dep, dep.Services[1])
	if msg := diags.Error(); !strings.Contains(msg, "Pool over an IPv6 mesh") || !strings.Contains(msg, `machine "p1"`) || !strings.Contains(msg, "IPv4 cidr") {
		t.Errorf("IPv6 mesh: %s", msg)
	}
	dep, _ = loadPool(t, strings.Replace(src, "machines = [machine.p1, ", "machines = [", 1))
	_, diags = ZpoolPlacement(dep, dep.Services[1])
	if msg := diags.Error(); !strings.Contains(msg, "Pool member outside the mesh") || !strings.Contains(msg, `machine "p1"`) {
		t.Errorf("outside the mesh: %s", msg)
	}
}

// Garage's RPC runs over the mesh: a node outside it is refused by name,
// at plan, rather than failing on a null address in the profile.
func TestGarageNodeOutsideTheMesh(t *testing.T) {
	src := meshDeployment([]string{"w1", "w2", "w3", "w4"})
	src = strings.Replace(src, "machines = [machine.w1, ", "machines = [", 1)
	src += `service "s3" {
  profile = "garage"
  roles   = { node = [machine.w1, machine.w2, machine.w3, machine.w4] }
  with    = { domain = "s3.acme.example", capacity_gb = { w1 = 100, w2 = 100, w3 = 100, w4 = 100 } }
}
`
	for _, m := range []string{"w1", "w2", "w3", "w4"} {
		src += fmt.Sprintf("service \"proxy-%s\" {\n  profile = \"reverse-proxy\"\n  machine = machine.%s\n  with = { acme_email = \"ops@acme.example\" }\n}\n", m, m)
	}
	dep, cat := loadBuiltin(t, src, config.Facts{})
	_, diags := Generate(dep, cat)
	var errs []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d.Summary+": "+d.Detail)
		}
	}
	msg := strings.Join(errs, "\n")
	if !strings.Contains(msg, "Garage node outside the mesh") || !strings.Contains(msg, `machine "w1"`) {
		t.Errorf("garage node outside the mesh: %s", msg)
	}
	if strings.Contains(msg, "null") {
		t.Errorf("the refusal still goes through a null address: %s", msg)
	}
}
