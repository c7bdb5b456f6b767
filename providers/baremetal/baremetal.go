// Package baremetal is the provider of machines that exist already: the
// organisation's own servers, a rented dedicated server, a VM it runs. It
// has no API and creates nothing, so it has no resource kinds: a bare-metal
// machine is declared with its address, port, user, country, boot disk
// and data disks (generator/config checks them), and what plan does with
// it — install NixOS when it runs another system, deploy when its
// configuration differs, nothing otherwise — comes from looking at the
// machine over SSH, the same for every provider (plan.Deploys).
//
// It is a Provider all the same, so that plan, apply and destroy treat
// every provider alike, and it passes the part of the conformance suite
// that applies to a provider without an API (providertest.RunWithoutAPI).
package baremetal

import (
	"context"
	"errors"
	"fmt"

	"github.com/freecloud/freecloud/providers"
)

// Provider is the bare-metal provider.
type Provider struct{}

// New returns the bare-metal provider.
func New() *Provider { return &Provider{} }

// ErrNoAPI: there is nothing to create, change or delete at a bare-metal
// provider. Plan never asks, since it has no resources.
var ErrNoAPI = errors.New("bare metal has no API: its machines exist already and are reached over SSH")

// Kinds: none.
func (*Provider) Kinds() []providers.KindSpec { return nil }

// Desired: a bare-metal machine needs no resources.
func (*Provider) Desired(context.Context, string, []providers.MachineSpec) ([]*providers.Resource, error) {
	return nil, nil
}

// Validate accepts no resources, having no kinds.
func (*Provider) Validate(_ context.Context, desired []*providers.Resource) []*providers.ResourceError {
	var out []*providers.ResourceError
	for _, r := range desired {
		out = append(out, &providers.ResourceError{Address: r.Address(), Msg: "bare metal has no resources of kind " + r.Kind})
	}
	return out
}

// List: nothing, there being nowhere to list from.
func (*Provider) List(context.Context, string) ([]*providers.Resource, error) { return nil, nil }

// Create refuses: plan never creates bare-metal resources.
func (*Provider) Create(_ context.Context, _ string, r *providers.Resource, _ providers.IDs) (*providers.Resource, error) {
	return nil, fmt.Errorf("%s: %w", r.Address(), ErrNoAPI)
}

// Update refuses, like Create.
func (*Provider) Update(_ context.Context, _ string, current, _ *providers.Resource, _ providers.IDs) (*providers.Resource, error) {
	return nil, fmt.Errorf("%s: %w", current.Address(), ErrNoAPI)
}

// Delete refuses, like Create: a machine that leaves the deployment is
// not wiped by freecloud.
func (*Provider) Delete(_ context.Context, r *providers.Resource) error {
	return fmt.Errorf("%s: %w", r.Address(), ErrNoAPI)
}
