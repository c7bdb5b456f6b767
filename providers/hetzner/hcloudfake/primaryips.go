package hcloudfake

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func (f *Fake) primaryIPRoutes() map[string]handler {
	return map[string]handler{
		"GET /primary_ips": func(r *http.Request) response {
			ip := r.URL.Query().Get("ip")
			return f.list(f.primaryIPs, r, func(id int64) bool { return ip == "" || f.primaryIPs.rows[id].IP == ip })
		},
		"GET /primary_ips/{id}": f.primaryIPs.get,
		"PUT /primary_ips/{id}": f.primaryIPs.update,
		"POST /primary_ips": func(r *http.Request) response {
			var req schema.PrimaryIPCreateRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			ip, a, err := f.createPrimaryIP(req)
			if err != nil {
				return err.response()
			}
			resp := schema.PrimaryIPCreateResponse{PrimaryIP: *ip}
			if a != nil {
				resp.Action = &a.Action
			}
			return created(resp)
		},
		"DELETE /primary_ips/{id}": func(r *http.Request) response {
			ip, err := f.primaryIPs.find(r)
			if err != nil {
				return err.response()
			}
			if ip.AssigneeID != nil {
				return (&apiError{http.StatusConflict, "primary_ip_assigned", "primary IP is assigned to a server; unassign it first", nil}).response()
			}
			delete(f.primaryIPs.rows, ip.ID)
			return noContent()
		},
		"POST /primary_ips/{id}/actions/assign": func(r *http.Request) response {
			ip, err := f.primaryIPs.find(r)
			if err != nil {
				return err.response()
			}
			var req schema.PrimaryIPActionAssignRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			s := f.servers.rows[req.AssigneeID]
			if s == nil {
				return invalidInput("assignee_id", "server %d not found", req.AssigneeID).response()
			}
			if err := f.assignPrimaryIP(ip, s, true); err != nil {
				return err.response()
			}
			return created(schema.PrimaryIPActionAssignResponse{Action: f.start("assign_primary_ip", nil, nil, ref("primary_ip", ip.ID), ref("server", s.ID)).Action})
		},
		"POST /primary_ips/{id}/actions/unassign": func(r *http.Request) response {
			ip, err := f.primaryIPs.find(r)
			if err != nil {
				return err.response()
			}
			if ip.AssigneeID == nil {
				return (&apiError{http.StatusUnprocessableEntity, "invalid_input", "primary IP is not assigned", nil}).response()
			}
			s := f.servers.rows[*ip.AssigneeID]
			if s.Status != "off" {
				return (&apiError{http.StatusConflict, "server_not_stopped", "the server must be powered off", nil}).response()
			}
			f.unassignPrimaryIP(ip)
			return created(schema.PrimaryIPActionUnassignResponse{Action: f.start("unassign_primary_ip", nil, nil, ref("primary_ip", ip.ID), ref("server", s.ID)).Action})
		},
	}
}

// createPrimaryIP reserves an address in a location, or for a server.
// Primary IPs live in locations: the API takes no datacenter for them.
func (f *Fake) createPrimaryIP(req schema.PrimaryIPCreateRequest) (*schema.PrimaryIP, *action, *apiError) {
	if err := checkName(req.Name, f.primaryIPs.named(req.Name) != nil); err != nil {
		return nil, nil, err
	}
	labels, err := checkLabels(req.Labels)
	if err != nil {
		return nil, nil, err
	}
	if req.Type != "ipv4" && req.Type != "ipv6" {
		return nil, nil, invalidInput("type", "type must be ipv4 or ipv6")
	}
	if req.AssigneeType != "server" {
		return nil, nil, invalidInput("assignee_type", "assignee_type must be server")
	}
	var server *schema.Server
	loc := f.location(req.Location)
	switch {
	case req.AssigneeID != nil:
		if server = f.servers.rows[*req.AssigneeID]; server == nil {
			return nil, nil, invalidInput("assignee_id", "server %d not found", *req.AssigneeID)
		}
		loc = &server.Location
	case req.Location == "":
		return nil, nil, invalidInput("location", "location or assignee_id is required")
	case loc == nil:
		return nil, nil, invalidInput("location", "unknown location %q", req.Location)
	}
	ip := f.newPrimaryIP(req.Name, req.Type, *loc, labels, req.AutoDelete != nil && *req.AutoDelete)
	if server == nil {
		return ip, nil, nil
	}
	if err := f.assignPrimaryIP(ip, server, true); err != nil {
		delete(f.primaryIPs.rows, ip.ID)
		return nil, nil, err
	}
	return ip, f.start("create_primary_ip", nil, nil, ref("primary_ip", ip.ID), ref("server", server.ID)), nil
}

// newPrimaryIP allocates an address: IPv4 from 198.18.0.0/15 (set aside
// for benchmarks) and IPv6 /64s from 2001:db8::/32 (documentation).
func (f *Fake) newPrimaryIP(name, typ string, loc schema.Location, labels map[string]string, autoDelete bool) *schema.PrimaryIP {
	f.nextID++
	id := f.nextID
	addr := fmt.Sprintf("198.%d.%d.%d", 18+byte(id>>16)%2, byte(id>>8), byte(id))
	if typ == "ipv6" {
		addr = fmt.Sprintf("2001:db8:%x:%x::/64", uint16(id>>16), uint16(id))
	}
	ip := &schema.PrimaryIP{
		ID: id, IP: addr, Labels: labels, Name: name, Type: typ, DNSPtr: []schema.PrimaryIPDNSPTR{},
		AssigneeType: "server", AutoDelete: autoDelete, Created: time.Now().UTC(), Location: loc,
	}
	f.primaryIPs.add(ip)
	return ip
}

// assignPrimaryIP makes ip the server's public address of its type. A
// running server takes no new primary IP unless it is being created.
func (f *Fake) assignPrimaryIP(ip *schema.PrimaryIP, s *schema.Server, needsStopped bool) *apiError {
	switch {
	case ip.AssigneeID != nil:
		return &apiError{http.StatusConflict, "primary_ip_already_assigned", fmt.Sprintf("primary IP %d is already assigned", ip.ID), nil}
	case ip.Location.Name != s.Location.Name:
		return &apiError{http.StatusUnprocessableEntity, "primary_ip_location_mismatch", fmt.Sprintf("primary IP %d is in %s, the server in %s", ip.ID, ip.Location.Name, s.Location.Name), nil}
	case needsStopped && s.Status != "off" && s.Status != "initializing":
		return &apiError{http.StatusConflict, "server_not_stopped", "the server must be powered off", nil}
	case ip.Type == "ipv4" && s.PublicNet.IPv4.ID != 0:
		return &apiError{http.StatusUnprocessableEntity, "server_has_ipv4", "the server already has an IPv4 address", nil}
	case ip.Type == "ipv6" && s.PublicNet.IPv6.ID != 0:
		return &apiError{http.StatusUnprocessableEntity, "server_has_ipv6", "the server already has an IPv6 address", nil}
	}
	ip.AssigneeID = &s.ID
	if ip.Type == "ipv4" {
		s.PublicNet.IPv4 = schema.ServerPublicNetIPv4{ID: ip.ID, IP: ip.IP, DNSPtr: "static." + ip.IP + ".clients.your-server.de"}
	} else {
		s.PublicNet.IPv6 = schema.ServerPublicNetIPv6{ID: ip.ID, IP: ip.IP, DNSPtr: []schema.ServerPublicNetIPv6DNSPtr{}}
	}
	return nil
}

// unassignPrimaryIP takes ip off its server; one with auto_delete goes.
func (f *Fake) unassignPrimaryIP(ip *schema.PrimaryIP) {
	if s := f.servers.rows[*ip.AssigneeID]; s != nil {
		if ip.Type == "ipv4" {
			s.PublicNet.IPv4 = schema.ServerPublicNetIPv4{}
		} else {
			s.PublicNet.IPv6 = schema.ServerPublicNetIPv6{}
		}
	}
	ip.AssigneeID = nil
	if ip.AutoDelete {
		delete(f.primaryIPs.rows, ip.ID)
	}
}
