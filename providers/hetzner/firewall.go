package hetzner

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

// anywhere is the source of a public port: every IPv4 and IPv6 address.
var anywhere = []string{"0.0.0.0/0", "::/0"}

func (p *Provider) createFirewall(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (int64, error) {
	rules, err := parseRules(r.Attrs["rules"])
	if err != nil {
		return 0, err
	}
	res, _, err := p.client.Firewall.Create(ctx, hcloud.FirewallCreateOpts{
		Name: hetznerName(deployment, r.Name), Labels: labels(deployment, r), Rules: rules,
	})
	if err != nil {
		return 0, err
	}
	return res.Firewall.ID, p.wait(ctx, res.Actions...)
}

// updateFirewall replaces the rules; the servers it applies to get the
// new rules in the same actions.
func (p *Provider) updateFirewall(ctx context.Context, _ string, id int64, _, desired *providers.Resource, _ providers.IDs) error {
	rules, err := parseRules(desired.Attrs["rules"])
	if err != nil {
		return err
	}
	actions, _, err := p.client.Firewall.SetRules(ctx, &hcloud.Firewall{ID: id}, hcloud.FirewallSetRulesOpts{Rules: rules})
	if err != nil {
		return err
	}
	return p.wait(ctx, actions...)
}

// deleteFirewall takes the firewall off the servers it still applies to,
// then deletes it: the API refuses to delete a firewall in use.
func (p *Provider) deleteFirewall(ctx context.Context, id int64) error {
	fw, _, err := p.client.Firewall.GetByID(ctx, id)
	if err != nil || fw == nil {
		return err
	}
	if len(fw.AppliedTo) > 0 {
		actions, _, err := p.client.Firewall.RemoveResources(ctx, fw, fw.AppliedTo)
		if err != nil {
			return err
		}
		if err := p.wait(ctx, actions...); err != nil {
			return err
		}
	}
	_, err = p.client.Firewall.Delete(ctx, fw)
	return err
}

// parseRules reads the rules attribute ("tcp/22,udp/51820") as inbound
// rules open to anywhere.
func parseRules(s string) ([]hcloud.FirewallRule, error) {
	var sources []net.IPNet
	for _, cidr := range anywhere {
		_, n, _ := net.ParseCIDR(cidr)
		sources = append(sources, *n)
	}
	var rules []hcloud.FirewallRule
	for _, rule := range providers.SplitList(s) {
		proto, port, _ := strings.Cut(rule, "/")
		if proto != "tcp" && proto != "udp" || port == "" {
			return nil, fmt.Errorf("firewall rule %q is not protocol/port", rule)
		}
		rules = append(rules, hcloud.FirewallRule{
			Direction: hcloud.FirewallRuleDirectionIn, Protocol: hcloud.FirewallRuleProtocol(proto),
			Port: hcloud.Ptr(port), SourceIPs: sources,
		})
	}
	return rules, nil
}

// firewallAttrs reads a firewall's rules in parseRules' form. Rules not
// made by freecloud (other sources, outbound, other protocols) are spelled
// out so that a plan shows them, and removes them.
func firewallAttrs(fw *hcloud.Firewall) map[string]string {
	var rules []string
	for _, r := range fw.Rules {
		rule := string(r.Protocol)
		if r.Port != nil {
			rule += "/" + *r.Port
		}
		switch {
		case r.Direction == hcloud.FirewallRuleDirectionOut:
			rule = "out " + rule + " to " + cidrs(r.DestinationIPs)
		case cidrs(r.SourceIPs) != strings.Join(anywhere, " "):
			rule += " from " + cidrs(r.SourceIPs)
		}
		rules = append(rules, rule)
	}
	return map[string]string{"rules": providers.JoinSorted(rules)}
}

func cidrs(ns []net.IPNet) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.String())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
