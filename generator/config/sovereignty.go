package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/sovereignty"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The attributes of a sovereignty block, as package sovereignty names its
// clauses.
var (
	attrDataJurisdictions    = sovereignty.DataJurisdictions.String()
	attrForbiddenOperatorLaw = sovereignty.ForbiddenOperatorLaw.String()
	clauses                  = []sovereignty.Clause{sovereignty.DataJurisdictions, sovereignty.ForbiddenOperatorLaw}
)

var sovereigntySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: attrDataJurisdictions}, {Name: attrForbiddenOperatorLaw}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "service", LabelNames: []string{"name"}}},
}

var overrideSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: attrDataJurisdictions}, {Name: attrForbiddenOperatorLaw}},
}

// decodeSovereignty reads the sovereignty block and its per-service
// overrides, checking every code against package sovereignty's table.
func (l *loader) decodeSovereignty(blocks hcl.Blocks) {
	if len(blocks) == 0 {
		return
	}
	for _, extra := range blocks[1:] {
		l.diags = append(l.diags, errorf(extra.DefRange, "Duplicate sovereignty block",
			"A deployment has one sovereignty policy; the first is at %s. Rules for single services go inside it, as service \"<name>\" { ... }.", at(blocks[0].DefRange)))
	}
	content, diags := blocks[0].Body.Content(sovereigntySchema)
	l.diags = append(l.diags, diags...)
	s := &Sovereignty{DeclRange: blocks[0].DefRange, Ranges: map[string]hcl.Range{}}
	s.DataJurisdictions, s.ForbiddenOperatorLaw = l.decodeRule(content.Attributes, s.Ranges, "")
	for _, b := range content.Blocks.OfType("service") {
		name := b.Labels[0]
		if prev := s.Override(name); prev != nil {
			l.diags = append(l.diags, errorf(b.DefRange, "Duplicate sovereignty override",
				"Service %q already has an override at %s; merge the two.", name, at(prev.DeclRange)))
			l.policyBroken = true
			continue
		}
		o := &SovereigntyOverride{Service: name, Ranges: map[string]hcl.Range{}, DeclRange: b.DefRange}
		c, diags := b.Body.Content(overrideSchema)
		l.diags = append(l.diags, diags...)
		o.DataJurisdictions, o.ForbiddenOperatorLaw = l.decodeRule(c.Attributes, o.Ranges, fmt.Sprintf(" of service %q", name))
		if len(o.Ranges) == 0 && !diags.HasErrors() {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Override changes nothing",
				Detail:  fmt.Sprintf("The override of service %q sets neither %s nor %s, so the block's rule applies to it. Set one, or remove the override.", name, attrDataJurisdictions, attrForbiddenOperatorLaw),
				Subject: b.DefRange.Ptr()})
		}
		s.Overrides = append(s.Overrides, o)
	}
	l.dep.Sovereignty = s
}

// decodeRule reads the two clauses of a rule. Every code is checked,
// each error at its list element; a clause that is set gets its range in
// ranges, so that an override tells inherited from set.
func (l *loader) decodeRule(attrs hcl.Attributes, ranges map[string]hcl.Range, of string) (data, forbidden []string) {
	for _, clause := range clauses {
		attr := attrs[clause.String()]
		if attr == nil {
			continue
		}
		ctx := l.contextForExpr(attr.Expr)
		if ctx == nil {
			l.policyBroken = true
			continue
		}
		v, ok := l.evalAs(attr, ctx, cty.List(cty.String))
		if !ok || v.IsNull() {
			l.policyBroken = true
			continue
		}
		items := v.AsValueSlice()
		elems := elementRanges(attr.Expr, len(items))
		var codes []string
		for i, item := range items {
			if item.IsNull() {
				continue
			}
			code := item.AsString()
			if _, err := sovereignty.Resolve(code, clause.Kinds()...); err != nil {
				l.diags = append(l.diags, errorf(elems[i], "Unknown jurisdiction", "In %s%s: %s", clause, of, err))
				l.policyBroken = true
				continue
			}
			codes = append(codes, code)
		}
		if clause == sovereignty.DataJurisdictions && len(items) == 0 {
			l.diags = append(l.diags, errorf(attr.Expr.Range(), "Empty data_jurisdictions",
				"%s = [] would allow data nowhere. List the countries and groups data may be in, like [\"EU\"]; write [%q] to allow anywhere; or remove the attribute (in an override: to keep the block's rule).", clause, sovereignty.Anywhere))
			l.policyBroken = true
		}
		ranges[clause.String()] = attr.Expr.Range()
		if clause == sovereignty.DataJurisdictions {
			data = codes
		} else {
			forbidden = codes
		}
	}
	return data, forbidden
}

// elementRanges returns the range of each of n list elements: the
// element's own when the list is written out ([...] in native syntax),
// else the whole expression's.
func elementRanges(expr hcl.Expression, n int) []hcl.Range {
	out := make([]hcl.Range, n)
	tuple, _ := expr.(*hclsyntax.TupleConsExpr)
	for i := range out {
		out[i] = expr.Range()
		if tuple != nil && len(tuple.Exprs) == n {
			out[i] = tuple.Exprs[i].Range()
		}
	}
	return out
}

// Placement tells where a machine's data is and who holds it: the
// country and city of a cloud location (a bare-metal machine's country),
// and the company that operates its provider. Bare metal is operated by
// the deployment's organisation, incorporated in OperatorCountry; without
// it the operator is not known (Operator.Known is false).
func (d *Deployment) Placement(m *Machine) sovereignty.Placement {
	var p sovereignty.Placement
	if m.Provider == nil {
		return p
	}
	kind := m.Provider.Kind
	if place, ok := kind.Place(m.Location); ok {
		p.Place = place
	} else {
		p.Country = m.Country
	}
	if operator, ok := kind.Operator(); ok {
		p.Operator = operator
	} else if d.OperatorCountry != "" {
		p.Operator, _ = sovereignty.Organisation(d.OperatorCountry)
	}
	return p
}

// BackupPlacement tells where a machine's backup repository is and who
// holds it, and how that was found out (for messages): its backup's
// country and operator when declared, else what the repository says — a
// storage service known by its host name (Hetzner Object Storage, Amazon
// S3 with a region), a machine of the deployment reached over sftp: or
// rest: (by name or address), or a directory on the machine itself.
// What cannot be told stays empty.
func (d *Deployment) BackupPlacement(m *Machine) (p sovereignty.Placement, source string) {
	w := d.backupPlacement(m)
	return w.Placement, w.source
}

// backupWhere is a backup's placement with how it was found out.
type backupWhere struct {
	sovereignty.Placement
	source string
	// selfOperated: the deployment's organisation holds the repository,
	// so its operator is unknown only for want of operator_country.
	selfOperated bool
	// inferred is what the repository alone says, to compare with what
	// is declared.
	inferred sovereignty.Placement
}

func (d *Deployment) backupPlacement(m *Machine) backupWhere {
	b := m.Backup
	var w backupWhere
	repo := b.Repository
	host := repositoryHost(repo)
	switch {
	case strings.HasPrefix(repo, "/") || strings.HasPrefix(repo, "local:"):
		w.inferred = d.Placement(m)
		w.source = fmt.Sprintf("a directory on machine %q itself", m.Name)
		w.selfOperated = m.Provider != nil && m.Provider.Kind.Country == nil
	case host != "":
		if s, operator, place, ok := sovereignty.StorageAt(host); ok {
			w.inferred = sovereignty.Placement{Place: place, Operator: operator}
			w.source = s.Name + ", by the repository's host name"
			break
		}
		for _, other := range d.Machines {
			if host == other.Name || (other.Address != "" && host == other.Address) {
				w.inferred = d.Placement(other)
				w.source = fmt.Sprintf("machine %q of the deployment", other.Name)
				w.selfOperated = other.Provider != nil && other.Provider.Kind.Country == nil
				break
			}
		}
	}
	w.Placement = w.inferred
	if b.Country != "" {
		w.Place = sovereignty.Place{Country: b.Country}
		if w.inferred.Country == b.Country {
			w.City = w.inferred.City
		}
	}
	switch b.Operator {
	case "":
	case sovereignty.Self:
		w.Operator, w.selfOperated = sovereignty.Operator{}, true
		if d.OperatorCountry != "" {
			w.Operator, _ = sovereignty.Organisation(d.OperatorCountry)
		}
	default:
		w.Operator, _ = sovereignty.LookupOperator(b.Operator)
		w.selfOperated = false
	}
	if b.Country != "" || b.Operator != "" {
		if w.source == "" {
			w.source = "as its backup declares"
		} else {
			w.source += ", and as its backup declares"
		}
	}
	return w
}

// repositoryHost returns the host of a restic repository reached over the
// network (s3:, sftp:, rest:), "" for any other.
func repositoryHost(repo string) string {
	backend, rest, ok := strings.Cut(repo, ":")
	if !ok {
		return ""
	}
	var host string
	switch {
	case backend != "s3" && backend != "sftp" && backend != "rest":
		return ""
	case strings.Contains(rest, "://") || strings.HasPrefix(rest, "//"):
		// s3:https://host/bucket, rest:https://user@host:8000/,
		// sftp://user@host:22//srv/restic
		if strings.HasPrefix(rest, "//") {
			rest = backend + ":" + rest
		}
		u, err := url.Parse(rest)
		if err != nil {
			return ""
		}
		host = u.Hostname()
	case backend == "s3":
		// s3:s3.eu-central-1.amazonaws.com/bucket
		host, _, _ = strings.Cut(rest, "/")
	case backend == "sftp":
		// sftp:user@host:/srv/restic, sftp:[2001:db8::1]:/srv/restic
		if i := strings.LastIndex(rest, "@"); i >= 0 && !strings.Contains(rest[:i], "/") {
			rest = rest[i+1:]
		}
		if strings.HasPrefix(rest, "[") {
			end := strings.Index(rest, "]")
			if end < 0 {
				return ""
			}
			host = rest[1:end]
		} else {
			host, _, _ = strings.Cut(rest, ":")
		}
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(host)
}

// A heldService is a service that runs on a machine: declared, or a
// profile another one requires there, which the generator adds as a
// service named after the profile (generator/hosts.go, instancesOn).
type heldService struct {
	name       string
	profile    *profiles.Profile
	requiredBy string
}

func (h heldService) String() string {
	if h.requiredBy != "" {
		return fmt.Sprintf("%q (required by %q)", h.name, h.requiredBy)
	}
	return fmt.Sprintf("%q (%s)", h.name, h.profile.Name)
}

// servicesHeld lists what runs on a machine: its declared services, then
// the profiles they require, transitively, that no service on it has.
// Only the names and profiles matter here; the generator reports what is
// wrong with them.
func servicesHeld(dep *Deployment, m *Machine, cat *profiles.Catalogue) []heldService {
	var list []heldService
	has := map[string]bool{}
	for _, s := range dep.ServicesOn(m) {
		list = append(list, heldService{name: s.Name, profile: s.Profile})
		has[s.Profile.Name] = true
	}
	for i := 0; i < len(list) && cat != nil; i++ {
		for _, req := range list[i].profile.AllRequires() {
			if p, ok := cat.Lookup(req); ok && !has[req] {
				has[req] = true
				list = append(list, heldService{name: req, profile: p, requiredBy: list[i].name})
			}
		}
	}
	return list
}

// checkSovereignty holds every machine that keeps a service's state, and
// its backups, to the rule of each such service: the sovereignty block's,
// or the service's override. Stateless services are not checked: they
// hold no data to protect.
func (l *loader) checkSovereignty() {
	s := l.dep.Sovereignty
	if s == nil || l.policyBroken {
		return
	}
	machines := append([]*Machine(nil), l.dep.Machines...)
	sort.Slice(machines, func(i, j int) bool { return machines[i].Name < machines[j].Name })
	held := map[*Machine][]heldService{}
	names := map[string]bool{}
	for _, m := range machines {
		held[m] = servicesHeld(l.dep, m, l.opts.Catalogue)
		for _, h := range held[m] {
			names[h.name] = true
		}
	}
	for _, svc := range l.dep.Services {
		names[svc.Name] = true
	}
	for _, o := range s.Overrides {
		if !names[o.Service] {
			known := slices.Sorted(maps.Keys(names))
			l.diags = append(l.diags, errorf(o.DeclRange, "Unknown service in sovereignty override",
				"No service %q runs on any machine.%s Overrides name a service, or a profile that a service requires on its machine (it runs as a service of that name); the deployment has: %s.",
				o.Service, lang.DidYouMean(o.Service, known), listOrNone(known)))
		}
	}
	c := &policyCheck{dep: l.dep, findings: map[string]*finding{}}
	for _, m := range machines {
		var stateful []heldService
		for _, h := range held[m] {
			if h.profile.State != nil {
				stateful = append(stateful, h)
			}
		}
		if len(stateful) == 0 {
			continue
		}
		placement := l.dep.Placement(m)
		var backup backupWhere
		if m.Backup != nil {
			backup = l.dep.backupPlacement(m)
			c.contradictions(m, backup)
		}
		for _, h := range stateful {
			rule := s.Rule(h.name)
			c.machine(m, placement, h, rule)
			if m.Backup != nil {
				c.backup(m, backup, h, rule)
			}
		}
	}
	l.diags = append(l.diags, c.diagnostics()...)
}

// policyCheck collects what breaks the policy, so that each violation is
// reported once however many services (or machines sharing a backup
// repository) it concerns.
type policyCheck struct {
	dep      *Deployment
	findings map[string]*finding
	order    []string
}

// A finding is one diagnostic in the making.
type finding struct {
	subject hcl.Range
	summary string
	// intro says what holds the data.
	intro func(f *finding) string
	// holders are the machines it concerns, with their services.
	holders []*holder
	// roles are the ways the finding came about, for intro to say.
	roles map[string]bool
	rest  string // reason, rule and what to do
}

// A holder is a machine with the services whose state a finding is about.
type holder struct {
	machine  string
	services []string
}

// String is "machine "web1" (service "cloud" (nextcloud))".
func (h *holder) String() string {
	return fmt.Sprintf("machine %q (%s)", h.machine, serviceList(h.services))
}

// serviceList is "service "a" (p)" or "services "a" (p) and "b" (q)".
func serviceList(services []string) string {
	if len(services) == 1 {
		return "service " + services[0]
	}
	return "services " + joinAnd(services)
}

func (c *policyCheck) add(key string, subject hcl.Range, summary string, intro func(*finding) string, machine string, service heldService, rest string) *finding {
	f := c.findings[key]
	if f == nil {
		f = &finding{subject: subject, summary: summary, intro: intro, roles: map[string]bool{}, rest: rest}
		c.findings[key] = f
		c.order = append(c.order, key)
	}
	var h *holder
	for _, known := range f.holders {
		if known.machine == machine {
			h = known
		}
	}
	if h == nil {
		h = &holder{machine: machine}
		f.holders = append(f.holders, h)
	}
	if service.name != "" {
		h.services = append(h.services, service.String())
	}
	return f
}

func (c *policyCheck) diagnostics() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, key := range c.order {
		f := c.findings[key]
		detail := f.intro(f)
		if f.rest != "" {
			detail += " " + f.rest
		}
		diags = append(diags, errorf(f.subject, f.summary, "%s", detail))
	}
	return diags
}

// holderList is "machine "a" (service ...) and machine "b" (...)".
func holderList(holders []*holder) string {
	parts := make([]string, len(holders))
	for i, h := range holders {
		parts[i] = h.String()
	}
	return joinAnd(parts)
}

// ruleText shows the clause of a service's rule and where it is written:
// `forbidden_operator_law = ["US"] at main.fc.hcl:36`, or in the
// service's override.
func (c *policyCheck) ruleText(service string, clause sovereignty.Clause) string {
	s := c.dep.Sovereignty
	rng, where := s.Ranges[clause.String()], ""
	if o := s.Override(service); o != nil {
		if r, set := o.Ranges[clause.String()]; set {
			rng, where = r, fmt.Sprintf(" (the override of service %q)", service)
		}
	}
	codes := s.Rule(service).Codes(clause)
	quoted := make([]string, len(codes))
	for i, code := range codes {
		quoted[i] = fmt.Sprintf("%q", code)
	}
	return fmt.Sprintf("%s = [%s] at %s%s", clause, strings.Join(quoted, ", "), at(rng), where)
}

// machine checks where a machine is and who runs it against the rule of
// one of its services.
func (c *policyCheck) machine(m *Machine, p sovereignty.Placement, h heldService, rule sovereignty.Rule) {
	violations, err := rule.Check(p)
	onWhat := fmt.Sprintf("runs on %s in %s", m.Provider.Address(), p.Place)
	intro := func(f *finding) string {
		return fmt.Sprintf("Machine %q holds the state of %s and %s.", m.Name, serviceList(f.holders[0].services), onWhat)
	}
	for _, v := range violations {
		rt := c.ruleText(h.name, v.Clause)
		if v.Clause == sovereignty.DataJurisdictions {
			subject := m.Ranges["location"]
			if m.Provider.Kind.Country == nil {
				subject = m.Ranges["country"]
			}
			c.add(key(subject, rt), subject, "Data outside the allowed jurisdictions", intro, m.Name, h,
				fmt.Sprintf("%s\nThis breaks %s.\n%s", v.Reason(), rt, c.placesHint(m, rule, h.name)))
			continue
		}
		c.add(key(m.Ranges["provider"], rt), m.Ranges["provider"], "Operator subject to a forbidden law", intro, m.Name, h,
			fmt.Sprintf("%s\nThis breaks %s.\n%s", v.Reason(), rt, c.operatorsHint(rule, h.name)))
	}
	// Only the operator can be missing, on bare metal without
	// operator_country: every machine that loaded has a country.
	if incomplete, ok := err.(*sovereignty.IncompleteError); ok {
		for _, clause := range incomplete.Clauses {
			if clause == sovereignty.ForbiddenOperatorLaw {
				c.needOperatorCountry(m.Name, h, c.ruleText(h.name, clause), roleMachine)
			}
		}
	}
}

// backup holds the backup repository of a machine to the rule of one of
// its services.
func (c *policyCheck) backup(m *Machine, w backupWhere, h heldService, rule sovereignty.Rule) {
	b := m.Backup
	violations, err := rule.Check(w.Placement)
	repo, shared := b.Repository, c.dep.Backup != nil && b.DeclRange == c.dep.Backup.DeclRange
	if shared {
		repo = strings.TrimSuffix(c.dep.Backup.Repository, "/") + "/<machine>"
	}
	intro := func(f *finding) string {
		where := ""
		if w.Country != "" {
			where = fmt.Sprintf(" in %s", w.Place)
		}
		return fmt.Sprintf("The backups of %s go to %s%s (%s).", holderList(f.holders), repo, where, w.source)
	}
	for _, v := range violations {
		rt := c.ruleText(h.name, v.Clause)
		subject, summary := b.Ranges["repository"], "Backup outside the allowed jurisdictions"
		if r, set := b.Ranges["country"]; set && v.Clause == sovereignty.DataJurisdictions {
			subject = r
		}
		if v.Clause == sovereignty.ForbiddenOperatorLaw {
			summary = "Backup held by an operator subject to a forbidden law"
			if r, set := b.Ranges["operator"]; set {
				subject = r
			}
		}
		c.add(key(subject, rt), subject, summary, intro, m.Name, h,
			fmt.Sprintf("%s\nThis breaks %s: backups are held to the rule of the data they copy.\nBack up to a repository the rule allows.", v.Reason(), rt))
	}
	incomplete, _ := err.(*sovereignty.IncompleteError)
	if incomplete == nil {
		return
	}
	var missing []string
	var rules []string
	for _, clause := range incomplete.Clauses {
		if clause == sovereignty.ForbiddenOperatorLaw && w.selfOperated {
			c.needOperatorCountry(m.Name, h, c.ruleText(h.name, clause), roleBackup)
			continue
		}
		rules = append(rules, c.ruleText(h.name, clause))
		if clause == sovereignty.DataJurisdictions {
			missing = append(missing, `country, an ISO 3166-1 alpha-2 code like "DE",`)
		} else {
			missing = append(missing, fmt.Sprintf("operator, one of %s or %q (your own organisation, of operator_country),", strings.Join(sovereignty.Operators(), ", "), sovereignty.Self))
		}
	}
	if len(missing) == 0 {
		return
	}
	rng := b.Ranges["repository"]
	c.add(key(rng, strings.Join(rules, ",")), rng, "Backup repository of unknown jurisdiction",
		func(f *finding) string {
			return fmt.Sprintf("The backups of %s go to %s, and freecloud cannot tell from it %s.", holderList(f.holders), repo, unknownParts(len(missing), strings.HasPrefix(missing[0], "country")))
		}, m.Name, h,
		fmt.Sprintf("The sovereignty policy needs to know (%s). Add %s to the backup. freecloud knows the repositories of Hetzner Object Storage (<location>.your-objectstorage.com), Amazon S3 with a region (s3.<region>.amazonaws.com) and the deployment's own machines.",
			strings.Join(rules, "; "), joinAnd(missing)))
}

// needOperatorCountry reports, once, that a rule forbidding operator laws
// needs to know where the deployment's organisation is incorporated: it
// runs the bare-metal machines, or keeps backups itself (role).
func (c *policyCheck) needOperatorCountry(machine string, h heldService, rule, role string) {
	f := c.add("operator_country", c.dep.DeclRange, "Missing operator_country",
		func(f *finding) string {
			var roles []string
			for _, r := range []string{roleMachine, roleBackup} {
				if f.roles[r] {
					roles = append(roles, r)
				}
			}
			return fmt.Sprintf("Your organisation %s holding the state of %s.", strings.Join(roles, " and "), holderList(f.holders))
		}, machine, h,
		fmt.Sprintf("The sovereignty policy (%s) needs to know where the organisation is incorporated. Add operator_country = \"<ISO 3166-1 alpha-2 code>\" to the deployment block, like operator_country = \"DE\".", rule))
	f.roles[role] = true
}

// The roles of the deployment's organisation as an operator.
const (
	roleMachine = "runs the bare-metal machines"
	roleBackup  = "keeps the backups"
)

// contradictions reports a backup whose declared country or operator
// differs from what its repository's host says: one of them is wrong,
// and the policy would be checked against a guess.
func (c *policyCheck) contradictions(m *Machine, w backupWhere) {
	b := m.Backup
	if b.Country != "" && w.inferred.Country != "" && b.Country != w.inferred.Country {
		rng := b.Ranges["country"]
		c.add(key(rng, "country"), rng, "Backup country contradicts its repository",
			func(*finding) string {
				return fmt.Sprintf("country = %q, but the repository %s is in %s (%s).", b.Country, b.Repository, w.inferred.Place, strings.TrimSuffix(w.source, ", and as its backup declares"))
			}, m.Name, heldService{}, "Correct country, or remove it and let the repository say.")
	}
	if b.Operator != "" && w.inferred.Operator.Known() && b.Operator != w.inferred.Operator.ID {
		rng := b.Ranges["operator"]
		c.add(key(rng, "operator"), rng, "Backup operator contradicts its repository",
			func(*finding) string {
				return fmt.Sprintf("operator = %q, but the repository %s is held by %s (%s).", b.Operator, b.Repository, w.inferred.Operator.Name, strings.TrimSuffix(w.source, ", and as its backup declares"))
			}, m.Name, heldService{}, "Correct operator, or remove it and let the repository say.")
	}
}

// placesHint says where a machine could go instead.
func (c *policyCheck) placesHint(m *Machine, rule sovereignty.Rule, service string) string {
	var b strings.Builder
	kind := m.Provider.Kind
	if kind.Country == nil {
		b.WriteString("Put the machine in a country the rule allows, or the services on a machine there")
	} else if allowed := rule.AllowedLocations(kind.Type); len(allowed) > 0 {
		var places []string
		for _, name := range allowed {
			place, _ := kind.Place(name)
			places = append(places, fmt.Sprintf("%s (%s)", name, place))
		}
		fmt.Fprintf(&b, "Locations of %s that the rule allows: %s. Move the machine to one of them", kind.Type, strings.Join(places, ", "))
	} else {
		fmt.Fprintf(&b, "No location of %s is allowed by this service's rule; move the machine to another provider", kind.Type)
	}
	fmt.Fprintf(&b, "; or, if the data of these services may be elsewhere, give each an override in the sovereignty block, like service %q { %s = [%q] }.", service, attrDataJurisdictions, sovereignty.Anywhere)
	return b.String()
}

// operatorsHint names the providers whose operator the rule allows.
func (c *policyCheck) operatorsHint(rule sovereignty.Rule, service string) string {
	allowed := map[string]bool{}
	for _, o := range rule.AllowedOperators() {
		allowed[o.ID] = true
	}
	var names []string
	for _, typ := range sovereignty.ProviderTypes() {
		if o, _ := sovereignty.ProviderOperator(typ); allowed[o.ID] {
			names = append(names, fmt.Sprintf("%s (%s)", typ, o.Name))
		}
	}
	var b strings.Builder
	if len(names) > 0 {
		fmt.Fprintf(&b, "Providers whose operator the rule allows: %s. Move the machine there or to bare metal your organisation runs", strings.Join(names, ", "))
	} else {
		b.WriteString("No cloud provider freecloud knows is allowed by this rule; move the machine to bare metal your organisation runs")
	}
	fmt.Fprintf(&b, "; or, if the data of these services may be held by such an operator, give each an override in the sovereignty block, like service %q { %s = [] }.", service, attrForbiddenOperatorLaw)
	return b.String()
}

func key(rng hcl.Range, what string) string { return rng.String() + "|" + what }

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// unknownParts says what the repository does not tell: n parts, the
// first of them its country or not.
func unknownParts(n int, country bool) string {
	switch {
	case n == 2:
		return "where it is or who holds it"
	case country:
		return "where it is"
	}
	return "who holds it"
}
