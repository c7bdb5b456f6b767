package hcloudfake

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func (f *Fake) serverRoutes() map[string]handler {
	return map[string]handler{
		"GET /servers": func(r *http.Request) response {
			status := r.URL.Query()["status"]
			return f.list(f.servers, r, func(id int64) bool { return oneOf(status, f.servers.rows[id].Status) })
		},
		"GET /servers/{id}": f.servers.get,
		"PUT /servers/{id}": f.servers.update,
		"POST /servers": func(r *http.Request) response {
			var req schema.ServerCreateRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			resp, err := f.createServer(req)
			if err != nil {
				return err.response()
			}
			return created(resp)
		},
		"DELETE /servers/{id}": func(r *http.Request) response {
			s, err := f.servers.find(r)
			if err != nil {
				return err.response()
			}
			status := s.Status
			s.Status = "deleting"
			a := f.start("delete_server", func() { f.dropServer(s) }, func() { s.Status = status }, ref("server", s.ID))
			return ok(schema.ServerDeleteResponse{Action: a.Action})
		},
		"POST /servers/{id}/actions/poweron":  f.powerAction("start_server", "running"),
		"POST /servers/{id}/actions/poweroff": f.powerAction("stop_server", "off"),
		// The fake's guests always honour the ACPI shutdown request.
		"POST /servers/{id}/actions/shutdown": f.powerAction("shutdown_server", "off"),
		"POST /servers/{id}/actions/change_type": func(r *http.Request) response {
			return f.serverAction(r, f.changeType)
		},
		"POST /servers/{id}/actions/attach_to_network": func(r *http.Request) response {
			return f.serverAction(r, func(s *schema.Server, req *serverActionRequest) (*action, *apiError) {
				n := f.networks.rows[req.Network]
				if n == nil {
					return nil, invalidInput("network", "network %d not found", req.Network)
				}
				if err := f.attachNetwork(s, n); err != nil {
					return nil, err
				}
				return f.start("attach_to_network", nil, nil, ref("server", s.ID), ref("network", n.ID)), nil
			})
		},
		"POST /servers/{id}/actions/detach_from_network": func(r *http.Request) response {
			return f.serverAction(r, func(s *schema.Server, req *serverActionRequest) (*action, *apiError) {
				n := f.networks.rows[req.Network]
				if n == nil || !f.detachNetwork(s, n) {
					return nil, &apiError{http.StatusUnprocessableEntity, "invalid_input", "server is not attached to the network", nil}
				}
				return f.start("detach_from_network", nil, nil, ref("server", s.ID), ref("network", n.ID)), nil
			})
		},
	}
}

type serverActionRequest struct {
	ServerType  schema.IDOrName `json:"server_type"`
	UpgradeDisk bool            `json:"upgrade_disk"`
	Network     int64           `json:"network"`
}

// serverAction answers a server action; a server runs one at a time.
func (f *Fake) serverAction(r *http.Request, do func(*schema.Server, *serverActionRequest) (*action, *apiError)) response {
	s, err := f.servers.find(r)
	if err != nil {
		return err.response()
	}
	var req serverActionRequest
	if err := decode(r, &req); err != nil {
		return err.response()
	}
	if f.busy("server", s.ID) {
		return locked("server").response()
	}
	a, err := do(s, &req)
	if err != nil {
		return err.response()
	}
	return created(map[string]any{"action": a.Action})
}

// powerAction starts, stops or shuts a server down: the status changes
// when the action finishes.
func (f *Fake) powerAction(command, status string) handler {
	return func(r *http.Request) response {
		return f.serverAction(r, func(s *schema.Server, _ *serverActionRequest) (*action, *apiError) {
			return f.start(command, func() { s.Status = status }, nil, ref("server", s.ID)), nil
		})
	}
}

// changeType rescales a stopped server. Without upgrade_disk the disk
// keeps its size, so the server can later go back to a smaller type.
func (f *Fake) changeType(s *schema.Server, req *serverActionRequest) (*action, *apiError) {
	st := f.serverType(req.ServerType)
	switch {
	case st == nil:
		return nil, invalidInput("server_type", "unknown server type %q", req.ServerType.Name)
	case s.Status != "off":
		return nil, &apiError{http.StatusConflict, "server_not_stopped", "the server must be powered off to change its type", nil}
	case st.Architecture != s.ServerType.Architecture:
		return nil, &apiError{http.StatusUnprocessableEntity, "invalid_server_type", "server type " + st.Name + " has another architecture", nil}
	case st.Disk < s.PrimaryDiskSize:
		return nil, &apiError{http.StatusUnprocessableEntity, "invalid_server_type", "the disk of server type " + st.Name + " is smaller than the server's", nil}
	}
	return f.start("change_server_type", func() {
		s.ServerType = *st
		if req.UpgradeDisk {
			s.PrimaryDiskSize = st.Disk
		}
	}, nil, ref("server", s.ID)), nil
}

// createServer checks a request like the API, then makes the server with
// its primary IPs, volumes, networks and firewalls attached. It runs when
// create_server finishes.
func (f *Fake) createServer(req schema.ServerCreateRequest) (*schema.ServerCreateResponse, *apiError) {
	if !hostname.MatchString(req.Name) {
		return nil, invalidInput("name", "%q is not a valid hostname", req.Name)
	}
	if err := checkName(req.Name, f.servers.named(req.Name) != nil); err != nil {
		return nil, err
	}
	labels, err := checkLabels(req.Labels)
	if err != nil {
		return nil, err
	}
	loc := f.location(cmp.Or(req.Location, "fsn1"))
	if loc == nil {
		return nil, invalidInput("location", "unknown location %q", req.Location)
	}
	st := f.serverType(req.ServerType)
	if st == nil {
		return nil, invalidInput("server_type", "unknown server type %q", req.ServerType.Name)
	}
	if i := slices.IndexFunc(st.Locations, func(l schema.ServerTypeLocation) bool { return l.Name == loc.Name }); i < 0 || !st.Locations[i].Available {
		return nil, &apiError{http.StatusUnprocessableEntity, "resource_unavailable", "server type " + st.Name + " is not available in " + loc.Name, nil}
	}
	img := f.image(req.Image, st.Architecture)
	if img == nil {
		return nil, invalidInput("image", "no image %q for architecture %s", req.Image.Name, st.Architecture)
	}
	if err := f.checkServerRefs(req, loc); err != nil {
		return nil, err
	}

	f.nextID++
	s := &schema.Server{
		ID: f.nextID, Name: req.Name, Status: "initializing", Created: time.Now().UTC(),
		ServerType: *st, Location: *loc, Image: img, Labels: labels, PrimaryDiskSize: st.Disk,
		IncludedTraffic: 21990232555520, PrivateNet: []schema.ServerPrivateNet{}, Volumes: []int64{}, LoadBalancers: []int64{},
		PublicNet: schema.ServerPublicNet{FloatingIPs: []int64{}, Firewalls: []schema.ServerFirewall{}},
	}
	f.servers.add(s)
	attached, err := f.attachServer(s, req)
	if err != nil {
		f.dropServer(s)
		return nil, err
	}

	resp := &schema.ServerCreateResponse{}
	start := req.StartAfterCreate == nil || *req.StartAfterCreate
	a := f.start("create_server", func() {
		if start {
			s.Status = "running"
		} else {
			s.Status = "off"
		}
	}, func() { f.dropServer(s) }, ref("server", s.ID))
	resp.Action = a.Action
	if start {
		attached = append(attached, f.start("start_server", nil, nil, ref("server", s.ID)))
	}
	resp.NextActions = actionList(attached...)
	if len(req.SSHKeys) == 0 {
		// Without a key the API mails and returns a root password.
		resp.RootPassword = ptr("hcloudfake-root-password")
	}
	resp.Server = *s
	return resp, nil
}

// checkServerRefs checks what a new server refers to: SSH keys, volumes,
// networks, firewalls and primary IPs must exist and fit its location.
func (f *Fake) checkServerRefs(req schema.ServerCreateRequest, loc *schema.Location) *apiError {
	for _, id := range req.SSHKeys {
		if f.sshKeys.rows[id] == nil {
			return invalidInput("ssh_keys", "SSH key %d not found", id)
		}
	}
	for _, id := range req.Volumes {
		v := f.volumes.rows[id]
		switch {
		case v == nil:
			return invalidInput("volumes", "volume %d not found", id)
		case v.Server != nil:
			return &apiError{http.StatusUnprocessableEntity, "volume_already_attached", "volume is already attached to a server", nil}
		case v.Location.Name != loc.Name:
			return invalidInput("volumes", "volume %d is in %s, not %s", id, v.Location.Name, loc.Name)
		}
	}
	for _, id := range req.Networks {
		n := f.networks.rows[id]
		if n == nil {
			return invalidInput("networks", "network %d not found", id)
		}
		if !slices.ContainsFunc(n.Subnets, func(s schema.NetworkSubnet) bool { return s.NetworkZone == loc.NetworkZone }) {
			return &apiError{http.StatusUnprocessableEntity, "no_subnet_available", "network has no subnet in network zone " + loc.NetworkZone, nil}
		}
	}
	for _, fw := range req.Firewalls {
		if f.firewalls.rows[fw.Firewall] == nil {
			return invalidInput("firewalls", "firewall %d not found", fw.Firewall)
		}
	}
	if pn := req.PublicNet; pn != nil {
		for typ, id := range map[string]int64{"ipv4": pn.IPv4ID, "ipv6": pn.IPv6ID} {
			if id == 0 {
				continue
			}
			ip := f.primaryIPs.rows[id]
			switch {
			case ip == nil || ip.Type != typ:
				return invalidInput("public_net", "%s primary IP %d not found", typ, id)
			case ip.AssigneeID != nil:
				return &apiError{http.StatusConflict, "primary_ip_already_assigned", "primary IP is already assigned", nil}
			case ip.Location.Name != loc.Name:
				return &apiError{http.StatusUnprocessableEntity, "primary_ip_location_mismatch", "primary IP is in " + ip.Location.Name + ", not " + loc.Name, nil}
			}
		}
	}
	return nil
}

// attachServer connects a new server to what it was created with and
// returns the actions that attach networks and apply firewalls. An
// address family enabled without a primary IP gets a new one that goes
// with the server, as the API does.
func (f *Fake) attachServer(s *schema.Server, req schema.ServerCreateRequest) ([]*action, *apiError) {
	pn := req.PublicNet
	if pn == nil {
		pn = &schema.ServerCreatePublicNet{EnableIPv4: true, EnableIPv6: true}
	}
	for _, p := range []struct {
		typ    string
		id     int64
		enable bool
	}{{"ipv4", pn.IPv4ID, pn.EnableIPv4}, {"ipv6", pn.IPv6ID, pn.EnableIPv6}} {
		switch {
		case p.id != 0:
			_ = f.assignPrimaryIP(f.primaryIPs.rows[p.id], s, false)
		case p.enable:
			ip := f.newPrimaryIP("primary_ip-"+idString(f.nextID+1), p.typ, s.Location, map[string]string{}, true)
			_ = f.assignPrimaryIP(ip, s, false)
		}
	}
	for _, id := range req.Volumes {
		_ = f.attachVolume(f.volumes.rows[id], s)
	}
	var actions []*action
	for _, id := range req.Networks {
		if err := f.attachNetwork(s, f.networks.rows[id]); err != nil {
			return nil, err
		}
		actions = append(actions, f.start("attach_to_network", nil, nil, ref("server", s.ID), ref("network", id)))
	}
	for _, fw := range req.Firewalls {
		applied, _ := f.applyFirewall(f.firewalls.rows[fw.Firewall], []schema.FirewallResource{{Type: "server", Server: &schema.FirewallResourceServer{ID: s.ID}}})
		actions = append(actions, applied...)
	}
	return actions, nil
}

// dropServer deletes a server and lets go of what it held: volumes are
// detached, primary IPs unassigned (or deleted with auto_delete),
// firewalls and networks forget it.
func (f *Fake) dropServer(s *schema.Server) {
	for _, id := range slices.Clone(s.Volumes) {
		f.detachVolume(f.volumes.rows[id])
	}
	for _, id := range []int64{s.PublicNet.IPv4.ID, s.PublicNet.IPv6.ID} {
		if ip := f.primaryIPs.rows[id]; ip != nil {
			f.unassignPrimaryIP(ip)
		}
	}
	for _, sf := range slices.Clone(s.PublicNet.Firewalls) {
		f.unapplyFirewall(f.firewalls.rows[sf.ID], s.ID)
	}
	for _, pn := range slices.Clone(s.PrivateNet) {
		f.detachNetwork(s, f.networks.rows[pn.Network])
	}
	delete(f.servers.rows, s.ID)
}
