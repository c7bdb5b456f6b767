package hetzner_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
)

var (
	alice = hcloudfake.PublicKey("alice")
	bob   = hcloudfake.PublicKey("bob")
)

// at is a bare machine in a location, with alice as admin.
func at(name, location string) providers.MachineSpec {
	return providers.MachineSpec{Name: name, Location: location, Size: "cpx21", Admins: []string{alice}}
}

func TestDesired(t *testing.T) {
	tests := []struct {
		name     string
		machines []providers.MachineSpec
		// want maps addresses to attributes they must have ("" for just
		// the address); every address of the result must be listed.
		want map[string]map[string]string
		// refs are references of server.<first machine>.
		refs []string
	}{{
		name:     "one machine",
		machines: []providers.MachineSpec{at("web1", "fsn1")},
		want: map[string]map[string]string{
			"server.web1":          {"location": "fsn1", "server_type": "cpx21", "image": "debian-12", "network": "", "volumes": "", "labels": ""},
			"firewall.web1":        {"rules": "tcp/22"},
			"primary_ip.web1-ipv4": {"type": "ipv4", "location": "fsn1"},
			"primary_ip.web1-ipv6": {"type": "ipv6", "location": "fsn1"},
			keyAddress(alice):      {"public_key": strings.Join(strings.Fields(alice)[:2], " ")},
		},
		refs: []string{"firewall.web1", "primary_ip.web1-ipv4", "primary_ip.web1-ipv6", keyAddress(alice)},
	}, {
		name:     "several machines in one network zone share a network",
		machines: []providers.MachineSpec{at("web1", "fsn1"), at("web2", "nbg1"), at("db1", "hel1")},
		want: map[string]map[string]string{
			"server.web1": {"network": "eu-central"}, "server.web2": {"network": "eu-central"}, "server.db1": {"network": "eu-central"},
			"network.eu-central": {"ip_range": "10.0.0.0/16", "subnet": "10.0.1.0/24", "network_zone": "eu-central"},
			"firewall.web1":      nil, "firewall.web2": nil, "firewall.db1": nil,
			"primary_ip.web1-ipv4": nil, "primary_ip.web1-ipv6": nil, "primary_ip.web2-ipv4": nil,
			"primary_ip.web2-ipv6": nil, "primary_ip.db1-ipv4": nil, "primary_ip.db1-ipv6": nil,
			keyAddress(alice): nil,
		},
		refs: []string{"firewall.web1", "network.eu-central", "primary_ip.web1-ipv4", "primary_ip.web1-ipv6", keyAddress(alice)},
	}, {
		name:     "machines in two network zones share none",
		machines: []providers.MachineSpec{at("eu", "fsn1"), at("us", "ash")},
		want: map[string]map[string]string{
			"server.eu": {"network": ""}, "server.us": {"network": ""},
			"firewall.eu": nil, "firewall.us": nil,
			"primary_ip.eu-ipv4": {"location": "fsn1"}, "primary_ip.eu-ipv6": nil,
			"primary_ip.us-ipv4": {"location": "ash"}, "primary_ip.us-ipv6": nil,
			keyAddress(alice): nil,
		},
	}, {
		name: "disks are volumes next to the server",
		machines: []providers.MachineSpec{func() providers.MachineSpec {
			m := at("nas", "hel1")
			m.Disks = []providers.DiskSpec{{Name: "media", SizeGB: 500}, {Name: "backup", SizeGB: 100}}
			return m
		}()},
		want: map[string]map[string]string{
			"server.nas":        {"volumes": "nas-backup,nas-media"},
			"volume.nas-media":  {"size": "500", "location": "hel1"},
			"volume.nas-backup": {"size": "100", "location": "hel1"},
			"firewall.nas":      nil, "primary_ip.nas-ipv4": nil, "primary_ip.nas-ipv6": nil, keyAddress(alice): nil,
		},
		refs: []string{"firewall.nas", "primary_ip.nas-ipv4", "primary_ip.nas-ipv6", keyAddress(alice), "volume.nas-backup", "volume.nas-media"},
	}, {
		name: "ports open the firewall, sorted, SSH always",
		machines: []providers.MachineSpec{func() providers.MachineSpec {
			m := at("gw", "fsn1")
			m.Ports = []providers.Port{{Protocol: "udp", Port: 51820}, {Protocol: "tcp", Port: 443}, {Protocol: "tcp", Port: 80}, {Protocol: "tcp", Port: 443}}
			m.Labels = map[string]string{"tier": "edge", "team": "net"}
			return m
		}()},
		want: map[string]map[string]string{
			"firewall.gw":        {"rules": "tcp/22,tcp/443,tcp/80,udp/51820"},
			"server.gw":          {"labels": "team=net,tier=edge"},
			"primary_ip.gw-ipv4": nil, "primary_ip.gw-ipv6": nil, keyAddress(alice): nil,
		},
	}, {
		name: "one SSH key per distinct admin key, whatever its comment",
		machines: []providers.MachineSpec{
			{Name: "a", Location: "fsn1", Size: "cx22", Admins: []string{alice, bob}},
			{Name: "b", Location: "ash", Size: "cpx11", Admins: []string{strings.Replace(alice, " alice", " alice@laptop", 1)}},
		},
		want: map[string]map[string]string{
			keyAddress(alice): nil, keyAddress(bob): nil,
			"server.a": nil, "server.b": nil, "firewall.a": nil, "firewall.b": nil,
			"primary_ip.a-ipv4": nil, "primary_ip.a-ipv6": nil, "primary_ip.b-ipv4": nil, "primary_ip.b-ipv6": nil,
		},
		refs: []string{"firewall.a", "primary_ip.a-ipv4", "primary_ip.a-ipv6", keyAddress(alice), keyAddress(bob)},
	}}
	p := newOffline()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := p.Desired(context.Background(), "acme", tt.machines)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*providers.Resource{}
			for _, r := range rs {
				got[r.Address()] = r
				if _, ok := tt.want[r.Address()]; !ok {
					t.Errorf("unexpected %s %v", r.Address(), r.Attrs)
				}
			}
			for addr, attrs := range tt.want {
				r := got[addr]
				if r == nil {
					t.Errorf("missing %s", addr)
					continue
				}
				for k, v := range attrs {
					if r.Attrs[k] != v {
						t.Errorf("%s: %s = %q, want %q", addr, k, r.Attrs[k], v)
					}
				}
			}
			if tt.refs != nil {
				server := got["server."+tt.machines[0].Name]
				slices.Sort(tt.refs)
				if strings.Join(server.Refs, " ") != strings.Join(tt.refs, " ") {
					t.Errorf("refs = %v, want %v", server.Refs, tt.refs)
				}
			}
		})
	}
}

func TestDesiredRefusesWhatHetznerWould(t *testing.T) {
	p := newOffline()
	for _, tt := range []struct {
		name    string
		machine providers.MachineSpec
		want    string
	}{
		{"no admin", providers.MachineSpec{Name: "a", Location: "fsn1", Size: "cx22"}, "needs at least one admin"},
		{"bad admin key", providers.MachineSpec{Name: "a", Location: "fsn1", Size: "cx22", Admins: []string{"not a key"}}, "not an OpenSSH public key"},
		{"host name", providers.MachineSpec{Name: "Web_1", Location: "fsn1", Size: "cx22", Admins: []string{alice}}, "machine name"},
		{"port", providers.MachineSpec{Name: "a", Location: "fsn1", Size: "cx22", Admins: []string{alice}, Ports: []providers.Port{{Protocol: "sctp", Port: 9}}}, "tcp or udp"},
		{"freecloud's labels", providers.MachineSpec{Name: "a", Location: "fsn1", Size: "cx22", Admins: []string{alice}, Labels: map[string]string{"freecloud/name": "x"}}, "freecloud's"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{tt.machine})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	// web + disk "1-data" and web-1 + disk "data" would both be volume web-1-data.
	clash := []providers.MachineSpec{at("web", "fsn1"), at("web-1", "fsn1")}
	clash[0].Disks = []providers.DiskSpec{{Name: "1-data", SizeGB: 10}}
	clash[1].Disks = []providers.DiskSpec{{Name: "data", SizeGB: 20}}
	if _, err := p.Desired(context.Background(), "acme", clash); err == nil || !strings.Contains(err.Error(), "volume.web-1-data") {
		t.Errorf("a name clash gave %v", err)
	}
}

func TestKinds(t *testing.T) {
	specs := map[string]providers.KindSpec{}
	for _, k := range newOffline().Kinds() {
		specs[k.Kind] = k
	}
	for kind, want := range map[string]struct {
		replace   string
		holdsData bool
	}{
		"server": {"image,location", true}, "volume": {"location", true}, "firewall": {"", false},
		"primary_ip": {"location,type", false}, "ssh_key": {"public_key", false}, "network": {"ip_range,network_zone,subnet", false},
	} {
		if got := strings.Join(specs[kind].Replace, ","); got != want.replace || specs[kind].HoldsData != want.holdsData {
			t.Errorf("%s: replace %q, holds data %v; want %q, %v", kind, got, specs[kind].HoldsData, want.replace, want.holdsData)
		}
	}
}

// keyAddress is the address of an admin key's resource.
func keyAddress(publicKey string) string {
	rs, err := newOffline().Desired(context.Background(), "x", []providers.MachineSpec{{Name: "m", Location: "fsn1", Size: "cx22", Admins: []string{publicKey}}})
	if err != nil {
		panic(err)
	}
	for _, r := range rs {
		if r.Kind == "ssh_key" {
			return r.Address()
		}
	}
	panic("no ssh_key")
}

// newOffline is a provider for what needs no API.
func newOffline() *hetzner.Provider {
	p, err := hetzner.New(context.Background(), hetzner.Options{Token: "unused", Endpoint: "http://127.0.0.1:1/v1"})
	if err != nil {
		panic(err)
	}
	return p
}
