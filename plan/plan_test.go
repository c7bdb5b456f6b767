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
	p := Make(Input{
		Deployment: "acme",
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
	machines := []Machine{{"same", "h1"}, {"changed", "h2"}, {"keyless", "h3"}, {"new", "h4"}}
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
		"~ host.changed will be deployed (configuration changed)",
		"~ host.new will be deployed (never deployed by freecloud)",
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
	if Deploys([]Machine{{"same", "h1"}}, st) != nil {
		t.Error("a machine deployed with its current hash needs no deploy")
	}
}
