package providers

import (
	"context"
	"fmt"
	"sort"
)

// A Resource is one object at a provider: as the deployment wants it
// (ID empty until created) or as the provider reports it.
type Resource struct {
	// Kind is the provider's resource type: server, volume, ssh_key…
	Kind string
	// Name is freecloud's name for it, unique per kind in a deployment.
	// Providers store it in a label (freecloud/name), with the deployment
	// (freecloud/deployment) and the kind (freecloud/kind).
	Name string
	// ID is the provider's identifier; empty in a desired resource.
	ID string
	// Attrs are the properties plan compares, as strings. They never hold
	// a secret: they are shown in plans and kept in state.
	Attrs map[string]string
	// Outputs are facts a provider reports that the deployment does not
	// set, such as a server's public address: never compared by plan.
	Outputs map[string]string
	// Refs are the addresses (<kind>.<name>) of the resources this one
	// needs: created first, deleted after, their IDs passed to Create.
	Refs []string
}

// Address is <kind>.<name>, e.g. server.web1.
func (r *Resource) Address() string { return r.Kind + "." + r.Name }

// A KindSpec says how plan treats a kind of resource.
type KindSpec struct {
	Kind string
	// Replace lists the attributes whose change needs a new resource;
	// other changes are made in place by Update.
	Replace []string
	// HoldsData marks kinds whose deletion or replacement loses data
	// (servers, volumes): apply refuses it unless the operator agrees.
	HoldsData bool
	// CreateOnly lists the attributes that say how a resource is first
	// made and matter no more once it exists, such as the image a server
	// first boots (NixOS images are replaced every few weeks; the deployed
	// configuration decides what runs): shown when the resource is
	// created, never compared afterwards, so a newer image never replaces
	// a server.
	CreateOnly []string
	// Machine marks the kind a machine runs on (Hetzner's server, AWS's
	// instance): one per machine, named after it, whose Outputs["ipv4"] is
	// where freecloud reaches the machine over SSH.
	Machine bool
}

// A MachineSpec is what a provider needs to know of a machine to derive
// its resources.
type MachineSpec struct {
	Name     string
	Location string
	Size     string
	// Admins are SSH public keys that may log in as root.
	Admins []string
	Disks  []DiskSpec
	// Ports are the ports the machine's services expose publicly.
	Ports []Port
	// Labels are the operator's labels for the machine.
	Labels map[string]string
}

// CheckCloud checks what every cloud needs of a machine: a location, a
// size, and an admin key, without which the image lets nobody in (or the
// provider mails a root password, a secret outside freecloud's control).
func (m MachineSpec) CheckCloud() error {
	if m.Location == "" || m.Size == "" {
		return fmt.Errorf("machine %s: needs a location and a size", m.Name)
	}
	if len(m.Admins) == 0 {
		return fmt.Errorf("machine %s: needs at least one admin SSH key", m.Name)
	}
	return nil
}

// A Kinded is a provider's handler of one kind of resource.
type Kinded interface{ KindSpec() KindSpec }

// Specs lists the specs of a provider's handlers, in their order.
func Specs[K Kinded](handlers []K) []KindSpec {
	out := make([]KindSpec, len(handlers))
	for i, h := range handlers {
		out[i] = h.KindSpec()
	}
	return out
}

// Handler finds the handler of a kind among a provider's.
func Handler[K Kinded](provider string, handlers []K, kind string) (*K, error) {
	for i := range handlers {
		if handlers[i].KindSpec().Kind == kind {
			return &handlers[i], nil
		}
	}
	return nil, fmt.Errorf("%s has no resource kind %q", provider, kind)
}

// A DiskSpec is a data disk to provision.
type DiskSpec struct {
	Name   string
	SizeGB int
}

// A Port is a public inbound port.
type Port struct {
	Protocol string // tcp or udp
	Port     int
}

// IDs resolves the address of a resource created earlier to its
// provider ID.
type IDs func(address string) (string, bool)

// A Provider creates, lists, changes and deletes a deployment's resources
// at one provider. One implementation per provider type (hetzner, aws…)
// passes the conformance suite in providers/providertest.
type Provider interface {
	// Kinds lists the provider's resource kinds, referenced kinds first
	// (ssh keys before servers): apply removes resources in the reverse
	// order, since List need not report references.
	Kinds() []KindSpec
	// Desired derives the resources a set of machines needs. It may read
	// the provider's catalogue (zones, the newest image), never the
	// deployment's resources: what is wanted does not depend on what
	// exists.
	Desired(ctx context.Context, deployment string, machines []MachineSpec) ([]*Resource, error)
	// Validate checks desired resources against what the provider offers
	// (locations, sizes, images), saying what would be valid.
	Validate(ctx context.Context, desired []*Resource) []*ResourceError
	// List returns every resource labelled with the deployment: one
	// paginated call per kind, never one call per resource.
	List(ctx context.Context, deployment string) ([]*Resource, error)
	// Create makes a resource, labelled with the deployment, kind and
	// name, and waits until it is usable. When it was made but a later
	// step failed, it returns the resource (with its ID) and the error.
	Create(ctx context.Context, deployment string, r *Resource, ids IDs) (*Resource, error)
	// Update changes current in place to match desired.
	Update(ctx context.Context, deployment string, current, desired *Resource, ids IDs) (*Resource, error)
	// Delete removes a resource; a resource already gone is not an error.
	Delete(ctx context.Context, r *Resource) error
}

// A ResourceError is a problem with one resource, for a diagnostic.
type ResourceError struct {
	Address string
	// Attr is the attribute at fault, e.g. location; empty for the whole
	// resource.
	Attr string
	Msg  string
}

func (e *ResourceError) Error() string {
	if e.Attr == "" {
		return e.Address + ": " + e.Msg
	}
	return fmt.Sprintf("%s: %s: %s", e.Address, e.Attr, e.Msg)
}

// SortResources orders resources by address, for stable output.
func SortResources(rs []*Resource) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Address() < rs[j].Address() })
}

// A HostKeyReporter tells the SSH host keys a server reported through the
// provider rather than over SSH, as NixOS's EC2 image prints them on the
// instance's console: first contact then pins them instead of trusting
// the first key it sees. None yet (the server still boots) is nil, nil.
type HostKeyReporter interface {
	HostKeys(ctx context.Context, server *Resource) ([]string, error)
}
