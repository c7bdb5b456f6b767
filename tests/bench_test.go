package tests

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/apply"
	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/infra"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
	"github.com/freecloud/freecloud/state"
	"golang.org/x/crypto/ssh"
)

// These benchmarks run on request (go test ./tests -run '^$' -bench .);
// they take minutes at the latencies the issue asks for.

// bigDeployment writes n Hetzner machines, each with a data disk and a
// public service port, and loads it.
func bigDeployment(b *testing.B, name string, n int) (*config.Deployment, *profiles.Catalogue) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	var src strings.Builder
	fmt.Fprintf(&src, "deployment %q {}\nprovider \"hetzner\" \"eu\" {}\n", name)
	// One location per network zone: Hetzner networks hold at most 100
	// servers, so 100 machines per zone is the most one provider block
	// (project) can have with its private networks.
	locations := []string{"fsn1", "ash", "hil", "sin"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "machine \"m%d\" {\n  provider = provider.hetzner.eu\n  location = %q\n  size = \"cpx11\"\n  admins = [%q]\n  disks = [{ name = \"data\", size = 10 }]\n}\n", i, locations[i%len(locations)], key)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cat, diags := profiles.Builtin()
	dep, _, more := config.Load(dir, config.Options{Catalogue: cat})
	if diags = append(diags, more...); diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	return dep, cat
}

func connect(b *testing.B, fake *hcloudfake.Fake, dep *config.Deployment, cat *profiles.Catalogue) (map[string]providers.Provider, map[string][]*providers.Resource) {
	ctx := context.Background()
	prov, err := hetzner.New(ctx, hetzner.Options{Token: fake.Token(), Endpoint: fake.URL(), PollInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	provs := map[string]providers.Provider{"provider.hetzner.eu": prov}
	ports, _ := generator.PublicPorts(dep, cat)
	desired, diags := infra.Desired(ctx, dep, provs, ports)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	return provs, desired
}

func applyAll(b *testing.B, dep *config.Deployment, provs map[string]providers.Provider, desired map[string][]*providers.Resource, parallelism int) {
	ctx := context.Background()
	actual, err := infra.Refresh(ctx, dep.Name, provs)
	if err != nil {
		b.Fatal(err)
	}
	p := plan.Make(plan.Input{Deployment: dep.Name, Desired: desired, Actual: actual, Kinds: infra.Kinds(provs)})
	e := &apply.Engine{Deployment: dep.Name, Providers: provs, Store: state.ForDeployment(b.TempDir()), State: state.New(dep.Name), Parallelism: parallelism}
	if err := e.Refresh(actual); err != nil {
		b.Fatal(err)
	}
	if err := e.Apply(ctx, p); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPlan400 plans a deployment of 400 servers (with keys,
// firewalls, a network per zone, volumes and primary IPs) that exists
// already, at 50 ms per request: the requests a plan makes and its wall
// time. 400 is the most one Hetzner project holds in private networks
// (four network zones, 100 servers per network).
func BenchmarkPlan400(b *testing.B) {
	fake := hcloudfake.New(b, hcloudfake.Options{})
	dep, cat := bigDeployment(b, "big", 400)
	provs, desired := connect(b, fake, dep, cat)
	applyAll(b, dep, provs, desired, 50)
	fake.SetLatency(50 * time.Millisecond)
	b.ResetTimer()
	requests := 0
	for i := 0; i < b.N; i++ {
		before := fake.Requests()
		actual, err := infra.Refresh(context.Background(), dep.Name, provs)
		if err != nil {
			b.Fatal(err)
		}
		p := plan.Make(plan.Input{Deployment: dep.Name, Desired: desired, Actual: actual, Kinds: infra.Kinds(provs)})
		if !p.Empty() {
			b.Fatalf("plan of an applied deployment: %d changes", len(p.Changes))
		}
		requests += fake.Requests() - before
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

// BenchmarkApply100 applies 100 new servers whose create actions take 2 s,
// at parallelism 10 and 1.
func BenchmarkApply100(b *testing.B) {
	for _, parallelism := range []int{10, 1} {
		b.Run(fmt.Sprintf("parallelism=%d", parallelism), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				fake := hcloudfake.New(b, hcloudfake.Options{ActionDuration: 2 * time.Second})
				dep, cat := bigDeployment(b, fmt.Sprintf("apply%d", i), 100)
				provs, desired := connect(b, fake, dep, cat)
				b.StartTimer()
				applyAll(b, dep, provs, desired, parallelism)
				b.StopTimer()
			}
		})
	}
}
