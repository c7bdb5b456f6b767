package hetzner

import (
	"context"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

// createPrimaryIP reserves an address in a location. Hetzner has retired
// datacenters from the API: primary IPs are placed by location alone.
// Unassigned and without auto_delete, the address outlives the server it
// is given to, so a replaced server keeps its addresses.
func (p *Provider) createPrimaryIP(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (int64, error) {
	res, _, err := p.client.PrimaryIP.Create(ctx, hcloud.PrimaryIPCreateOpts{
		Name: hetznerName(deployment, r.Name), Type: hcloud.PrimaryIPType(r.Attrs["type"]),
		Location: r.Attrs["location"], AssigneeType: "server", AutoDelete: hcloud.Ptr(false),
		Labels: labels(deployment, r),
	})
	if err != nil {
		return 0, err
	}
	return res.PrimaryIP.ID, p.wait(ctx, res.Action)
}

// deletePrimaryIP releases an address. The server it is assigned to goes
// first (it refers to it), which unassigns it.
func (p *Provider) deletePrimaryIP(ctx context.Context, id int64) error {
	_, err := p.client.PrimaryIP.Delete(ctx, &hcloud.PrimaryIP{ID: id})
	return err
}

func primaryIPAttrs(ip *hcloud.PrimaryIP) map[string]string {
	attrs := map[string]string{"type": string(ip.Type), "location": ""}
	if ip.Location != nil {
		attrs["location"] = ip.Location.Name
	}
	return attrs
}
