// Package sovereignty knows where data lives and whose law reaches it:
// the country and city of every location of the clouds freecloud drives,
// the groups countries form (EU, EEA, Five Eyes ...), the company that
// operates each provider with the country it is incorporated in, and the
// laws that reach beyond their country's borders (the US CLOUD Act). A
// Rule, the Go form of a deployment's sovereignty block, is checked
// against a Placement (a country and an operator) and says which of its
// entries is broken and why; Reach lists who can compel access to data
// placed somewhere.
//
// The facts are one readable data file, jurisdictions.hcl, with a source
// for each; this package has no table of its own, and providers and the
// deployment loader read theirs from here, so there is one source of
// truth (DESIGN.md, principle 5: "Sovereignty is checked, not promised").
package sovereignty

import (
	_ "embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

//go:embed jurisdictions.hcl
var jurisdictionsHCL []byte

// A Country is a country or territory with an ISO 3166-1 alpha-2 code.
type Country struct {
	Code string // "DE"
	Name string // "Germany"
}

// String is the country as messages name it: "Germany (DE)".
func (c Country) String() string { return c.Name + " (" + c.Code + ")" }

// A Group is a named set of countries, like the EU or the Five Eyes.
type Group struct {
	ID   string // "FIVE_EYES"
	Name string // "the Five Eyes (UKUSA Agreement)"
	// Members are the codes of its countries, those of included groups
	// too, sorted.
	Members []string
	Sources []string
}

// A Law is a law whose reach goes beyond its country's borders: it binds
// operators incorporated in (or controlled from) its country wherever they
// store data.
type Law struct {
	ID       string // "US_CLOUD_ACT"
	Name     string // "the CLOUD Act"
	Citation string // "18 U.S.C. § 2713"
	Country  string // "US"
	// Reach is a relative clause saying how it reaches data abroad:
	// "which obliges the operator to hand over data ...".
	Reach   string
	Sources []string
}

// String names the law with its citation: "the CLOUD Act (18 U.S.C. §
// 2713)".
func (l Law) String() string { return l.Name + " (" + l.Citation + ")" }

// An Operator is who runs the machines: a provider's company, or the
// deployment's own organisation on bare metal.
type Operator struct {
	// ID is the operator's name in deployment files ("hetzner", "aws"),
	// Self for the deployment's organisation.
	ID   string
	Name string // "Amazon Web Services, Inc."
	// Country is where it is incorporated; City is where it has its seat,
	// "" when not known.
	Country string
	City    string
	// Laws are the IDs of the laws with reach beyond their borders the
	// operator is subject to, sorted.
	Laws    []string
	Sources []string
}

// Self is the operator ID of the deployment's own organisation, which runs
// its bare-metal machines.
const Self = "self"

// Known tells whether the operator was determined at all.
func (o Operator) Known() bool { return o.Country != "" }

// String names the operator with its seat: "Amazon Web Services, Inc.
// (Seattle, United States, US)".
func (o Operator) String() string {
	where := CountryName(o.Country) + ", " + o.Country
	if o.City != "" {
		where = o.City + ", " + where
	}
	return o.Name + " (" + where + ")"
}

// A Place is where a location is.
type Place struct {
	Country string // ISO 3166-1 alpha-2
	City    string // as the provider names the location; may be empty
}

// String is the place as messages name it: "Frankfurt, Germany (DE)".
func (p Place) String() string {
	if p.Country == "" {
		return "an unknown place"
	}
	c := Country{Code: p.Country, Name: CountryName(p.Country)}.String()
	if p.City == "" || p.City == CountryName(p.Country) {
		return c
	}
	return p.City + ", " + c
}

// A Storage is a storage service recognised by its host name, so that a
// backup repository on it is placed without being told where.
type Storage struct {
	ID       string // "aws-s3"
	Name     string // "Amazon S3"
	Domain   string // "amazonaws.com"
	Operator string // operator ID
	// Locations is the provider type whose locations may appear as a
	// label of the host ("s3.eu-central-1.amazonaws.com"); "" when the
	// host never says where the data is.
	Locations string
	Sources   []string
}

// The table, decoded once from jurisdictions.hcl when the package loads.
var table = mustLoad(jurisdictionsHCL)

type tables struct {
	countries map[string]Country
	groups    map[string]Group
	laws      map[string]Law
	operators map[string]Operator
	// providers maps a provider type to its operator ID and locations.
	providers map[string]providerTable
	storage   []Storage
}

type providerTable struct {
	operator  string
	locations map[string]Place
}

// The shape of jurisdictions.hcl.
type fileSchema struct {
	Countries struct {
		Names   map[string]string `hcl:"names"`
		Sources []string          `hcl:"sources"`
	} `hcl:"countries,block"`
	Groups []struct {
		ID       string   `hcl:"id,label"`
		Name     string   `hcl:"name"`
		Includes []string `hcl:"includes,optional"`
		Members  []string `hcl:"members"`
		Sources  []string `hcl:"sources"`
	} `hcl:"group,block"`
	Laws []struct {
		ID       string   `hcl:"id,label"`
		Name     string   `hcl:"name"`
		Citation string   `hcl:"citation"`
		Country  string   `hcl:"country"`
		Reach    string   `hcl:"reach"`
		Sources  []string `hcl:"sources"`
	} `hcl:"law,block"`
	Operators []struct {
		ID      string   `hcl:"id,label"`
		Name    string   `hcl:"name"`
		Country string   `hcl:"country"`
		City    string   `hcl:"city"`
		Laws    []string `hcl:"laws"`
		Sources []string `hcl:"sources"`
	} `hcl:"operator,block"`
	Providers []struct {
		Type      string `hcl:"type,label"`
		Operator  string `hcl:"operator"`
		Locations map[string]struct {
			Country string `cty:"country"`
			City    string `cty:"city"`
		} `hcl:"locations"`
		Sources []string `hcl:"sources"`
	} `hcl:"provider,block"`
	Storage []struct {
		ID        string   `hcl:"id,label"`
		Name      string   `hcl:"name"`
		Domain    string   `hcl:"domain"`
		Operator  string   `hcl:"operator"`
		Locations string   `hcl:"locations,optional"`
		Sources   []string `hcl:"sources"`
	} `hcl:"storage,block"`
}

var (
	countryCodeRe = regexp.MustCompile(`^[A-Z]{2}$`)
	groupIDRe     = regexp.MustCompile(`^[A-Z]{2,}(_[A-Z]+)*$`)
	lawIDRe       = regexp.MustCompile(`^[A-Z]{2}(_[A-Z0-9]+)+$`)
)

// mustLoad decodes the embedded table. The file ships inside the binary,
// so a broken one is a bug of freecloud's, caught by the package's tests.
func mustLoad(src []byte) *tables {
	t, err := decode(src)
	if err != nil {
		panic("sovereignty: jurisdictions.hcl: " + err.Error())
	}
	return t
}

// decode parses and checks a table: every code it uses is defined, IDs
// have the form of their kind, and no code is of two kinds.
func decode(src []byte) (*tables, error) {
	file, diags := hclparse.NewParser().ParseHCL(src, "jurisdictions.hcl")
	if diags.HasErrors() {
		return nil, diags
	}
	var f fileSchema
	if diags := gohcl.DecodeBody(file.Body, nil, &f); diags.HasErrors() {
		return nil, diags
	}
	t := &tables{
		countries: map[string]Country{},
		groups:    map[string]Group{},
		laws:      map[string]Law{},
		operators: map[string]Operator{},
		providers: map[string]providerTable{},
	}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for code, name := range f.Countries.Names {
		if !countryCodeRe.MatchString(code) || name == "" {
			fail("country %q %q: codes are two capital letters and have a name", code, name)
		}
		t.countries[code] = Country{Code: code, Name: name}
	}
	country := func(what, code string) {
		if _, ok := t.countries[code]; !ok {
			fail("%s: %q is not a country of the table", what, code)
		}
	}
	taken := func(what, id string) {
		if _, ok := t.countries[id]; ok {
			fail("%s %q is also a country code", what, id)
		}
		if _, ok := t.groups[id]; ok {
			fail("%s %q is also a group", what, id)
		}
		if _, ok := t.laws[id]; ok {
			fail("%s %q is also a law", what, id)
		}
	}
	for _, g := range f.Groups {
		taken("group", g.ID)
		if !groupIDRe.MatchString(g.ID) {
			fail("group %q: group IDs are capitals and underscores", g.ID)
		}
		members := map[string]bool{}
		for _, c := range g.Members {
			country("group "+g.ID, c)
			members[c] = true
		}
		// Groups are listed after those they include, so that includes
		// read top to bottom.
		for _, inc := range g.Includes {
			included, ok := t.groups[inc]
			if !ok {
				fail("group %q includes %q, which is not a group above it", g.ID, inc)
			}
			for _, c := range included.Members {
				members[c] = true
			}
		}
		t.groups[g.ID] = Group{ID: g.ID, Name: g.Name, Members: slices.Sorted(maps.Keys(members)), Sources: g.Sources}
	}
	for _, l := range f.Laws {
		taken("law", l.ID)
		if !lawIDRe.MatchString(l.ID) || !strings.HasPrefix(l.ID, l.Country+"_") {
			fail("law %q: law IDs are <country>_<NAME>, here %s_...", l.ID, l.Country)
		}
		country("law "+l.ID, l.Country)
		t.laws[l.ID] = Law{ID: l.ID, Name: l.Name, Citation: l.Citation, Country: l.Country, Reach: l.Reach, Sources: l.Sources}
	}
	for _, o := range f.Operators {
		if o.ID == Self {
			fail("operator %q is reserved for the deployment's organisation", o.ID)
		}
		country("operator "+o.ID, o.Country)
		laws := map[string]bool{}
		for _, id := range o.Laws {
			if _, ok := t.laws[id]; !ok {
				fail("operator %q: %q is not a law of the table", o.ID, id)
			}
			laws[id] = true
		}
		// A law binds every operator incorporated in its country.
		for _, l := range t.laws {
			if l.Country == o.Country && !laws[l.ID] {
				fail("operator %q is incorporated in %s but does not list %s", o.ID, o.Country, l.ID)
			}
		}
		t.operators[o.ID] = Operator{ID: o.ID, Name: o.Name, Country: o.Country, City: o.City, Laws: slices.Sorted(maps.Keys(laws)), Sources: o.Sources}
	}
	for _, p := range f.Providers {
		if _, ok := t.operators[p.Operator]; !ok {
			fail("provider %q: operator %q is not in the table", p.Type, p.Operator)
		}
		pt := providerTable{operator: p.Operator, locations: map[string]Place{}}
		for name, place := range p.Locations {
			country("provider "+p.Type+" location "+name, place.Country)
			pt.locations[name] = Place{Country: place.Country, City: place.City}
		}
		t.providers[p.Type] = pt
	}
	for _, s := range f.Storage {
		if _, ok := t.operators[s.Operator]; !ok {
			fail("storage %q: operator %q is not in the table", s.ID, s.Operator)
		}
		if _, ok := t.providers[s.Locations]; s.Locations != "" && !ok {
			fail("storage %q: no provider %q has locations", s.ID, s.Locations)
		}
		t.storage = append(t.storage, Storage{ID: s.ID, Name: s.Name, Domain: s.Domain, Operator: s.Operator, Locations: s.Locations, Sources: s.Sources})
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return t, nil
}

// LookupCountry returns the country with an ISO 3166-1 alpha-2 code.
func LookupCountry(code string) (Country, bool) {
	c, ok := table.countries[code]
	return c, ok
}

// CountryName is the name of a country code, the code itself when the
// table does not know it.
func CountryName(code string) string {
	if c, ok := table.countries[code]; ok {
		return c.Name
	}
	return code
}

// Countries lists the country codes, sorted.
func Countries() []string { return slices.Sorted(maps.Keys(table.countries)) }

// LookupGroup returns a group of countries by its ID.
func LookupGroup(id string) (Group, bool) {
	g, ok := table.groups[id]
	return g, ok
}

// Groups lists the group IDs, sorted.
func Groups() []string { return slices.Sorted(maps.Keys(table.groups)) }

// LookupLaw returns a law by its ID.
func LookupLaw(id string) (Law, bool) {
	l, ok := table.laws[id]
	return l, ok
}

// Laws lists the law IDs, sorted.
func Laws() []string { return slices.Sorted(maps.Keys(table.laws)) }

// LookupOperator returns an operator by its ID ("hetzner", "aws"). Self
// is not in the table: see Organisation.
func LookupOperator(id string) (Operator, bool) {
	o, ok := table.operators[id]
	return o, ok
}

// Operators lists the operator IDs of the table, sorted.
func Operators() []string { return slices.Sorted(maps.Keys(table.operators)) }

// ProviderOperator returns the operator of a provider type ("hetzner",
// "aws"); false for bare metal, whose operator is the deployment's
// organisation.
func ProviderOperator(providerType string) (Operator, bool) {
	p, ok := table.providers[providerType]
	if !ok {
		return Operator{}, false
	}
	return table.operators[p.operator], true
}

// Organisation is the deployment's own organisation as an operator,
// incorporated in country: it is subject to the laws of the table that
// bind operators from there. An unknown country is an error.
func Organisation(country string) (Operator, error) {
	if _, ok := table.countries[country]; !ok {
		return Operator{}, unknownCode(country, KindCountry)
	}
	var laws []string
	for _, id := range Laws() {
		if table.laws[id].Country == country {
			laws = append(laws, id)
		}
	}
	return Operator{ID: Self, Name: "the deployment's organisation", Country: country, Laws: laws}, nil
}

// Location returns where a location of a provider type is, as written
// in the table: a Hetzner location ("fsn1"), an AWS region
// ("eu-central-1"; providers.AWSRegion maps an availability zone to it).
func Location(providerType, location string) (Place, bool) {
	p, ok := table.providers[providerType]
	if !ok {
		return Place{}, false
	}
	place, ok := p.locations[location]
	return place, ok
}

// Locations lists the locations of a provider type, sorted; nil for a
// type without a table (bare metal).
func Locations(providerType string) []string {
	p, ok := table.providers[providerType]
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(p.locations))
}

// ProviderTypes lists the provider types that have locations, sorted.
func ProviderTypes() []string { return slices.Sorted(maps.Keys(table.providers)) }

// StorageAt recognises a storage service by a host name and says what it
// tells: the operator, and the place when a label of the host is a
// location of the service's provider. ok is false for a host of no
// service the table knows; place is empty when the host does not say
// where the data is.
func StorageAt(host string) (s Storage, operator Operator, place Place, ok bool) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, s := range table.storage {
		rest, found := strings.CutSuffix(host, "."+s.Domain)
		if !found {
			continue
		}
		operator = table.operators[s.Operator]
		if s.Locations != "" {
			for _, label := range strings.Split(rest, ".") {
				if p, known := Location(s.Locations, label); known {
					place = p
					break
				}
			}
		}
		return s, operator, place, true
	}
	return Storage{}, Operator{}, Place{}, false
}
