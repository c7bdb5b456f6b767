package sovereignty

import "fmt"

// A Basis is why a jurisdiction can compel access to data.
type Basis int

const (
	// Territorial: the data is stored in the country.
	Territorial Basis = iota + 1
	// Incorporation: the operator holding the data is incorporated there.
	Incorporation
	// Extraterritorial: a law of the country reaches the operator
	// wherever the data is stored.
	Extraterritorial
)

func (b Basis) String() string {
	switch b {
	case Territorial:
		return "territorial"
	case Incorporation:
		return "incorporation"
	case Extraterritorial:
		return "extraterritorial"
	}
	return fmt.Sprintf("Basis(%d)", int(b))
}

// A Claim is one jurisdiction that can compel access to data, and why.
type Claim struct {
	Country string
	Basis   Basis
	// Law is the law behind an Extraterritorial claim; nil otherwise.
	Law *Law
	// Why is a sentence for people.
	Why string
}

// Reach lists the jurisdictions that can compel access to data placed at
// p: the country where it is stored (its courts and authorities), the
// operator's home country (which can compel a company of its own), and
// the country of each law with reach beyond its borders the operator is
// subject to. A country may appear more than once, on different grounds;
// parts of the placement that are unknown add nothing.
func Reach(p Placement) []Claim {
	var claims []Claim
	if p.Country != "" {
		claims = append(claims, Claim{Country: p.Country, Basis: Territorial,
			Why: fmt.Sprintf("the data is stored in %s, under its courts and authorities", p.Place)})
	}
	if o := p.Operator; o.Known() {
		claims = append(claims, Claim{Country: o.Country, Basis: Incorporation,
			Why: fmt.Sprintf("the operator, %s, is incorporated there and must answer to its courts", o.Name)})
		for _, id := range o.Laws {
			l := table.laws[id]
			claims = append(claims, Claim{Country: l.Country, Basis: Extraterritorial, Law: &l,
				Why: fmt.Sprintf("the operator is subject to %s, %s", l, l.Reach)})
		}
	}
	return claims
}
