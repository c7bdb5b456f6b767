package hcloudfake

import (
	"net"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func (f *Fake) firewallRoutes() map[string]handler {
	return map[string]handler{
		"GET /firewalls":      func(r *http.Request) response { return f.list(f.firewalls, r, nil) },
		"GET /firewalls/{id}": f.firewalls.get,
		"PUT /firewalls/{id}": f.firewalls.update,
		"POST /firewalls": func(r *http.Request) response {
			var req schema.FirewallCreateRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			fw, actions, err := f.createFirewall(req)
			if err != nil {
				return err.response()
			}
			return created(schema.FirewallCreateResponse{Firewall: *fw, Actions: actionList(actions...)})
		},
		"DELETE /firewalls/{id}": func(r *http.Request) response {
			fw, err := f.firewalls.find(r)
			if err != nil {
				return err.response()
			}
			if len(fw.AppliedTo) > 0 {
				return (&apiError{http.StatusUnprocessableEntity, "resource_in_use", "firewall is still applied to resources", nil}).response()
			}
			delete(f.firewalls.rows, fw.ID)
			return noContent()
		},
		"POST /firewalls/{id}/actions/set_rules": func(r *http.Request) response {
			return f.firewallAction(r, func(fw *schema.Firewall, req *firewallActionRequest) ([]*action, *apiError) {
				rules, err := checkRules(req.Rules)
				if err != nil {
					return nil, err
				}
				fw.Rules = rules
				actions := []*action{f.start("set_firewall_rules", nil, nil, ref("firewall", fw.ID))}
				for _, res := range fw.AppliedTo {
					actions = append(actions, f.start("apply_firewall", nil, nil, ref("firewall", fw.ID), ref("server", res.Server.ID)))
				}
				return actions, nil
			})
		},
		"POST /firewalls/{id}/actions/apply_to_resources": func(r *http.Request) response {
			return f.firewallAction(r, func(fw *schema.Firewall, req *firewallActionRequest) ([]*action, *apiError) {
				return f.applyFirewall(fw, req.ApplyTo)
			})
		},
		"POST /firewalls/{id}/actions/remove_from_resources": func(r *http.Request) response {
			return f.firewallAction(r, func(fw *schema.Firewall, req *firewallActionRequest) ([]*action, *apiError) {
				var actions []*action
				for _, res := range req.RemoveFrom {
					if res.Server == nil || !f.unapplyFirewall(fw, res.Server.ID) {
						return nil, &apiError{http.StatusUnprocessableEntity, "firewall_already_removed", "firewall is not applied to the resource", nil}
					}
					actions = append(actions, f.start("remove_firewall", nil, nil, ref("firewall", fw.ID), ref("server", res.Server.ID)))
				}
				return actions, nil
			})
		},
	}
}

type firewallActionRequest struct {
	Rules      []schema.FirewallRuleRequest `json:"rules"`
	ApplyTo    []schema.FirewallResource    `json:"apply_to"`
	RemoveFrom []schema.FirewallResource    `json:"remove_from"`
}

// firewallAction decodes a firewall action and answers {"actions": [...]}.
func (f *Fake) firewallAction(r *http.Request, do func(*schema.Firewall, *firewallActionRequest) ([]*action, *apiError)) response {
	fw, err := f.firewalls.find(r)
	if err != nil {
		return err.response()
	}
	var req firewallActionRequest
	if err := decode(r, &req); err != nil {
		return err.response()
	}
	actions, err := do(fw, &req)
	if err != nil {
		return err.response()
	}
	return created(map[string]any{"actions": actionList(actions...)})
}

func (f *Fake) createFirewall(req schema.FirewallCreateRequest) (*schema.Firewall, []*action, *apiError) {
	if err := checkName(req.Name, f.firewalls.named(req.Name) != nil); err != nil {
		return nil, nil, err
	}
	labels, err := checkLabels(req.Labels)
	if err != nil {
		return nil, nil, err
	}
	rules, err := checkRules(req.Rules)
	if err != nil {
		return nil, nil, err
	}
	f.nextID++
	fw := &schema.Firewall{ID: f.nextID, Name: req.Name, Labels: labels, Created: time.Now().UTC(), Rules: rules, AppliedTo: []schema.FirewallResource{}}
	actions, err := f.applyFirewall(fw, req.ApplyTo)
	if err != nil {
		f.nextID--
		return nil, nil, err
	}
	f.firewalls.add(fw)
	return fw, actions, nil
}

// applyFirewall applies a firewall to servers (label selectors are not
// faked).
func (f *Fake) applyFirewall(fw *schema.Firewall, to []schema.FirewallResource) ([]*action, *apiError) {
	var actions []*action
	for _, res := range to {
		if res.Type != "server" || res.Server == nil {
			return nil, invalidInput("apply_to", "only servers are supported by hcloudfake")
		}
		s := f.servers.rows[res.Server.ID]
		switch {
		case s == nil:
			return nil, &apiError{http.StatusUnprocessableEntity, "firewall_resource_not_found", "server not found", nil}
		case slices.ContainsFunc(s.PublicNet.Firewalls, func(sf schema.ServerFirewall) bool { return sf.ID == fw.ID }):
			return nil, &apiError{http.StatusUnprocessableEntity, "firewall_already_applied", "firewall is already applied to the server", nil}
		}
		fw.AppliedTo = append(fw.AppliedTo, schema.FirewallResource{Type: "server", Server: &schema.FirewallResourceServer{ID: s.ID}})
		s.PublicNet.Firewalls = append(s.PublicNet.Firewalls, schema.ServerFirewall{ID: fw.ID, Status: "applied"})
		actions = append(actions, f.start("apply_firewall", nil, nil, ref("firewall", fw.ID), ref("server", s.ID)))
	}
	return actions, nil
}

// unapplyFirewall removes a firewall from a server; false if it was not
// applied.
func (f *Fake) unapplyFirewall(fw *schema.Firewall, server int64) bool {
	n := len(fw.AppliedTo)
	fw.AppliedTo = slices.DeleteFunc(fw.AppliedTo, func(res schema.FirewallResource) bool {
		return res.Server != nil && res.Server.ID == server
	})
	if s := f.servers.rows[server]; s != nil {
		s.PublicNet.Firewalls = slices.DeleteFunc(s.PublicNet.Firewalls, func(sf schema.ServerFirewall) bool { return sf.ID == fw.ID })
	}
	return len(fw.AppliedTo) < n
}

var portRange = regexp.MustCompile(`^(any|\d{1,5}(-\d{1,5})?)$`)

// checkRules validates rules as the API does: a direction, a protocol, a
// port for tcp and udp only, source IPs for inbound and destination IPs
// for outbound rules.
func checkRules(reqs []schema.FirewallRuleRequest) ([]schema.FirewallRule, *apiError) {
	rules := []schema.FirewallRule{}
	for _, req := range reqs {
		ports := req.Protocol == "tcp" || req.Protocol == "udp"
		switch {
		case req.Direction != "in" && req.Direction != "out":
			return nil, invalidInput("rules", "direction must be in or out")
		case !slices.Contains([]string{"tcp", "udp", "icmp", "esp", "gre"}, req.Protocol):
			return nil, invalidInput("rules", "unknown protocol %q", req.Protocol)
		case ports != (req.Port != nil):
			return nil, invalidInput("rules", "a port is needed for tcp and udp and allowed for nothing else")
		case ports && !portRange.MatchString(*req.Port):
			return nil, invalidInput("rules", "invalid port %q", *req.Port)
		case req.Direction == "in" && len(req.SourceIPs) == 0:
			return nil, invalidInput("rules", "inbound rules need source_ips")
		case req.Direction == "out" && len(req.DestinationIPs) == 0:
			return nil, invalidInput("rules", "outbound rules need destination_ips")
		}
		for _, cidr := range append(slices.Clone(req.SourceIPs), req.DestinationIPs...) {
			if _, _, err := net.ParseCIDR(cidr); err != nil {
				return nil, invalidInput("rules", "invalid network %q", cidr)
			}
		}
		rules = append(rules, schema.FirewallRule{
			Direction: req.Direction, Protocol: req.Protocol, Port: req.Port, Description: req.Description,
			SourceIPs: nonNil(req.SourceIPs), DestinationIPs: nonNil(req.DestinationIPs),
		})
	}
	return rules, nil
}

// nonNil makes an absent list an empty one, as the API answers [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
