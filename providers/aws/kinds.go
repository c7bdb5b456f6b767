package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/freecloud/freecloud/providers"
)

// A kind is how the provider handles one kind of resource.
type kind struct {
	spec   providers.KindSpec
	create func(p *Provider, ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (string, error)
	// update changes what is neither in spec.Replace nor in
	// spec.CreateOnly; nil if nothing can be.
	update func(p *Provider, ctx context.Context, deployment, id string, current, desired *providers.Resource, ids providers.IDs) error
	delete func(p *Provider, ctx context.Context, id string) error
}

// kinds in the order they are made: what others refer to first. An
// instance comes last: it needs its subnet, routes, security group, key,
// address and volumes.
var kinds = []kind{
	{spec: providers.KindSpec{Kind: "key_pair", Replace: []string{"public_key"}},
		create: (*Provider).createKeyPair, delete: (*Provider).deleteKeyPair},
	{spec: providers.KindSpec{Kind: "vpc", Replace: []string{"cidr_block"}},
		create: (*Provider).createVPC, delete: (*Provider).deleteVPC},
	{spec: providers.KindSpec{Kind: "internet_gateway"},
		create: (*Provider).createInternetGateway, update: (*Provider).updateInternetGateway, delete: (*Provider).deleteInternetGateway},
	{spec: providers.KindSpec{Kind: "subnet", Replace: []string{"vpc", "cidr_block", "availability_zone"}},
		create: (*Provider).createSubnet, delete: (*Provider).deleteSubnet},
	{spec: providers.KindSpec{Kind: "route_table", Replace: []string{"vpc"}},
		create: (*Provider).createRouteTable, update: (*Provider).updateRouteTable, delete: (*Provider).deleteRouteTable},
	{spec: providers.KindSpec{Kind: "security_group", Replace: []string{"vpc"}},
		create: (*Provider).createSecurityGroup, update: (*Provider).updateSecurityGroup, delete: (*Provider).deleteSecurityGroup},
	{spec: providers.KindSpec{Kind: "elastic_ip"},
		create: (*Provider).createElasticIP, delete: (*Provider).deleteElasticIP},
	{spec: providers.KindSpec{Kind: "volume", Replace: []string{"availability_zone", "type"}, HoldsData: true},
		create: (*Provider).createVolume, update: (*Provider).updateVolume, delete: (*Provider).deleteVolume},
	{spec: providers.KindSpec{Kind: "instance", Replace: []string{"subnet", "availability_zone", "architecture"}, CreateOnly: []string{"image", "key_pair"}, HoldsData: true, Machine: true},
		create: (*Provider).createInstance, update: (*Provider).updateInstance, delete: (*Provider).deleteInstance},
}

// resourceTypes are EC2's names of the kinds in TagSpecifications.
var resourceTypes = map[string]string{
	"key_pair": "key-pair", "vpc": "vpc", "internet_gateway": "internet-gateway", "subnet": "subnet",
	"route_table": "route-table", "security_group": "security-group", "elastic_ip": "elastic-ip",
	"volume": "volume", "instance": "instance",
}

func (k kind) KindSpec() providers.KindSpec { return k.spec }

func kindOf(name string) (*kind, error) { return providers.Handler("aws", kinds, name) }

// Kinds lists the kinds of resources, what others refer to first.
func (p *Provider) Kinds() []providers.KindSpec { return providers.Specs(kinds) }

// Create makes a resource and waits until it is usable. If it was made
// but a later step failed (attaching, waiting), the error comes with the
// resource and its ID; the next plan shows what is missing as an update.
func (p *Provider) Create(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (*providers.Resource, error) {
	k, err := kindOf(r.Kind)
	if err != nil {
		return nil, providers.OpError("create", r, err)
	}
	id, err := k.create(p, ctx, deployment, r, ids)
	err = providers.OpError("create", r, explain(err))
	if id == "" {
		return nil, err
	}
	made := providers.Clone(r)
	made.ID = id
	return made, err
}

// Update changes a resource in place. It refuses a change of an attribute
// that needs a new resource rather than ignore it; attributes that only
// say how a resource was first made are not looked at.
func (p *Provider) Update(ctx context.Context, deployment string, current, desired *providers.Resource, ids providers.IDs) (*providers.Resource, error) {
	k, err := kindOf(desired.Kind)
	if err != nil {
		return nil, providers.OpError("update", desired, err)
	}
	if current.ID == "" {
		return nil, providers.OpError("update", desired, errors.New("it has no EC2 ID"))
	}
	if err := providers.CheckReplace(k.spec, current, desired); err != nil {
		return nil, providers.OpError("update", desired, err)
	}
	if k.update != nil {
		err = k.update(p, ctx, deployment, current.ID, current, desired, ids)
	} else if !maps.EqualFunc(comparable(k, current), comparable(k, desired), func(a, b string) bool { return a == b }) {
		err = errors.New("nothing of it can change in place")
	}
	if err != nil {
		return nil, providers.OpError("update", desired, explain(err))
	}
	updated := providers.Clone(desired)
	updated.ID = current.ID
	return updated, nil
}

// comparable is a resource's attributes without those only creation reads.
func comparable(k *kind, r *providers.Resource) map[string]string {
	out := maps.Clone(r.Attrs)
	for _, attr := range k.spec.CreateOnly {
		delete(out, attr)
	}
	return out
}

// Delete removes a resource and waits until it is gone, so that what it
// held (a subnet, a volume) can go next; one that is already gone is not
// an error.
func (p *Provider) Delete(ctx context.Context, r *providers.Resource) error {
	k, err := kindOf(r.Kind)
	if err != nil {
		return providers.OpError("delete", r, err)
	}
	if r.ID == "" {
		return providers.OpError("delete", r, errors.New("it has no EC2 ID"))
	}
	if err := k.delete(p, ctx, r.ID); err != nil && !isNotFound(err) {
		return providers.OpError("delete", r, explain(err))
	}
	return nil
}

// refID resolves the reference of r to the resource kind.name.
func refID(ids providers.IDs, kind, name string) (string, error) {
	ref := kind + "." + name
	id, ok := ids(ref)
	if !ok || id == "" {
		return "", fmt.Errorf("needs %s, which has no ID yet", ref)
	}
	return id, nil
}

// existingOr is an attribute naming either a resource of freecloud's
// (resolved through ids) or an existing EC2 object by its ID (vpc-…,
// subnet-…), which is used as it is.
func existingOr(ids providers.IDs, kind, value string) (string, error) {
	if isEC2ID(value) {
		return value, nil
	}
	return refID(ids, kind, value)
}

// isEC2ID tells the ID of an existing VPC or subnet (vpc-0abc…) from a
// freecloud name (an availability zone, a region).
func isEC2ID(s string) bool {
	for _, prefix := range []string{"vpc-", "subnet-"} {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix && isHex(s[len(prefix):]) {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	return !slices.ContainsFunc([]byte(s), func(c byte) bool { return !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') })
}
