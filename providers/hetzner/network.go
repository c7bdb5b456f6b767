package hetzner

import (
	"context"
	"net"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

// createNetwork makes a private network with its one subnet, in one
// request.
func (p *Provider) createNetwork(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (int64, error) {
	_, ipRange, err := net.ParseCIDR(r.Attrs["ip_range"])
	if err != nil {
		return 0, err
	}
	_, subnet, err := net.ParseCIDR(r.Attrs["subnet"])
	if err != nil {
		return 0, err
	}
	n, _, err := p.client.Network.Create(ctx, hcloud.NetworkCreateOpts{
		Name: hetznerName(deployment, r.Name), IPRange: ipRange, Labels: labels(deployment, r),
		Subnets: []hcloud.NetworkSubnet{{
			Type: hcloud.NetworkSubnetTypeCloud, IPRange: subnet, NetworkZone: hcloud.NetworkZone(r.Attrs["network_zone"]),
		}},
	})
	if err != nil {
		return 0, err
	}
	return n.ID, nil
}

func (p *Provider) deleteNetwork(ctx context.Context, id int64) error {
	_, err := p.client.Network.Delete(ctx, &hcloud.Network{ID: id})
	return err
}

// networkAttrs reads a network back; its subnet is its first cloud subnet.
func networkAttrs(n *hcloud.Network) map[string]string {
	attrs := map[string]string{"ip_range": n.IPRange.String(), "subnet": "", "network_zone": ""}
	for _, s := range n.Subnets {
		if s.Type == hcloud.NetworkSubnetTypeCloud {
			attrs["subnet"], attrs["network_zone"] = s.IPRange.String(), string(s.NetworkZone)
			break
		}
	}
	return attrs
}
