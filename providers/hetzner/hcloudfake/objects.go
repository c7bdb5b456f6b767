package hcloudfake

import (
	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// Kinds are the kinds of objects a project holds, by their API names.
var Kinds = []string{"ssh_keys", "networks", "firewalls", "primary_ips", "volumes", "servers"}

// Objects returns the objects of a kind ("servers", "volumes",
// "firewalls", "networks", "primary_ips", "ssh_keys") by ID.
func (f *Fake) Objects(kind string) []Object {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch kind {
	case "ssh_keys":
		return f.sshKeys.objects()
	case "networks":
		return f.networks.objects()
	case "firewalls":
		return f.firewalls.objects()
	case "primary_ips":
		return f.primaryIPs.objects()
	case "volumes":
		return f.volumes.objects()
	case "servers":
		return f.servers.objects()
	}
	f.t.Fatalf("hcloudfake: no kind %q; kinds are %v", kind, Kinds)
	return nil
}

// Add makes an object of a kind directly, without a request: something
// the project holds that a client did not make (another tool's, or an
// operator's). It is as small as the kind allows: a server is a cx22 in
// fsn1 with its own addresses, a volume 10 GB in fsn1, a network
// 10.0.0.0/16; it returns the object's ID.
func (f *Fake) Add(kind, name string, labels map[string]string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var id int64
	var err *apiError
	switch kind {
	case "ssh_keys":
		var k *schema.SSHKey
		k, err = f.createSSHKey(schema.SSHKeyCreateRequest{Name: name, PublicKey: PublicKey(name), Labels: &labels})
		if k != nil {
			id = k.ID
		}
	case "networks":
		var n *schema.Network
		n, err = f.createNetwork(schema.NetworkCreateRequest{Name: name, IPRange: "10.0.0.0/16", Labels: &labels})
		if n != nil {
			id = n.ID
		}
	case "firewalls":
		var fw *schema.Firewall
		fw, _, err = f.createFirewall(schema.FirewallCreateRequest{Name: name, Labels: &labels})
		if fw != nil {
			id = fw.ID
		}
	case "primary_ips":
		var ip *schema.PrimaryIP
		ip, _, err = f.createPrimaryIP(schema.PrimaryIPCreateRequest{Name: name, Type: "ipv4", AssigneeType: "server", Location: "fsn1", Labels: &labels})
		if ip != nil {
			id = ip.ID
		}
	case "volumes":
		var v *schema.Volume
		v, _, err = f.createVolume(schema.VolumeCreateRequest{Name: name, Size: 10, Location: &schema.IDOrName{Name: "fsn1"}, Labels: &labels})
		if v != nil {
			id = v.ID
		}
	case "servers":
		var resp *schema.ServerCreateResponse
		resp, err = f.createServer(schema.ServerCreateRequest{
			Name: name, ServerType: schema.IDOrName{Name: "cx22"}, Image: schema.IDOrName{Name: "debian-12"},
			Location: "fsn1", Labels: &labels, SSHKeys: []int64{},
		})
		if resp != nil {
			id = resp.Server.ID
		}
	default:
		f.t.Fatalf("hcloudfake: no kind %q; kinds are %v", kind, Kinds)
	}
	if err != nil {
		f.t.Fatalf("hcloudfake: add %s %q: %s (%s)", kind, name, err.message, err.code)
	}
	return id
}
