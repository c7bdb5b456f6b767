package report

import (
	"fmt"
	"strings"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/sovereignty"
)

// Build gathers the report of a loaded deployment: services lists what
// runs where (generator.Services), secrets every secret of every machine
// (generator.Secrets), and status tells where a sealed secret's
// ciphertext stands (current, stale…), which takes state and files the
// report does not read itself.
func Build(dep *config.Deployment, services []generator.ServiceInstance, secrets []generator.HostSecret, status func(generator.HostSecret) string) *Report {
	r := &Report{Deployment: dep.Name, Policy: policy(dep.Sovereignty), Services: []Service{}}
	for _, in := range services {
		m := in.Machine
		s := Service{
			Name: in.Name, Profile: in.Profile.Name, Machine: m.Name, RequiredBy: in.RequiredBy,
			State:   append([]string{}, in.State...),
			Rule:    ruleText(dep, in),
			Data:    location(m.Provider.Address(), m.Location, dep.Placement(m)),
			Access:  access(dep.Placement(m)),
			Secrets: secretsOf(secrets, m.Name, in.Name, status),
		}
		if m.Backup != nil && len(in.State) > 0 {
			p, source := dep.BackupPlacement(m)
			s.Backup = &Backup{
				Repository: m.Backup.Repository,
				Schedule:   m.Backup.Schedule,
				Data:       location(source, "", p),
				Access:     access(p),
				Secrets:    secretsOf(secrets, m.Name, config.ReservedServiceName, status),
			}
		}
		r.Services = append(r.Services, s)
	}
	return r
}

func policy(s *config.Sovereignty) *Policy {
	if s == nil {
		return nil
	}
	p := &Policy{DataJurisdictions: nonNil(s.DataJurisdictions), ForbiddenOperatorLaw: nonNil(s.ForbiddenOperatorLaw)}
	for _, o := range s.Overrides {
		ov := Override{Service: o.Service}
		if _, set := o.Ranges[sovereignty.DataJurisdictions.String()]; set {
			ov.DataJurisdictions = nonNil(o.DataJurisdictions)
		}
		if _, set := o.Ranges[sovereignty.ForbiddenOperatorLaw.String()]; set {
			ov.ForbiddenOperatorLaw = nonNil(o.ForbiddenOperatorLaw)
		}
		p.Overrides = append(p.Overrides, ov)
	}
	return p
}

func nonNil(list []string) []string { return append([]string{}, list...) }

// ruleText says which rule holds a service's data, and where it is
// written.
func ruleText(dep *config.Deployment, in generator.ServiceInstance) string {
	switch s := dep.Sovereignty; {
	case len(in.State) == 0:
		return "none: the service keeps no data, so the policy does not hold it"
	case s == nil:
		return "none: the deployment has no sovereignty policy"
	case s.Override(in.Name) != nil:
		o := s.Override(in.Name)
		return fmt.Sprintf("the override for service %s in the sovereignty block (%s:%d)", in.Name, o.DeclRange.Filename, o.DeclRange.Start.Line)
	default:
		return fmt.Sprintf("the deployment's sovereignty policy (%s:%d)", s.DeclRange.Filename, s.DeclRange.Start.Line)
	}
}

func location(provider, loc string, p sovereignty.Placement) Location {
	l := Location{Provider: provider, Location: loc, Country: p.Country, CountryName: sovereignty.CountryName(p.Country), City: p.City,
		Operator: "unknown (set operator_country in the deployment block)", OperatorCountry: p.Operator.Country}
	if p.Country == "" {
		l.CountryName = "unknown"
	}
	if p.Operator.Known() {
		l.Operator = p.Operator.Name
	}
	return l
}

func access(p sovereignty.Placement) []Access {
	out := []Access{}
	for _, c := range sovereignty.Reach(p) {
		a := Access{Country: c.Country, CountryName: sovereignty.CountryName(c.Country), Basis: c.Basis.String(), Why: c.Why}
		if c.Law != nil {
			a.Law = c.Law.String()
		}
		out = append(out, a)
	}
	return out
}

// secretsOf are the secrets of one service on one machine.
func secretsOf(all []generator.HostSecret, machine, service string, status func(generator.HostSecret) string) []Secret {
	out := []Secret{}
	for _, h := range all {
		if h.Machine != machine || h.Service != service {
			continue
		}
		s := Secret{Name: h.Name, Source: h.Source, Path: h.Path, Ciphertext: h.Ciphertext}
		switch h.Source {
		case generator.SourceGenerated:
			s.Made = fmt.Sprintf("generated on %s (%s), where it stays", machine, h.Rule)
		case generator.SourceShared:
			s.Made = fmt.Sprintf("made in memory by freecloud (%s) and sealed to each of %s", h.Rule, strings.Join(h.SharedWith, ", "))
		default:
			s.Made = fmt.Sprintf("provided by the operator and sealed to %s's host key and the recovery recipients", machine)
		}
		if h.Ciphertext != "" && status != nil {
			s.Status = status(h)
		}
		out = append(out, s)
	}
	return out
}
