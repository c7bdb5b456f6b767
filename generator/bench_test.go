package generator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
)

// BenchmarkGenerate loads and generates a deployment of 1,000 machines with
// five services each (a reverse proxy, two sites and a grammar checker, and
// the PostgreSQL that Nextcloud pulls in). Report with -benchmem; the aim is
// well under a millisecond per machine.
func BenchmarkGenerate(b *testing.B) {
	const machines = 1000
	var src strings.Builder
	src.WriteString("deployment \"big\" {}\nprovider \"hetzner\" \"eu\" {}\nprovider \"baremetal\" \"dc\" {}\n")
	for i := 0; i < machines; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&src, "machine \"m%d\" {\n  provider = provider.hetzner.eu\n  location = \"fsn1\"\n  size = \"cx32\"\n  admins = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t ops@example.org\"]\n}\n", i)
		} else {
			fmt.Fprintf(&src, "machine \"m%d\" {\n  provider = provider.baremetal.dc\n  address = \"198.51.100.%d\"\n  country = \"DE\"\n  admins = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t ops@example.org\"]\n}\n", i, i%250)
		}
		fmt.Fprintf(&src, `service "proxy-%[1]d" {
  profile = "reverse-proxy"
  machine = machine.m%[1]d
  with = { acme_email = "ops@example.org" }
}
service "cloud-%[1]d" {
  profile = "nextcloud"
  machine = machine.m%[1]d
  with = { domain = "cloud%[1]d.example.org" }
}
service "grammar-%[1]d" {
  profile = "languagetool"
  machine = machine.m%[1]d
  with = { domain = "lt%[1]d.example.org" }
}
service "db-%[1]d" {
  profile = "postgresql"
  machine = machine.m%[1]d
}
`, i)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		tree, diags := Generate(dep, cat)
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if len(tree) < 2*machines {
			b.Fatalf("only %d files", len(tree))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/machines, "ns/machine")
}

// BenchmarkGeneratePool loads and generates 100 Hetzner machines in one
// mesh, all lending disk to a zfs-iscsi-pool service with 20 consumers:
// what the services spanning machines add. Every member's configuration
// is rendered from the whole cluster, so what the cluster is made of is
// worked out once per deployment, not once per member.
func BenchmarkGeneratePool(b *testing.B) {
	const machines = 100
	var src strings.Builder
	src.WriteString("deployment \"pool\" {}\nprovider \"hetzner\" \"eu\" {}\n")
	var providers, consumers []string
	for i := 0; i < machines; i++ {
		fmt.Fprintf(&src, "machine \"m%d\" {\n  provider = provider.hetzner.eu\n  location = %q\n  size = \"cx32\"\n  disks = [{ name = \"pool\", size = 1000, format = \"raw\" }]\n}\n", i, []string{"fsn1", "nbg1", "hel1"}[i%3])
		providers = append(providers, fmt.Sprintf("machine.m%d", i))
		if i%5 == 0 {
			consumers = append(consumers, fmt.Sprintf("machine.m%d", i))
		}
	}
	fmt.Fprintf(&src, "service \"mesh\" {\n  profile = \"wireguard-mesh\"\n  machines = [%s]\n  with = { cidr = \"10.77.0.0/16\" }\n}\n", strings.Join(providers, ", "))
	fmt.Fprintf(&src, "service \"vault\" {\n  profile = \"zfs-iscsi-pool\"\n  roles = { provider = [%s], consumer = [%s] }\n}\n", strings.Join(providers, ", "), strings.Join(consumers, ", "))
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	for b.Loop() {
		dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if _, diags := Generate(dep, cat); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}
