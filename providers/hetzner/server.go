package hetzner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

// createServer makes a server with everything it refers to: SSH keys,
// firewall, primary IPs, volumes and network, in one request; it waits
// for the server to run with all of it attached. It gets no user_data:
// NixOS is installed over SSH, and user_data is readable from the server.
func (p *Provider) createServer(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (int64, error) {
	refs, err := serverRefs(r, ids)
	if err != nil {
		return 0, err
	}
	opts := hcloud.ServerCreateOpts{
		Name:             hetznerName(deployment, r.Name),
		ServerType:       &hcloud.ServerType{Name: r.Attrs["server_type"]},
		Image:            &hcloud.Image{Name: r.Attrs["image"]},
		Location:         &hcloud.Location{Name: r.Attrs["location"]},
		Labels:           serverLabels(deployment, r),
		StartAfterCreate: hcloud.Ptr(true),
		// NixOS mounts the volumes, not the image's cloud-init.
		Automount: hcloud.Ptr(false),
		PublicNet: &hcloud.ServerCreatePublicNet{EnableIPv4: true, EnableIPv6: true},
	}
	for _, id := range idList(refs["ssh_key"]) {
		opts.SSHKeys = append(opts.SSHKeys, &hcloud.SSHKey{ID: id})
	}
	for _, id := range idList(refs["firewall"]) {
		opts.Firewalls = append(opts.Firewalls, &hcloud.ServerCreateFirewall{Firewall: hcloud.Firewall{ID: id}})
	}
	for _, id := range idList(refs["volume"]) {
		opts.Volumes = append(opts.Volumes, &hcloud.Volume{ID: id})
	}
	for _, id := range idList(refs["network"]) {
		opts.Networks = append(opts.Networks, &hcloud.Network{ID: id})
	}
	for name, id := range refs["primary_ip"] {
		switch {
		case strings.HasSuffix(name, ipv4Suffix):
			opts.PublicNet.IPv4 = &hcloud.PrimaryIP{ID: id}
		case strings.HasSuffix(name, ipv6Suffix):
			opts.PublicNet.IPv6 = &hcloud.PrimaryIP{ID: id}
		}
	}
	res, _, err := p.client.Server.Create(ctx, opts)
	if err != nil {
		return 0, err
	}
	return res.Server.ID, p.wait(ctx, append(res.NextActions, res.Action)...)
}

// serverRefs resolves a server's references to IDs, by kind and name.
func serverRefs(r *providers.Resource, ids providers.IDs) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	for _, kind := range []string{"ssh_key", "firewall", "volume", "network", "primary_ip"} {
		byName, err := refIDs(r, ids, kind)
		if err != nil {
			return nil, err
		}
		out[kind] = byName
	}
	return out, nil
}

// idList lists the IDs of resources by name, in the order of the names.
func idList(byName map[string]int64) []int64 {
	var out []int64
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[name])
	}
	return out
}

// serverLabels are a server's labels: freecloud's, its image's (which the
// API may forget) and the operator's.
func serverLabels(deployment string, r *providers.Resource) map[string]string {
	l := parseLabels(r.Attrs["labels"])
	maps.Copy(l, labels(deployment, r))
	l[labelImage] = r.Attrs["image"]
	return l
}

// updateServer changes in place what can be: labels, attached volumes,
// the network, and the server type. It reads the server first, as the
// changes depend on what it has now, and runs one action at a time: the
// API locks a server while an action runs on it.
func (p *Provider) updateServer(ctx context.Context, deployment string, id int64, _, desired *providers.Resource, ids providers.IDs) error {
	s, _, err := p.client.Server.GetByID(ctx, id)
	if err != nil {
		return err
	}
	if s == nil {
		return hcloud.Error{Code: hcloud.ErrorCodeNotFound, Message: "server not found"}
	}
	refs, err := serverRefs(desired, ids)
	if err != nil {
		return err
	}
	if want := serverLabels(deployment, desired); !maps.Equal(s.Labels, want) {
		if _, _, err := p.client.Server.Update(ctx, s, hcloud.ServerUpdateOpts{Labels: want}); err != nil {
			return err
		}
	}
	var have []int64
	for _, v := range s.Volumes {
		have = append(have, v.ID)
	}
	for _, vid := range missing(have, idList(refs["volume"])) {
		if err := p.act(ctx)(p.client.Volume.Detach(ctx, &hcloud.Volume{ID: vid})); err != nil {
			return err
		}
	}
	for _, vid := range missing(idList(refs["volume"]), have) {
		if err := p.act(ctx)(p.client.Volume.AttachWithOpts(ctx, &hcloud.Volume{ID: vid}, hcloud.VolumeAttachOpts{Server: s, Automount: hcloud.Ptr(false)})); err != nil {
			return err
		}
	}
	have = nil
	for _, pn := range s.PrivateNet {
		have = append(have, pn.Network.ID)
	}
	for _, nid := range missing(have, idList(refs["network"])) {
		if err := p.act(ctx)(p.client.Server.DetachFromNetwork(ctx, s, hcloud.ServerDetachFromNetworkOpts{Network: &hcloud.Network{ID: nid}})); err != nil {
			return err
		}
	}
	for _, nid := range missing(idList(refs["network"]), have) {
		if err := p.act(ctx)(p.client.Server.AttachToNetwork(ctx, s, hcloud.ServerAttachToNetworkOpts{Network: &hcloud.Network{ID: nid}})); err != nil {
			return err
		}
	}
	if typ := desired.Attrs["server_type"]; s.ServerType == nil || s.ServerType.Name != typ {
		return p.changeType(ctx, s, typ)
	}
	return nil
}

// act waits for the action of a call that starts one.
func (p *Provider) act(ctx context.Context) func(*hcloud.Action, *hcloud.Response, error) error {
	return func(a *hcloud.Action, _ *hcloud.Response, err error) error {
		if err != nil {
			return err
		}
		return p.wait(ctx, a)
	}
}

// missing returns what of from is not in in.
func missing(from, in []int64) []int64 {
	var out []int64
	for _, id := range from {
		if !slices.Contains(in, id) {
			out = append(out, id)
		}
	}
	return out
}

// changeType rescales a server. The API needs it stopped: it is shut
// down (powered off if it does not stop in time), rescaled with its disk
// kept as it is, so it can be scaled down again later, and started again
// if it ran before, even when the rescale failed.
func (p *Provider) changeType(ctx context.Context, s *hcloud.Server, typ string) error {
	running := s.Status != hcloud.ServerStatusOff
	if running {
		if err := p.stop(ctx, s); err != nil {
			return fmt.Errorf("stop the server to change its type: %w", err)
		}
	}
	err := p.act(ctx)(p.client.Server.ChangeType(ctx, s, hcloud.ServerChangeTypeOpts{
		ServerType: &hcloud.ServerType{Name: typ}, UpgradeDisk: false,
	}))
	if running {
		if perr := p.act(ctx)(p.client.Server.Poweron(ctx, s)); perr != nil {
			err = errors.Join(err, fmt.Errorf("start the server again: %w", perr))
		}
	}
	return err
}

// stop shuts a server down and waits until it is off. The shutdown
// action only delivers the ACPI request; the server is powered off if it
// has not stopped after ShutdownTimeout.
func (p *Provider) stop(ctx context.Context, s *hcloud.Server) error {
	if err := p.act(ctx)(p.client.Server.Shutdown(ctx, s)); err != nil {
		return err
	}
	deadline := time.Now().Add(p.opts.ShutdownTimeout)
	for time.Now().Before(deadline) {
		current, _, err := p.client.Server.GetByID(ctx, s.ID)
		if err != nil {
			return err
		}
		if current == nil || current.Status == hcloud.ServerStatusOff {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.opts.PollInterval):
		}
	}
	return p.act(ctx)(p.client.Server.Poweroff(ctx, s))
}

// deleteServer deletes a server and waits until it is gone, its volumes
// detached and its primary IPs free.
func (p *Provider) deleteServer(ctx context.Context, id int64) error {
	res, _, err := p.client.Server.DeleteWithResult(ctx, &hcloud.Server{ID: id})
	if err != nil {
		return err
	}
	return p.wait(ctx, res.Action)
}

// serverAttrs reads a server back; volumes and networks by their freecloud
// names.
func serverAttrs(s *hcloud.Server, volumeNames, networkNames map[int64]string) map[string]string {
	attrs := map[string]string{"location": "", "server_type": "", "image": s.Labels[labelImage]}
	if s.Location != nil {
		attrs["location"] = s.Location.Name
	}
	if s.ServerType != nil {
		attrs["server_type"] = s.ServerType.Name
	}
	if s.Image != nil && s.Image.Name != "" {
		attrs["image"] = s.Image.Name
	}
	var volumes, networks, own []string
	for _, v := range s.Volumes {
		volumes = append(volumes, nameOf(volumeNames, v.ID))
	}
	for _, pn := range s.PrivateNet {
		networks = append(networks, nameOf(networkNames, pn.Network.ID))
	}
	for k, v := range s.Labels {
		if !strings.HasPrefix(k, labelPrefix) {
			own = append(own, k+"="+v)
		}
	}
	attrs["volumes"], attrs["network"], attrs["labels"] = providers.JoinSorted(volumes), providers.JoinSorted(networks), providers.JoinSorted(own)
	return attrs
}
