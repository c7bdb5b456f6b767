package ec2fake

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// A securityGroup is a VPC's firewall for the instances that use it.
type securityGroup struct {
	meta
	vpc, name, description string
	ingress, egress        []*rule
}

// A rule lets one protocol and port range in from (or out to) one
// source: an IPv4 block, an IPv6 block or another group.
type rule struct {
	id       string
	protocol string // tcp, udp, icmp, icmpv6, -1 (all) or a number
	from, to int    // ports (ICMP type and code); unset for -1
	ports    bool
	cidr4    string
	cidr6    string
	group    string
	descr    string
}

// same tells rules with the same protocol, ports and source apart from
// their IDs and descriptions: EC2 keeps one of each.
func (r *rule) same(o *rule) bool {
	return r.protocol == o.protocol && r.ports == o.ports && r.from == o.from && r.to == o.to &&
		r.cidr4 == o.cidr4 && r.cidr6 == o.cidr6 && r.group == o.group
}

func (r *rule) peer() string { return r.cidr4 + r.cidr6 + r.group }

type groupXML struct {
	OwnerID     string          `xml:"ownerId"`
	GroupID     string          `xml:"groupId"`
	GroupName   string          `xml:"groupName"`
	Description string          `xml:"groupDescription"`
	VpcID       string          `xml:"vpcId"`
	Ingress     []permissionXML `xml:"ipPermissions>item"`
	Egress      []permissionXML `xml:"ipPermissionsEgress>item"`
	Tags        []tagXML        `xml:"tagSet>item"`
	Arn         string          `xml:"securityGroupArn"`
}

type permissionXML struct {
	IPProtocol string         `xml:"ipProtocol"`
	FromPort   *int           `xml:"fromPort,omitempty"`
	ToPort     *int           `xml:"toPort,omitempty"`
	Groups     []groupPairXML `xml:"groups>item"`
	IPRanges   []ipRangeXML   `xml:"ipRanges>item"`
	IPv6Ranges []ipv6RangeXML `xml:"ipv6Ranges>item"`
}

type groupPairXML struct {
	UserID      string `xml:"userId"`
	GroupID     string `xml:"groupId"`
	Description string `xml:"description,omitempty"`
}

type ipRangeXML struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type ipv6RangeXML struct {
	CidrIPv6    string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

// permissions renders rules as EC2 does: one permission per protocol and
// port range, listing its sources.
func (f *Fake) permissions(rules []*rule) []permissionXML {
	var out []permissionXML
	index := map[string]int{}
	for _, r := range rules {
		key := fmt.Sprint(r.protocol, r.ports, r.from, r.to)
		i, ok := index[key]
		if !ok {
			perm := permissionXML{IPProtocol: r.protocol}
			if r.ports {
				perm.FromPort, perm.ToPort = &r.from, &r.to
			}
			i = len(out)
			index[key] = i
			out = append(out, perm)
		}
		switch {
		case r.cidr4 != "":
			out[i].IPRanges = append(out[i].IPRanges, ipRangeXML{r.cidr4, r.descr})
		case r.cidr6 != "":
			out[i].IPv6Ranges = append(out[i].IPv6Ranges, ipv6RangeXML{r.cidr6, r.descr})
		default:
			out[i].Groups = append(out[i].Groups, groupPairXML{f.accountID, r.group, r.descr})
		}
	}
	return out
}

func (f *Fake) groupXML(g *securityGroup) groupXML {
	return groupXML{
		OwnerID: f.accountID, GroupID: g.id, GroupName: g.name, Description: g.description, VpcID: g.vpc,
		Ingress: f.permissions(g.ingress), Egress: f.permissions(g.egress), Tags: tagSet(g.tags),
		Arn: f.arn("security-group", g.id),
	}
}

func (f *Fake) groupFilters() filterDefs[*securityGroup] {
	rules := func(egress bool, get func(*rule) string) func(*securityGroup) []string {
		return func(g *securityGroup) []string {
			list := g.ingress
			if egress {
				list = g.egress
			}
			var out []string
			for _, r := range list {
				if v := get(r); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	port := func(p func(*rule) int) func(*rule) string {
		return func(r *rule) string {
			if !r.ports {
				return ""
			}
			return strconv.Itoa(p(r))
		}
	}
	defs := filterDefs[*securityGroup]{
		"group-id":    func(g *securityGroup) []string { return one(g.id) },
		"group-name":  func(g *securityGroup) []string { return one(g.name) },
		"description": func(g *securityGroup) []string { return one(g.description) },
		"vpc-id":      func(g *securityGroup) []string { return one(g.vpc) },
		"owner-id":    func(*securityGroup) []string { return one(f.accountID) },
	}
	for prefix, egress := range map[string]bool{"ip-permission.": false, "egress.ip-permission.": true} {
		defs[prefix+"protocol"] = rules(egress, func(r *rule) string { return r.protocol })
		defs[prefix+"from-port"] = rules(egress, port(func(r *rule) int { return r.from }))
		defs[prefix+"to-port"] = rules(egress, port(func(r *rule) int { return r.to }))
		defs[prefix+"cidr"] = rules(egress, func(r *rule) string { return r.cidr4 })
		defs[prefix+"ipv6-cidr"] = rules(egress, func(r *rule) string { return r.cidr6 })
		defs[prefix+"group-id"] = rules(egress, func(r *rule) string { return r.group })
	}
	return defs
}

type describeGroupsResponse struct {
	head
	Groups    []groupXML `xml:"securityGroupInfo>item"`
	NextToken string     `xml:"nextToken,omitempty"`
}

func (f *Fake) describeSecurityGroups(p params) (any, *apiError) {
	if names := p.list("GroupName"); len(names) > 0 {
		return nil, noDefaultVpcGroup(names[0])
	}
	groups, err := selectIDs(f, f.groups, p.list("GroupId"))
	if err == nil {
		groups, err = filterItems(p, f.groupFilters(), tagsOf, groups)
	}
	var next string
	if err == nil {
		groups, next, err = page(f, p, "DescribeSecurityGroups", groups, seqOf, 1000)
	}
	if err != nil {
		return nil, err
	}
	out := &describeGroupsResponse{NextToken: next}
	for _, g := range groups {
		out.Groups = append(out.Groups, f.groupXML(g))
	}
	return out, nil
}

// noDefaultVpcGroup answers a group named without its VPC: names select
// groups of the default VPC only, and the fake's account has none.
func noDefaultVpcGroup(name string) *apiError {
	return errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC 'none'", name)
}

type createGroupResponse struct {
	head
	GroupID string   `xml:"groupId"`
	Tags    []tagXML `xml:"tagSet>item"`
	Arn     string   `xml:"securityGroupArn"`
}

// createSecurityGroup makes a group that lets everything out and nothing
// in; its name is unique in its VPC.
func (f *Fake) createSecurityGroup(p params) (any, *apiError) {
	if err := p.require("GroupName", "GroupDescription"); err != nil {
		return nil, err
	}
	if p.str("VpcId") == "" {
		return nil, errorf("VPCIdNotSpecified", "No default VPC for this user")
	}
	name := p.str("GroupName")
	switch {
	case strings.EqualFold(name, "default"):
		return nil, errorf("InvalidGroup.Reserved", "The security group name 'default' is reserved.")
	case strings.HasPrefix(name, "sg-"):
		return nil, errorf("InvalidParameterValue", "Group names may not be in the format sg-*")
	case len(name) > 255 || len(p.str("GroupDescription")) > 255:
		return nil, errorf("InvalidParameterValue", "Group names and descriptions have at most 255 characters")
	}
	v, err := find(f, f.vpcs, p.str("VpcId"))
	if err != nil {
		return nil, err
	}
	tags, err := p.tagSpecs("security-group")
	if err != nil {
		return nil, err
	}
	for _, g := range f.groups {
		if g.vpc == v.id && g.name == name {
			return nil, errorf("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, v.id)
		}
	}
	g := f.addGroup(v, name, p.str("GroupDescription"), tags["security-group"])
	return &createGroupResponse{GroupID: g.id, Tags: tagSet(g.tags), Arn: f.arn("security-group", g.id)}, nil
}

// addGroup makes a group with EC2's default egress rule. The caller holds
// f.mu.
func (f *Fake) addGroup(v *vpc, name, description string, tags map[string]string) *securityGroup {
	g := &securityGroup{meta: f.newMeta("security-group", "sg", tags), vpc: v.id, name: name, description: description}
	g.egress = []*rule{{id: f.newID("sgr"), protocol: "-1", cidr4: "0.0.0.0/0"}}
	f.groups[g.id] = g
	f.register(g)
	return g
}

// addDefaultGroup makes a VPC's default group, which also lets in what
// comes from its own members.
func (f *Fake) addDefaultGroup(v *vpc) *securityGroup {
	g := f.addGroup(v, "default", "default VPC security group", nil)
	g.ingress = []*rule{{id: f.newID("sgr"), protocol: "-1", group: g.id}}
	return g
}

// groupOf finds the group an ingress request names by GroupId.
func (f *Fake) groupOf(p params) (*securityGroup, *apiError) {
	if p.str("GroupId") == "" {
		if p.str("GroupName") != "" {
			return nil, noDefaultVpcGroup(p.str("GroupName"))
		}
		return nil, errorf("MissingParameter", "The request must contain the parameter groupId")
	}
	return find(f, f.groups, p.str("GroupId"))
}

// rules reads IpPermissions.N into rules, one per source, checked as EC2
// checks them.
func (f *Fake) rules(p params, g *securityGroup) ([]*rule, *apiError) {
	var out []*rule
	for _, item := range p.items("IpPermissions") {
		proto, err := protocol(p.str(item + ".IpProtocol"))
		if err != nil {
			return nil, err
		}
		base := rule{protocol: proto}
		if proto != "-1" {
			if base.from, base.to, err = ports(p, item, proto); err != nil {
				return nil, err
			}
			base.ports = true
		}
		add := func(set func(*rule)) {
			r := base
			set(&r)
			out = append(out, &r)
		}
		for _, rng := range p.items(item + ".IpRanges") {
			cidr, err := parseCidr(p.str(rng+".CidrIp"), true)
			if err != nil {
				return nil, err
			}
			add(func(r *rule) { r.cidr4, r.descr = cidr, p.str(rng+".Description") })
		}
		for _, rng := range p.items(item + ".Ipv6Ranges") {
			cidr, err := parseCidr(p.str(rng+".CidrIpv6"), false)
			if err != nil {
				return nil, err
			}
			add(func(r *rule) { r.cidr6, r.descr = cidr, p.str(rng+".Description") })
		}
		for _, pair := range p.items(item + ".Groups") {
			other, err := find(f, f.groups, p.str(pair+".GroupId"))
			if err != nil {
				return nil, err
			}
			if other.vpc != g.vpc {
				return nil, errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", other.id, g.vpc)
			}
			add(func(r *rule) { r.group, r.descr = other.id, p.str(pair+".Description") })
		}
		if len(p.items(item+".PrefixListIds")) > 0 {
			return nil, errorf("InvalidPrefixListId.NotFound", "ec2fake knows no prefix lists")
		}
	}
	if len(out) == 0 {
		return nil, errorf("MissingParameter", "The request must contain the parameter ipPermissions with at least one source")
	}
	return out, nil
}

// protocol is a protocol as EC2 keeps it: names for TCP, UDP, ICMP and
// ICMPv6 (also when given by number), -1 for all.
func protocol(s string) (string, *apiError) {
	switch strings.ToLower(s) {
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "icmpv6", "58":
		return "icmpv6", nil
	case "-1", "all":
		return "-1", nil
	case "":
		return "", errorf("MissingParameter", "The request must contain the parameter ipProtocol")
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 255 {
		return s, nil
	}
	return "", errorf("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", s)
}

// ports reads a permission's FromPort and ToPort: a port range for TCP
// and UDP, an ICMP type and code (-1 for any) for ICMP.
func ports(p params, item, proto string) (int, int, *apiError) {
	from, okFrom, err := p.int(item + ".FromPort")
	if err != nil {
		return 0, 0, err
	}
	to, okTo, err := p.int(item + ".ToPort")
	if err != nil {
		return 0, 0, err
	}
	switch proto {
	case "tcp", "udp":
		if !okFrom || !okTo {
			return 0, 0, errorf("InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange")
		}
		if from < 0 || to > 65535 || from > to {
			return 0, 0, errorf("InvalidParameterValue", "Invalid TCP/UDP port range %d-%d", from, to)
		}
	case "icmp", "icmpv6":
		if !okFrom {
			from = -1
		}
		if !okTo {
			to = -1
		}
		if from < -1 || from > 255 || to < -1 || to > 255 {
			return 0, 0, errorf("InvalidParameterValue", "Invalid ICMP type %d or code %d", from, to)
		}
	}
	return from, to, nil
}

func parseCidr(s string, v4 bool) (string, *apiError) {
	prefix, err := netip.ParsePrefix(s)
	if err != nil || prefix.Addr().Is4() != v4 {
		return "", errorf("InvalidParameterValue", "CIDR block %s is malformed", s)
	}
	return prefix.Masked().String(), nil
}

// ruleText is how EC2 names a rule in its errors.
func ruleText(r *rule) string {
	text := "peer: " + r.peer() + ", " + strings.ToUpper(r.protocol)
	if r.protocol == "-1" {
		text = "peer: " + r.peer() + ", ALL"
	}
	if r.ports {
		text += fmt.Sprintf(", from port: %d, to port: %d", r.from, r.to)
	}
	return text + ", ALLOW"
}

type ruleXML struct {
	RuleID     string `xml:"securityGroupRuleId"`
	GroupID    string `xml:"groupId"`
	OwnerID    string `xml:"groupOwnerId"`
	IsEgress   bool   `xml:"isEgress"`
	IPProtocol string `xml:"ipProtocol"`
	FromPort   int    `xml:"fromPort"`
	ToPort     int    `xml:"toPort"`
	CidrIPv4   string `xml:"cidrIpv4,omitempty"`
	CidrIPv6   string `xml:"cidrIpv6,omitempty"`
	Referenced *struct {
		GroupID string `xml:"groupId"`
		UserID  string `xml:"userId"`
	} `xml:"referencedGroupInfo,omitempty"`
	Description string `xml:"description,omitempty"`
}

func (f *Fake) ruleXML(g *securityGroup, r *rule) ruleXML {
	out := ruleXML{
		RuleID: r.id, GroupID: g.id, OwnerID: f.accountID, IPProtocol: r.protocol,
		FromPort: -1, ToPort: -1, CidrIPv4: r.cidr4, CidrIPv6: r.cidr6, Description: r.descr,
	}
	if r.ports {
		out.FromPort, out.ToPort = r.from, r.to
	}
	if r.group != "" {
		out.Referenced = &struct {
			GroupID string `xml:"groupId"`
			UserID  string `xml:"userId"`
		}{r.group, f.accountID}
	}
	return out
}

type authorizeResponse struct {
	head
	Return bool      `xml:"return"`
	Rules  []ruleXML `xml:"securityGroupRuleSet>item"`
}

// authorizeIngress adds inbound rules; a rule the group has already
// fails the whole request.
func (f *Fake) authorizeIngress(p params) (any, *apiError) {
	g, err := f.groupOf(p)
	if err != nil {
		return nil, err
	}
	rules, err := f.rules(p, g)
	if err != nil {
		return nil, err
	}
	if _, err := p.tagSpecs("security-group-rule"); err != nil {
		return nil, err
	}
	for i, r := range rules {
		if slices.ContainsFunc(g.ingress, r.same) || slices.ContainsFunc(rules[:i], r.same) {
			return nil, errorf("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", ruleText(r))
		}
	}
	out := &authorizeResponse{Return: true}
	for _, r := range rules {
		r.id = f.newID("sgr")
		g.ingress = append(g.ingress, r)
		out.Rules = append(out.Rules, f.ruleXML(g, r))
	}
	return out, nil
}

type revokeResponse struct {
	head
	Return  bool            `xml:"return"`
	Unknown []permissionXML `xml:"unknownIpPermissionSet>item"`
	Revoked []ruleXML       `xml:"revokedSecurityGroupRuleSet>item"`
}

// revokeIngress removes inbound rules, by their permissions or by
// SecurityGroupRuleId.N. Rules the group does not have are listed as
// unknown; if it has none of them, the request fails.
func (f *Fake) revokeIngress(p params) (any, *apiError) {
	g, err := f.groupOf(p)
	if err != nil {
		return nil, err
	}
	var rules []*rule
	if ids := p.list("SecurityGroupRuleId"); len(ids) > 0 {
		for _, id := range ids {
			i := slices.IndexFunc(g.ingress, func(r *rule) bool { return r.id == id })
			if i < 0 {
				return nil, errorf("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
			}
			rules = append(rules, g.ingress[i])
		}
	} else if rules, err = f.rules(p, g); err != nil {
		return nil, err
	}
	out := &revokeResponse{Return: true}
	var unknown []*rule
	for _, r := range rules {
		i := slices.IndexFunc(g.ingress, r.same)
		if i < 0 {
			unknown = append(unknown, r)
			continue
		}
		out.Revoked = append(out.Revoked, f.ruleXML(g, g.ingress[i]))
		g.ingress = slices.Delete(g.ingress, i, i+1)
	}
	if len(out.Revoked) == 0 {
		return nil, errorf("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
	}
	out.Unknown = f.permissions(unknown)
	return out, nil
}

type deleteGroupResponse struct {
	head
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

// deleteSecurityGroup deletes a group that is not its VPC's default, that
// no instance uses and no other group's rule refers to.
func (f *Fake) deleteSecurityGroup(p params) (any, *apiError) {
	g, err := f.groupOf(p)
	if err != nil {
		return nil, err
	}
	if v := f.vpcs[g.vpc]; v != nil && v.defaultGroup == g.id {
		return nil, errorf("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id)
	}
	for _, i := range f.instances {
		if i.state != "terminated" && slices.Contains(i.groups, g.id) {
			return nil, errorf("DependencyViolation", "resource %s has a dependent object", g.id)
		}
	}
	for _, other := range f.groups {
		refers := func(r *rule) bool { return r.group == g.id }
		if other != g && (slices.ContainsFunc(other.ingress, refers) || slices.ContainsFunc(other.egress, refers)) {
			return nil, errorf("DependencyViolation", "resource %s has a dependent object", g.id)
		}
	}
	delete(f.groups, g.id)
	delete(f.objects, g.id)
	return &deleteGroupResponse{Return: true, GroupID: g.id}, nil
}
