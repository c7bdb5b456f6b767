package ec2fake

import (
	"maps"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// ResourceTypes are the types of objects the fake keeps, by the names
// TagSpecification uses. Methods that take a resource type also take
// them with underscores (key_pair, elastic_ip…), as freecloud names its
// kinds.
var ResourceTypes = []string{
	"key-pair", "vpc", "subnet", "internet-gateway", "route-table",
	"security-group", "elastic-ip", "volume", "instance",
}

// resourceType checks and normalises a resource type a test names.
func (f *Fake) resourceType(typ string) string {
	typ = strings.ReplaceAll(typ, "_", "-")
	for _, t := range ResourceTypes {
		if t == typ {
			return typ
		}
	}
	f.t.Fatalf("ec2fake: no resource type %q; types are %s", typ, strings.Join(ResourceTypes, ", "))
	return ""
}

// Busy tells whether an object is between states, not usable yet: an
// instance pending, stopping or shutting-down, a volume creating. Other
// objects are never busy.
func (f *Fake) Busy(resourceType, id string) bool {
	typ := f.resourceType(resourceType)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	switch typ {
	case "instance":
		i := f.instances[id]
		return i != nil && i.busy()
	case "volume":
		v := f.volumes[id]
		return v != nil && v.state == "creating"
	}
	return false
}

// An Object is what a test sees of any object: its ID, its Name tag and
// all its tags.
type Object struct {
	ID   string
	Name string
	Tags map[string]string
}

// Objects lists the objects of a resource type in the order they were
// made, leaving out terminated instances: what exists, for tests that
// check nothing was made twice or left behind.
func (f *Fake) Objects(resourceType string) []Object {
	typ := f.resourceType(resourceType)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	var out []Object
	for _, obj := range sorted(f.objects) {
		m := obj.base()
		if m.typ != typ {
			continue
		}
		if i, ok := obj.(*instance); ok && i.state == "terminated" {
			continue
		}
		out = append(out, Object{ID: m.id, Name: m.tags["Name"], Tags: maps.Clone(m.tags)})
	}
	return out
}

// Tags are an object's tags; nil if there is no object with that ID.
func (f *Fake) Tags(id string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	if obj := f.objects[id]; obj != nil {
		return maps.Clone(obj.base().tags)
	}
	return nil
}

// An Instance is what a test sees of an instance.
type Instance struct {
	ID, State, Type, Architecture string
	ImageID, KeyName              string
	SubnetID, VpcID, Zone         string
	SecurityGroups                []string
	PrivateIP, PublicIP           string // PublicIP is its Elastic IP if it has one
	ElasticIP                     string // the allocation ID of its Elastic IP
	Volumes                       []string
	Tags                          map[string]string
	// HostKey is its SSH host key as an authorized_keys line.
	HostKey    string
	LaunchTime time.Time
}

// Instance is a copy of an instance as it is now; false if there is none
// (or no longer: terminated instances are forgotten after a while).
func (f *Fake) Instance(id string) (Instance, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	i := f.instances[id]
	if i == nil {
		return Instance{}, false
	}
	out := Instance{
		ID: i.id, State: i.state, Type: i.itype, Architecture: i.arch, ImageID: i.image, KeyName: i.keyName,
		SubnetID: i.subnet, VpcID: i.vpc, Zone: i.zone, SecurityGroups: append([]string(nil), i.groups...),
		PrivateIP: i.privateIP.String(), PublicIP: f.publicIP(i), Tags: maps.Clone(i.tags),
		HostKey:    strings.TrimSpace(string(ssh.MarshalAuthorizedKey(i.publicHostKey()))),
		LaunchTime: i.launched,
	}
	if a := f.elasticIP(i); a != nil {
		out.ElasticIP = a.id
	}
	for _, v := range f.instanceVolumes(i) {
		out.Volumes = append(out.Volumes, v.id)
	}
	return out, true
}

// A Volume is what a test sees of a volume.
type Volume struct {
	ID, State, Type, Zone string
	Size                  int // GiB
	Instance, Device      string
	DeleteOnTermination   bool
	Tags                  map[string]string
}

// Volume is a copy of a volume as it is now; false if there is none.
func (f *Fake) Volume(id string) (Volume, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	v := f.volumes[id]
	if v == nil {
		return Volume{}, false
	}
	out := Volume{ID: v.id, State: v.state, Type: v.vtype, Zone: v.zone, Size: v.size, Tags: maps.Clone(v.tags)}
	if a := v.attachment; a != nil {
		out.Instance, out.Device, out.DeleteOnTermination = a.instance, a.device, a.deleteOnTermination
	}
	return out, true
}

// A Subnet is a subnet as tests see it.
type Subnet struct {
	ID, VpcID, Zone, CIDR string
}

// Subnet is a copy of a subnet; false if there is none.
func (f *Fake) Subnet(id string) (Subnet, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.subnets[id]
	if s == nil {
		return Subnet{}, false
	}
	return Subnet{ID: s.id, VpcID: s.vpc, Zone: s.zone, CIDR: s.cidr.String()}, true
}
