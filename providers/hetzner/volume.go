package hetzner

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

// createVolume makes an unformatted volume in a location: the server that
// refers to it attaches it, and NixOS formats and mounts it.
func (p *Provider) createVolume(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (int64, error) {
	size, err := strconv.Atoi(r.Attrs["size"])
	if err != nil {
		return 0, fmt.Errorf("size %q is not a number of GB", r.Attrs["size"])
	}
	res, _, err := p.client.Volume.Create(ctx, hcloud.VolumeCreateOpts{
		Name: hetznerName(deployment, r.Name), Size: size, Location: &hcloud.Location{Name: r.Attrs["location"]},
		Labels: labels(deployment, r),
	})
	if err != nil {
		return 0, err
	}
	return res.Volume.ID, p.wait(ctx, append(res.NextActions, res.Action)...)
}

// updateVolume grows a volume. Hetzner cannot shrink one: that needs a
// new, empty volume, which loses the data, so it is refused here rather
// than done behind the operator's back.
func (p *Provider) updateVolume(ctx context.Context, _ string, id int64, current, desired *providers.Resource, _ providers.IDs) error {
	have, _ := strconv.Atoi(current.Attrs["size"])
	want, err := strconv.Atoi(desired.Attrs["size"])
	switch {
	case err != nil:
		return fmt.Errorf("size %q is not a number of GB", desired.Attrs["size"])
	case want < have:
		return fmt.Errorf("a volume cannot shrink (%d GB → %d GB); a smaller one means a new, empty volume: move the data, then remove the disk and add a new one", have, want)
	case want == have:
		return nil
	}
	action, _, err := p.client.Volume.Resize(ctx, &hcloud.Volume{ID: id}, want)
	if err != nil {
		return err
	}
	return p.wait(ctx, action)
}

// deleteVolume detaches a volume if it still is attached, then deletes it.
func (p *Provider) deleteVolume(ctx context.Context, id int64) error {
	v, _, err := p.client.Volume.GetByID(ctx, id)
	if err != nil || v == nil {
		return err
	}
	if v.Server != nil {
		action, _, err := p.client.Volume.Detach(ctx, v)
		if err != nil {
			return err
		}
		if err := p.wait(ctx, action); err != nil {
			return err
		}
	}
	_, err = p.client.Volume.Delete(ctx, v)
	return err
}

func volumeAttrs(v *hcloud.Volume) map[string]string {
	attrs := map[string]string{"size": strconv.Itoa(v.Size), "location": ""}
	if v.Location != nil {
		attrs["location"] = v.Location.Name
	}
	return attrs
}
