package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
)

const prov = "provider.hetzner.eu"

var kinds = []providers.KindSpec{
	{Kind: "server", Replace: []string{"location", "image"}, HoldsData: true},
	{Kind: "firewall"},
	{Kind: "volume", Replace: []string{"location"}, HoldsData: true},
}

func res(kind, name, id string, attrs ...string) *providers.Resource {
	r := &providers.Resource{Kind: kind, Name: name, ID: id, Attrs: map[string]string{}}
	for i := 0; i+1 < len(attrs); i += 2 {
		r.Attrs[attrs[i]] = attrs[i+1]
	}
	return r
}

func TestMake(t *testing.T) {
	st := state.New("acme")
	st.SetResource(&state.Resource{Provider: prov, Kind: "server", Name: "gone", ID: "9"})
	p := Make(Input{
		Deployment: "acme",
		Desired: map[string][]*providers.Resource{prov: {
			res("server", "same", "", "location", "fsn1", "server_type", "cx22"),
			res("server", "resized", "", "location", "fsn1", "server_type", "cx32"),
			res("server", "moved", "", "location", "nbg1", "server_type", "cx22"),
			res("server", "new", "", "location", "fsn1", "server_type", "cx22"),
			res("server", "gone", "", "location", "fsn1", "server_type", "cx22"),
			res("firewall", "web", "", "rules", "in tcp 22; in tcp 443"),
		}},
		Actual: map[string][]*providers.Resource{prov: {
			res("server", "same", "1", "location", "fsn1", "server_type", "cx22", "ipv4", "203.0.113.1"),
			res("server", "resized", "2", "location", "fsn1", "server_type", "cx22"),
			res("server", "moved", "3", "location", "fsn1", "server_type", "cx22"),
			res("firewall", "web", "4", "rules", "in tcp 22"),
			res("volume", "old", "5", "location", "fsn1", "size", "10"),
		}},
		Kinds: map[string][]providers.KindSpec{prov: kinds},
		State: st,
	})
	var got []string
	for _, c := range p.Changes {
		got = append(got, string(c.Action)+" "+c.Address)
	}
	want := "update firewall.web, create server.gone, replace server.moved, create server.new, update server.resized, delete volume.old"
	if strings.Join(got, ", ") != want {
		t.Fatalf("changes:\n  got:  %s\n  want: %s", strings.Join(got, ", "), want)
	}
	byAddr := map[string]*Change{}
	for _, c := range p.Changes {
		byAddr[c.Address] = c
	}
	if c := byAddr["server.moved"]; !c.DataLoss || !c.Diffs[0].Forces {
		t.Errorf("moving a server is a replacement with data loss: %+v", c)
	}
	if c := byAddr["server.resized"]; c.DataLoss || c.Diffs[0].Attr != "server_type" {
		t.Errorf("resizing is an update in place: %+v", c)
	}
	if c := byAddr["server.gone"]; c.Drift == "" {
		t.Error("a resource in state but gone at the provider is shown as drift")
	}
	if c := byAddr["volume.old"]; !c.DataLoss {
		t.Error("deleting a volume loses data")
	}
	if p.Lineage != st.Lineage || p.Serial != st.Serial {
		t.Error("the plan does not record the state it was made from")
	}
	text := p.Text()
	for _, w := range []string{
		"-/+ server.moved",
		`location = "fsn1" -> "nbg1" (forces replacement)`,
		"# volume.old will be deleted (provider.hetzner.eu) — DATA LOSS",
		"Plan: 2 to create, 2 to update, 1 to replace, 1 to delete, 0 to deploy.",
		"Data loss: server.moved, volume.old.",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

func TestNoChanges(t *testing.T) {
	st := state.New("acme")
	st.SetResource(&state.Resource{Provider: prov, Kind: "firewall", Name: "web", ID: "4"})
	p := Make(Input{
		Deployment: "acme",
		State:      st,
		Desired:    map[string][]*providers.Resource{prov: {res("firewall", "web", "", "rules", "x")}},
		Actual:     map[string][]*providers.Resource{prov: {res("firewall", "web", "4", "rules", "x")}},
		Kinds:      map[string][]providers.KindSpec{prov: kinds},
	})
	if !p.Empty() || !strings.HasPrefix(p.Text(), "No changes.") {
		t.Fatalf("%+v", p.Changes)
	}
}

func TestSavedPlanRoundTrip(t *testing.T) {
	desired := map[string][]*providers.Resource{prov: {res("server", "a", "", "location", "fsn1")}}
	p := Make(Input{Deployment: "acme", Desired: desired, Kinds: map[string][]providers.KindSpec{prov: kinds}})
	data, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"summary": {`) || !strings.Contains(string(data), `"create": 1`) {
		t.Errorf("JSON lacks the summary:\n%s", data)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.ConfigHash != ConfigHash(desired) || len(back.Changes) != 1 || back.Changes[0].After.Attrs["location"] != "fsn1" {
		t.Fatalf("round trip: %+v", back)
	}
	for _, bad := range []string{`{}`, `{"format_version": 1, "changes": [{"action": "create"}]}`, `nonsense`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) accepted", bad)
		}
	}
}

func TestDeploys(t *testing.T) {
	st := state.New("acme")
	st.Hosts = []*state.Host{
		{Machine: "same", SSHHostKey: "ssh-ed25519 AAAA", Deployed: "h1"},
		{Machine: "changed", SSHHostKey: "ssh-ed25519 BBBB", Deployed: "old"},
		{Machine: "keyless", Deployed: "old"},
	}
	machines := []Machine{{Name: "same", Hash: "h1"}, {Name: "changed", Hash: "h2"}, {Name: "keyless", Hash: "h3"}, {Name: "new", Hash: "h4"}}
	p := Make(Input{Deployment: "acme", State: st, Machines: machines})
	var got []string
	for _, d := range p.Deploys {
		got = append(got, fmt.Sprintf("%s %s->%s first=%v", d.Machine, d.Previous, d.Hash, d.FirstContact))
	}
	want := []string{"changed old->h2 first=false", "keyless old->h3 first=true", "new ->h4 first=true"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("deploys:\n got %q\nwant %q", got, want)
	}
	if p.Empty() {
		t.Error("a plan with deploys is not empty")
	}
	text := p.Text()
	for _, w := range []string{
		"# host.changed will be deployed (configuration changed)",
		"# host.new will be deployed (never deployed by freecloud)",
		"host key will be trusted on first use",
		"Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 3 to deploy.",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	if strings.Count(text, "trusted on first use") != 2 {
		t.Errorf("only keyless and new are first contacts:\n%s", text)
	}
	data, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"deploys": [`, `"previous_hash": "old"`, `"first_contact": true`, `"deploy": 3`} {
		if !strings.Contains(string(data), w) {
			t.Errorf("JSON lacks %s:\n%s", w, data)
		}
	}
	back, err := Decode(data)
	if err != nil || len(back.Deploys) != 3 || *back.Deploys[2] != *p.Deploys[2] {
		t.Fatalf("round trip: %v %+v", err, back)
	}
}

// TestDeploysFromHosts: what the machines say over SSH decides between
// nothing, a deploy and an install.
func TestDeploysFromHosts(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t"
	st := state.New("acme")
	st.Hosts = []*state.Host{
		{Machine: "current", SSHHostKey: key, Deployed: "h1"},
		{Machine: "byhand", SSHHostKey: key, Deployed: "h1"},
		{Machine: "elsewhere", SSHHostKey: key, Deployed: "h1"},
		{Machine: "away", SSHHostKey: key, Deployed: "h0"},
		{Machine: "reinstalling", SSHHostKey: key, NextSSHHostKey: key},
		{Machine: "web2", SSHHostKey: key, Deployed: "h0"},
	}
	nixos := func(deployed, system, running string) *Host {
		return &Host{OS: "nixos", NixOS: true, Deployed: deployed, DeployedSystem: system, System: running, HostKey: key}
	}
	web1 := &providers.Resource{Kind: "server", Name: "web1", Attrs: map[string]string{"server_type": "cx22"}}
	web2 := &providers.Resource{Kind: "server", Name: "web2", Attrs: map[string]string{"server_type": "cx22"}}
	web3 := &providers.Resource{Kind: "server", Name: "web3", Attrs: map[string]string{"server_type": "cx22"}}
	p := Make(Input{
		Deployment: "acme",
		State:      st,
		Desired:    map[string][]*providers.Resource{"provider.hetzner.eu": {web1, web2, web3}},
		Actual:     map[string][]*providers.Resource{"provider.hetzner.eu": {web2, web3}},
		Machines: []Machine{
			{Name: "web1", Hash: "h1", Provider: "provider.hetzner.eu", Server: "server.web1"},
			{Name: "web2", Hash: "h1", Provider: "provider.hetzner.eu", Server: "server.web2", Host: &Host{OS: "debian", HostKey: key}},
			{Name: "web3", Hash: "h1", Provider: "provider.hetzner.eu", Server: "server.web3", Host: &Host{OS: "debian", HostKey: key}},
			{Name: "current", Hash: "h1", Host: nixos("h1", "/nix/store/a", "/nix/store/a")},
			{Name: "byhand", Hash: "h1", Host: nixos("h1", "/nix/store/a", "/nix/store/b")},
			{Name: "elsewhere", Hash: "h1", Host: nixos("h9", "/nix/store/a", "/nix/store/a")},
			{Name: "fresh", Hash: "h1", Host: nixos("", "", "/nix/store/z")},
			{Name: "away", Hash: "h1", Unreachable: "connection refused"},
			{Name: "reinstalling", Hash: "h1", Host: &Host{OS: "nixos", Installer: true, HostKey: key}},
		},
	})
	var got []string
	for _, d := range p.Deploys {
		got = append(got, fmt.Sprintf("%s install=%v erases=%v first=%v key=%v: %s", d.Machine, d.Install, d.Erases, d.FirstContact, d.HostKey != "", d.Reason))
	}
	want := []string{
		"web1 install=true erases=false first=true key=false: its server is created by this plan",
		"web2 install=true erases=true first=false key=false: it runs debian, not NixOS",
		"web3 install=true erases=false first=true key=true: it runs debian, not NixOS",
		"byhand install=false erases=false first=false key=false: changed by hand since freecloud deployed it",
		"elsewhere install=false erases=false first=false key=false: configuration changed",
		"fresh install=false erases=false first=true key=true: never deployed by freecloud",
		"away install=false erases=false first=false key=false: configuration changed",
		"reinstalling install=true erases=true first=false key=false: it runs the NixOS installer: an earlier install did not finish",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("deploys:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	text := p.Text()
	for _, w := range []string{
		"# host.web1 will have NixOS installed, then be deployed (its server is created by this plan)\n",
		"the new server's host key will be trusted on first use",
		"# host.web2 will have NixOS installed, then be deployed (it runs debian, not NixOS) — DATA LOSS: the install erases its boot disk",
		"it presents host key SHA256:",
		"# drift: changed by hand: it runs /nix/store/b, freecloud switched it to /nix/store/a",
		"# drift: the host runs configuration h9, not h1 as state records: deployed from elsewhere",
		"# not reachable now (connection refused): planned from state",
		"Data loss: host.web2 (install), host.reinstalling (install).",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

// Resources the provider has but state does not record (an apply cut off
// between creating and recording) make the plan non-empty, so that apply
// runs and records them.
func TestAdoptWhatStateLacks(t *testing.T) {
	web1 := &providers.Resource{Kind: "server", Name: "web1", ID: "7", Attrs: map[string]string{"server_type": "cx22"}}
	st := state.New("acme")
	in := Input{Deployment: "acme", State: st,
		Desired: map[string][]*providers.Resource{prov: {web1}},
		Actual:  map[string][]*providers.Resource{prov: {web1}},
	}
	p := Make(in)
	if p.Empty() || len(p.Adopt) != 1 || p.Adopt[0] != "server.web1" || len(p.Changes) != 0 {
		t.Fatalf("plan %+v; want server.web1 to adopt and nothing else", p)
	}
	if !strings.Contains(p.Text(), "= server.web1") {
		t.Errorf("text:\n%s", p.Text())
	}
	st.SetResource(&state.Resource{Provider: prov, Kind: "server", Name: "web1", ID: "7"})
	if p := Make(in); !p.Empty() {
		t.Errorf("state records it: plan %+v, want empty", p)
	}
}

// A server the plan creates from a NixOS image (AWS) is deployed, not
// installed, and its host key comes from the provider when it reports
// one; attributes that say only how a resource was first made (the
// image) never make a change.
func TestServerFromNixOSImage(t *testing.T) {
	const prov = "provider.aws.eu"
	spec := providers.KindSpec{Kind: "instance", Replace: []string{"subnet"}, CreateOnly: []string{"image"}, Machine: true}
	want := func(name, image string) *providers.Resource {
		return &providers.Resource{Kind: "instance", Name: name, Attrs: map[string]string{"instance_type": "t3.small", "image": image, "subnet": "eu-central-1a"}}
	}
	old := want("old", "ami-0000000000000000a")
	old.ID = "i-0a"
	st := state.New("acme")
	st.Hosts = []*state.Host{{Machine: "old", SSHHostKey: "ssh-ed25519 AAAA", Deployed: "h1"}}
	p := Make(Input{
		Deployment: "acme", State: st,
		Desired: map[string][]*providers.Resource{prov: {want("new", "ami-0000000000000000b"), want("old", "ami-0000000000000000b")}},
		Actual:  map[string][]*providers.Resource{prov: {old}},
		Kinds:   map[string][]providers.KindSpec{prov: {spec}},
		Machines: []Machine{
			{Name: "new", Hash: "h1", Provider: prov, Server: "instance.new", BootsNixOS: true, ReportsHostKeys: true},
			{Name: "old", Hash: "h1", Provider: prov, Server: "instance.old", BootsNixOS: true, ReportsHostKeys: true},
		},
	})
	if len(p.Changes) != 1 || p.Changes[0].Address != "instance.new" || p.Changes[0].Action != Create {
		t.Fatalf("changes = %v; want only instance.new created (a newer image does not replace instance.old)", p.Changes)
	}
	if len(p.Deploys) != 1 {
		t.Fatalf("deploys = %v; want instance.new only", p.Deploys)
	}
	d := p.Deploys[0]
	if d.Machine != "new" || d.Install || !d.FirstContact || !d.HostKeyFromProvider {
		t.Errorf("deploy = %+v; want a first-contact deploy without install, host key from the provider", d)
	}
	text := p.Text()
	for _, w := range []string{
		"# host.new will be deployed (its server is created by this plan from a NixOS image)",
		"apply reads the host keys the machine reports through its provider's API",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "trusted on first use") {
		t.Errorf("a key the provider reports is not trusted on first use:\n%s", text)
	}
}
