package sovereignty

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A Clause is one attribute of a sovereignty rule, named as deployment
// files write it.
type Clause int

const (
	// DataJurisdictions: where the data may be.
	DataJurisdictions Clause = iota + 1
	// ForbiddenOperatorLaw: whose law the operator holding the data may
	// not be subject to.
	ForbiddenOperatorLaw
)

func (c Clause) String() string {
	switch c {
	case DataJurisdictions:
		return "data_jurisdictions"
	case ForbiddenOperatorLaw:
		return "forbidden_operator_law"
	}
	return fmt.Sprintf("Clause(%d)", int(c))
}

// Kinds are the kinds of code the clause accepts: countries, groups and
// Anywhere in data_jurisdictions; countries, groups and laws in
// forbidden_operator_law.
func (c Clause) Kinds() []Kind {
	if c == DataJurisdictions {
		return []Kind{KindCountry, KindGroup, KindAnywhere}
	}
	return []Kind{KindCountry, KindGroup, KindLaw}
}

// A Rule is what a deployment's sovereignty block (or one of its
// per-service overrides) asks of the data it covers.
type Rule struct {
	// DataJurisdictions are the countries and groups the data may be in.
	// Empty, or holding Anywhere, it may be anywhere.
	DataJurisdictions []string
	// ForbiddenOperatorLaw are countries, groups and laws. An operator
	// incorporated in one of the countries, or subject to a law that is
	// named or of one of the countries, may not hold the data. Empty
	// forbids nothing.
	ForbiddenOperatorLaw []string
}

// Codes returns the codes of a clause.
func (r Rule) Codes(c Clause) []string {
	if c == DataJurisdictions {
		return r.DataJurisdictions
	}
	return r.ForbiddenOperatorLaw
}

// Restricts tells whether a clause rules anything out, and so whether a
// placement needs to say what the clause looks at (a country, an
// operator).
func (r Rule) Restricts(c Clause) bool {
	codes := r.Codes(c)
	if c == DataJurisdictions {
		for _, code := range codes {
			if code == Anywhere {
				return false
			}
		}
	}
	return len(codes) > 0
}

// Validate returns an error for the first code of the rule that is
// unknown or not accepted by its clause (an *UnknownCodeError).
func (r Rule) Validate() error {
	for _, c := range []Clause{DataJurisdictions, ForbiddenOperatorLaw} {
		for _, code := range r.Codes(c) {
			if _, err := Resolve(code, c.Kinds()...); err != nil {
				return fmt.Errorf("%s: %w", c, err)
			}
		}
	}
	return nil
}

// A Placement is where data is and who holds it.
type Placement struct {
	Place
	Operator Operator
}

// A Violation is one clause of a rule that a placement breaks.
type Violation struct {
	Clause Clause
	// Entries are the codes of the clause that the placement breaks, in
	// the clause's order: for data_jurisdictions all of them (the country
	// is in none), for forbidden_operator_law those that catch the
	// operator.
	Entries []string
	// Incorporated: the operator is incorporated in a country the clause
	// forbids (forbidden_operator_law).
	Incorporated bool
	// Laws are the laws the operator is subject to that the clause
	// forbids, by their ID or their country (forbidden_operator_law).
	Laws      []Law
	Placement Placement
}

// Reason says why the placement breaks the clause, in a sentence or two
// that name the country, the operator and the laws; the caller adds where
// the clause is written.
func (v Violation) Reason() string {
	p := v.Placement
	if v.Clause == DataJurisdictions {
		return fmt.Sprintf("The data would be in %s, which is not in %s.", p.Place, jurisdictionList(v.Entries, "or"))
	}
	var b strings.Builder
	o := p.Operator
	b.WriteString("The data would be held by " + o.Name)
	if o.City != "" {
		b.WriteString(" of " + o.City)
	}
	fmt.Fprintf(&b, ", whose home country is %s", Country{Code: o.Country, Name: CountryName(o.Country)})
	for i, l := range v.Laws {
		switch {
		case i == 0:
			b.WriteString(", and which is subject to ")
		default:
			b.WriteString("; and to ")
		}
		fmt.Fprintf(&b, "%s, %s", l, l.Reach)
	}
	if p.Country != "" && p.Country != o.Country {
		fmt.Fprintf(&b, " — although the data itself would be in %s", p.Place)
	}
	fmt.Fprintf(&b, ". That falls under %s.", jurisdictionList(v.Entries, "and"))
	return b.String()
}

// jurisdictionList names codes for a sentence: "the European Union (EU)
// or Switzerland (CH)".
func jurisdictionList(codes []string, conj string) string {
	names := make([]string, len(codes))
	for i, code := range codes {
		if j, ok := lookup(code); ok {
			names[i] = j.String()
		} else {
			names[i] = code
		}
	}
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// An IncompleteError says that a placement lacks what a clause of the
// rule looks at: the country of the data, or its operator.
type IncompleteError struct {
	Clauses []Clause
}

func (e *IncompleteError) Error() string {
	var missing []string
	for _, c := range e.Clauses {
		if c == DataJurisdictions {
			missing = append(missing, "the country of the data is not known, so data_jurisdictions cannot be checked")
		} else {
			missing = append(missing, "the operator holding the data is not known, so forbidden_operator_law cannot be checked")
		}
	}
	return strings.Join(missing, "; ")
}

// Check applies the rule to a placement and returns the clauses it
// breaks, at most one Violation per clause. A code the rule does not
// know is an *UnknownCodeError; a placement that lacks what a restricting
// clause looks at is an *IncompleteError, returned with the violations of
// the other clause. Check never lets data through for want of knowing.
func (r Rule) Check(p Placement) ([]Violation, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var out []Violation
	var incomplete []Clause
	if r.Restricts(DataJurisdictions) {
		if p.Country == "" {
			incomplete = append(incomplete, DataJurisdictions)
		} else if !r.allowsCountry(p.Country) {
			out = append(out, Violation{Clause: DataJurisdictions, Entries: r.DataJurisdictions, Placement: p})
		}
	}
	if r.Restricts(ForbiddenOperatorLaw) {
		if !p.Operator.Known() {
			incomplete = append(incomplete, ForbiddenOperatorLaw)
		} else if v, broken := r.checkOperator(p); broken {
			out = append(out, v)
		}
	}
	if len(incomplete) > 0 {
		return out, &IncompleteError{Clauses: incomplete}
	}
	return out, nil
}

func (r Rule) allowsCountry(country string) bool {
	for _, code := range r.DataJurisdictions {
		j, _ := lookup(code)
		for _, c := range j.Countries {
			if c == country {
				return true
			}
		}
	}
	return false
}

// checkOperator finds the entries of forbidden_operator_law that catch
// the operator: by its country of incorporation, or by a law it is
// subject to, named or of a named country.
func (r Rule) checkOperator(p Placement) (Violation, bool) {
	v := Violation{Clause: ForbiddenOperatorLaw, Placement: p}
	laws := map[string]bool{}
	for _, code := range r.ForbiddenOperatorLaw {
		j, _ := lookup(code)
		hit := false
		for _, c := range j.Countries {
			if j.Kind != KindLaw && c == p.Operator.Country {
				v.Incorporated, hit = true, true
			}
		}
		for _, id := range p.Operator.Laws {
			l := table.laws[id]
			if (j.Kind == KindLaw && id == code) || (j.Kind != KindLaw && contains(j.Countries, l.Country)) {
				laws[id], hit = true, true
			}
		}
		if hit {
			v.Entries = append(v.Entries, code)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(laws)) {
		v.Laws = append(v.Laws, table.laws[id])
	}
	return v, len(v.Entries) > 0
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// AllowedLocations lists the locations of a provider type where the rule
// lets data be held, with the provider's operator: none when the
// operator is forbidden, all when nothing is restricted.
func (r Rule) AllowedLocations(providerType string) []string {
	operator, ok := ProviderOperator(providerType)
	if !ok {
		return nil
	}
	var out []string
	for _, name := range Locations(providerType) {
		place, _ := Location(providerType, name)
		if v, err := r.Check(Placement{Place: place, Operator: operator}); err == nil && len(v) == 0 {
			out = append(out, name)
		}
	}
	return out
}

// AllowedOperators lists the operators of the table that
// forbidden_operator_law does not rule out, in ID order.
func (r Rule) AllowedOperators() []Operator {
	var out []Operator
	for _, id := range Operators() {
		o := table.operators[id]
		if _, broken := r.checkOperator(Placement{Operator: o}); !broken {
			out = append(out, o)
		}
	}
	return out
}
