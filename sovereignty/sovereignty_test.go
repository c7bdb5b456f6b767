package sovereignty

import (
	"errors"
	"strings"
	"testing"
)

// eu is whether a location's country is an EU member state, written out
// here rather than derived, so the table is checked against it.
var locations = []struct {
	typ, location, country, city string
	eu                           bool
}{
	{"hetzner", "fsn1", "DE", "Falkenstein", true},
	{"hetzner", "nbg1", "DE", "Nuremberg", true},
	{"hetzner", "hel1", "FI", "Helsinki", true},
	{"hetzner", "ash", "US", "Ashburn, VA", false},
	{"hetzner", "hil", "US", "Hillsboro, OR", false},
	{"hetzner", "sin", "SG", "Singapore", false},

	{"aws", "af-south-1", "ZA", "Cape Town", false},
	{"aws", "ap-east-1", "HK", "Hong Kong", false},
	{"aws", "ap-east-2", "TW", "Taipei", false},
	{"aws", "ap-northeast-1", "JP", "Tokyo", false},
	{"aws", "ap-northeast-2", "KR", "Seoul", false},
	{"aws", "ap-northeast-3", "JP", "Osaka", false},
	{"aws", "ap-south-1", "IN", "Mumbai", false},
	{"aws", "ap-south-2", "IN", "Hyderabad", false},
	{"aws", "ap-southeast-1", "SG", "Singapore", false},
	{"aws", "ap-southeast-2", "AU", "Sydney", false},
	{"aws", "ap-southeast-3", "ID", "Jakarta", false},
	{"aws", "ap-southeast-4", "AU", "Melbourne", false},
	{"aws", "ap-southeast-5", "MY", "Malaysia", false},
	{"aws", "ap-southeast-6", "NZ", "New Zealand", false},
	{"aws", "ap-southeast-7", "TH", "Thailand", false},
	{"aws", "ca-central-1", "CA", "Canada (Central)", false},
	{"aws", "ca-west-1", "CA", "Calgary", false},
	{"aws", "eu-central-1", "DE", "Frankfurt", true},
	{"aws", "eu-central-2", "CH", "Zurich", false},
	{"aws", "eu-north-1", "SE", "Stockholm", true},
	{"aws", "eu-south-1", "IT", "Milan", true},
	{"aws", "eu-south-2", "ES", "Spain", true},
	{"aws", "eu-west-1", "IE", "Ireland", true},
	{"aws", "eu-west-2", "GB", "London", false},
	{"aws", "eu-west-3", "FR", "Paris", true},
	{"aws", "il-central-1", "IL", "Tel Aviv", false},
	{"aws", "me-central-1", "AE", "UAE", false},
	{"aws", "me-south-1", "BH", "Bahrain", false},
	{"aws", "mx-central-1", "MX", "Mexico (Central)", false},
	{"aws", "sa-east-1", "BR", "São Paulo", false},
	{"aws", "us-east-1", "US", "N. Virginia", false},
	{"aws", "us-east-2", "US", "Ohio", false},
	{"aws", "us-west-1", "US", "N. California", false},
	{"aws", "us-west-2", "US", "Oregon", false},
}

// The table has every location above and no other.
func TestLocations(t *testing.T) {
	want := map[string][]string{}
	for _, l := range locations {
		want[l.typ] = append(want[l.typ], l.location)
		place, ok := Location(l.typ, l.location)
		if !ok || place.Country != l.country || place.City != l.city {
			t.Errorf("Location(%s, %s) = %+v, %v; want %s, %s", l.typ, l.location, place, ok, l.country, l.city)
		}
	}
	if got := ProviderTypes(); strings.Join(got, " ") != "aws hetzner" {
		t.Errorf("provider types %v", got)
	}
	for typ, names := range want {
		if got := Locations(typ); len(got) != len(names) {
			t.Errorf("%s has %d locations in the table, %d here: %v", typ, len(got), len(names), got)
		}
	}
	if Locations("baremetal") != nil {
		t.Error("bare metal has no locations")
	}
	if _, ok := Location("aws", "eu-central-1a"); ok {
		t.Error("availability zones are the providers package's to map")
	}
}

// Every location against each of the typical rules: where the data may be,
// who may hold it.
func TestRulesAtEveryLocation(t *testing.T) {
	rules := []struct {
		name string
		rule Rule
		// broken returns the clauses a location breaks.
		broken func(typ string, eu bool) []Clause
	}{
		{"EU only", Rule{DataJurisdictions: []string{"EU"}}, func(_ string, eu bool) []Clause {
			if eu {
				return nil
			}
			return []Clause{DataJurisdictions}
		}},
		{"EU and no US operator", Rule{DataJurisdictions: []string{"EU"}, ForbiddenOperatorLaw: []string{"US"}}, func(typ string, eu bool) []Clause {
			var out []Clause
			if !eu {
				out = append(out, DataJurisdictions)
			}
			if typ == "aws" {
				out = append(out, ForbiddenOperatorLaw)
			}
			return out
		}},
		{"no Five Eyes operator", Rule{ForbiddenOperatorLaw: []string{"FIVE_EYES"}}, func(typ string, _ bool) []Clause {
			if typ == "aws" {
				return []Clause{ForbiddenOperatorLaw}
			}
			return nil
		}},
		{"no CLOUD Act", Rule{ForbiddenOperatorLaw: []string{"US_CLOUD_ACT"}}, func(typ string, _ bool) []Clause {
			if typ == "aws" {
				return []Clause{ForbiddenOperatorLaw}
			}
			return nil
		}},
		{"anywhere", Rule{DataJurisdictions: []string{"EU", Anywhere}}, func(string, bool) []Clause { return nil }},
		{"empty", Rule{}, func(string, bool) []Clause { return nil }},
	}
	for _, r := range rules {
		for _, l := range locations {
			place, _ := Location(l.typ, l.location)
			operator, _ := ProviderOperator(l.typ)
			violations, err := r.rule.Check(Placement{Place: place, Operator: operator})
			if err != nil {
				t.Fatalf("%s, %s: %v", r.name, l.location, err)
			}
			var got []string
			for _, v := range violations {
				got = append(got, v.Clause.String())
			}
			var want []string
			for _, c := range r.broken(l.typ, l.eu) {
				want = append(want, c.String())
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s at %s %s: broken %v, want %v", r.name, l.typ, l.location, got, want)
			}
		}
	}
}

// AWS in Frankfurt is in the EU, and still refused when US law is
// forbidden: the violation names the country, the operator and both laws.
func TestViolationSaysWhy(t *testing.T) {
	place, _ := Location("aws", "eu-central-1")
	aws, _ := ProviderOperator("aws")
	violations, err := Rule{DataJurisdictions: []string{"EU"}, ForbiddenOperatorLaw: []string{"CN", "US", "US_CLOUD_ACT"}}.Check(Placement{Place: place, Operator: aws})
	if err != nil || len(violations) != 1 {
		t.Fatalf("%v, %v", violations, err)
	}
	v := violations[0]
	if v.Clause != ForbiddenOperatorLaw || strings.Join(v.Entries, " ") != "US US_CLOUD_ACT" || !v.Incorporated || len(v.Laws) != 2 {
		t.Errorf("violation %+v", v)
	}
	for _, want := range []string{"Amazon Web Services, Inc.", "United States (US)", "the CLOUD Act (18 U.S.C. § 2713)", "wherever the data is stored", "FISA section 702 (50 U.S.C. § 1881a)", "Frankfurt, Germany (DE)", "United States (US) and the CLOUD Act (US_CLOUD_ACT)"} {
		if !strings.Contains(v.Reason(), want) {
			t.Errorf("reason does not say %q: %s", want, v.Reason())
		}
	}

	// A law alone catches the operator; its home country is not named.
	violations, _ = Rule{ForbiddenOperatorLaw: []string{"US_FISA_702"}}.Check(Placement{Place: place, Operator: aws})
	if len(violations) != 1 || violations[0].Incorporated || len(violations[0].Laws) != 1 || violations[0].Laws[0].ID != "US_FISA_702" {
		t.Errorf("FISA only: %+v", violations)
	}

	// The place: the country and the list it is not in.
	place, _ = Location("hetzner", "ash")
	hetzner, _ := ProviderOperator("hetzner")
	violations, _ = Rule{DataJurisdictions: []string{"EU", "CH"}, ForbiddenOperatorLaw: []string{"US"}}.Check(Placement{Place: place, Operator: hetzner})
	if len(violations) != 1 || violations[0].Clause != DataJurisdictions ||
		violations[0].Reason() != "The data would be in Ashburn, VA, United States (US), which is not in the European Union (EU) or Switzerland (CH)." {
		t.Errorf("Hetzner in Ashburn: %+v", violations)
	}
}

// The groups: their sizes, their nesting, and informality said out loud.
func TestGroups(t *testing.T) {
	sizes := map[string]int{"EU": 27, "EEA": 30, "FIVE_EYES": 5, "NINE_EYES": 9, "FOURTEEN_EYES": 14}
	for id, n := range sizes {
		g, ok := LookupGroup(id)
		if !ok || len(g.Members) != n || len(g.Sources) == 0 {
			t.Errorf("group %s: %d members, %d sources; want %d members", id, len(g.Members), len(g.Sources), n)
		}
	}
	if len(Groups()) != len(sizes) {
		t.Errorf("groups %v", Groups())
	}
	for _, pair := range [][2]string{{"EU", "EEA"}, {"FIVE_EYES", "NINE_EYES"}, {"NINE_EYES", "FOURTEEN_EYES"}} {
		inner, _ := Expand([]string{pair[0]})
		outer, _ := Expand([]string{pair[1]})
		for _, c := range inner {
			if !contains(outer, c) {
				t.Errorf("%s is in %s but not in %s", c, pair[0], pair[1])
			}
		}
	}
	for _, id := range []string{"NINE_EYES", "FOURTEEN_EYES"} {
		if g, _ := LookupGroup(id); !strings.Contains(g.Name, "informal") {
			t.Errorf("%s is an informal grouping and its name should say so: %q", id, g.Name)
		}
	}
	if got, _ := Expand([]string{"FIVE_EYES"}); strings.Join(got, " ") != "AU CA GB NZ US" {
		t.Errorf("Five Eyes: %v", got)
	}
	if got, _ := Expand([]string{"DE", "EU", "CH", "US_CLOUD_ACT"}); len(got) != 29 {
		t.Errorf("DE, EU, CH and the CLOUD Act's US: %d countries %v", len(got), got)
	}
	if len(Countries()) != 249 {
		t.Errorf("%d countries; ISO 3166-1 assigns 249", len(Countries()))
	}
	if c, ok := LookupCountry("GB"); !ok || c.String() != "United Kingdom (GB)" {
		t.Errorf("GB: %+v", c)
	}
	if _, ok := LookupCountry("UK"); ok {
		t.Error("UK is reserved, not assigned: the United Kingdom is GB")
	}
}

func TestResolveUnknownCodes(t *testing.T) {
	data := DataJurisdictions.Kinds()
	forbidden := ForbiddenOperatorLaw.Kinds()
	for _, tt := range []struct {
		code       string
		kinds      []Kind
		suggestion string // "" when none
		is         Kind   // known but not accepted
	}{
		{"de", data, "DE", 0},
		{"UK", data, "GB", 0},
		{"EL", forbidden, "GR", 0},
		{"USA", forbidden, "US", 0},
		{"Germany", data, "DE", 0},
		{"the Netherlands", data, "NL", 0},
		{"eu", data, "EU", 0},
		{"five eyes", forbidden, "FIVE_EYES", 0},
		{"5 eyes", forbidden, "FIVE_EYES", 0},
		{"FOURTEN_EYES", forbidden, "FOURTEEN_EYES", 0},
		{"CLOUD_ACT", forbidden, "US_CLOUD_ACT", 0},
		{"cloud act", forbidden, "US_CLOUD_ACT", 0},
		{"FISA_702", forbidden, "US_FISA_702", 0},
		{"any", data, Anywhere, 0},
		{"XX", data, "", 0},
		{"Atlantis", data, "", 0},
		{"US_CLOUD_ACT", data, "", KindLaw},
		{Anywhere, forbidden, "", KindAnywhere},
		{"CLOUD_ACT", data, "", 0},
	} {
		_, err := Resolve(tt.code, tt.kinds...)
		var unknown *UnknownCodeError
		if !errors.As(err, &unknown) {
			t.Errorf("Resolve(%q) = %v, want an UnknownCodeError", tt.code, err)
			continue
		}
		if unknown.Suggestion != tt.suggestion || unknown.Is != tt.is {
			t.Errorf("Resolve(%q): suggestion %q, is %v; want %q, %v", tt.code, unknown.Suggestion, unknown.Is, tt.suggestion, tt.is)
		}
		if tt.suggestion != "" && !strings.Contains(err.Error(), `Did you mean "`+tt.suggestion+`"`) {
			t.Errorf("Resolve(%q): %v", tt.code, err)
		}
	}
	for _, code := range []string{"DE", "EU", "FIVE_EYES", Anywhere} {
		if _, err := Resolve(code, data...); err != nil {
			t.Errorf("%s in data_jurisdictions: %v", code, err)
		}
	}
	for _, code := range []string{"US", "FOURTEEN_EYES", "US_FISA_702"} {
		if _, err := Resolve(code, forbidden...); err != nil {
			t.Errorf("%s in forbidden_operator_law: %v", code, err)
		}
	}
	if _, err := (Rule{ForbiddenOperatorLaw: []string{"US", "UK"}}).Check(Placement{}); err == nil || !strings.Contains(err.Error(), `forbidden_operator_law: "UK"`) {
		t.Errorf("a rule with an unknown code: %v", err)
	}
}

// What a placement lacks is never taken as allowed.
func TestCheckIncomplete(t *testing.T) {
	rule := Rule{DataJurisdictions: []string{"EU"}, ForbiddenOperatorLaw: []string{"US"}}
	aws, _ := ProviderOperator("aws")
	violations, err := rule.Check(Placement{Operator: aws})
	var incomplete *IncompleteError
	if !errors.As(err, &incomplete) || len(incomplete.Clauses) != 1 || incomplete.Clauses[0] != DataJurisdictions {
		t.Errorf("no country: %v", err)
	}
	if len(violations) != 1 || violations[0].Clause != ForbiddenOperatorLaw {
		t.Errorf("the operator is still checked: %+v", violations)
	}
	_, err = rule.Check(Placement{Place: Place{Country: "DE"}})
	if !errors.As(err, &incomplete) || incomplete.Clauses[0] != ForbiddenOperatorLaw || !strings.Contains(err.Error(), "operator") {
		t.Errorf("no operator: %v", err)
	}
	if _, err := (Rule{DataJurisdictions: []string{Anywhere}}).Check(Placement{}); err != nil {
		t.Errorf("nothing restricted, nothing needed: %v", err)
	}
}

func TestOrganisation(t *testing.T) {
	us, err := Organisation("US")
	if err != nil || us.ID != Self || strings.Join(us.Laws, " ") != "US_CLOUD_ACT US_FISA_702" {
		t.Errorf("a US organisation: %+v, %v", us, err)
	}
	de, _ := Organisation("DE")
	if len(de.Laws) != 0 || !de.Known() {
		t.Errorf("a German organisation: %+v", de)
	}
	if _, err := Organisation("UK"); err == nil || !strings.Contains(err.Error(), `"GB"`) {
		t.Errorf("UK: %v", err)
	}
	if v, _ := (Rule{ForbiddenOperatorLaw: []string{"FOURTEEN_EYES"}}).Check(Placement{Place: Place{Country: "CH"}, Operator: de}); len(v) != 1 || !v[0].Incorporated {
		t.Errorf("a German organisation is in the Fourteen Eyes: %+v", v)
	}
}

func TestOperators(t *testing.T) {
	hetzner, ok := LookupOperator("hetzner")
	if !ok || hetzner.Country != "DE" || len(hetzner.Laws) != 0 || hetzner.String() != "Hetzner Online GmbH (Gunzenhausen, Germany, DE)" {
		t.Errorf("hetzner: %+v", hetzner)
	}
	aws, ok := LookupOperator("aws")
	if !ok || aws.Country != "US" || strings.Join(aws.Laws, " ") != "US_CLOUD_ACT US_FISA_702" {
		t.Errorf("aws: %+v", aws)
	}
	if _, ok := ProviderOperator("baremetal"); ok {
		t.Error("bare metal's operator is the deployment's organisation")
	}
	for _, id := range Laws() {
		l, _ := LookupLaw(id)
		if l.Citation == "" || !strings.HasPrefix(l.Reach, "which ") || len(l.Sources) == 0 {
			t.Errorf("law %s: %+v", id, l)
		}
	}
	allowed := Rule{ForbiddenOperatorLaw: []string{"US"}}.AllowedOperators()
	if len(allowed) != 1 || allowed[0].ID != "hetzner" {
		t.Errorf("operators without US law: %+v", allowed)
	}
	if got := (Rule{DataJurisdictions: []string{"DE"}, ForbiddenOperatorLaw: []string{"US"}}).AllowedLocations("hetzner"); strings.Join(got, " ") != "fsn1 nbg1" {
		t.Errorf("Hetzner in Germany: %v", got)
	}
	if got := (Rule{ForbiddenOperatorLaw: []string{"US"}}).AllowedLocations("aws"); got != nil {
		t.Errorf("AWS without US law: %v", got)
	}
}

func TestReach(t *testing.T) {
	place, _ := Location("aws", "eu-west-1")
	aws, _ := ProviderOperator("aws")
	var got []string
	for _, c := range Reach(Placement{Place: place, Operator: aws}) {
		law := ""
		if c.Law != nil {
			law = " " + c.Law.ID
		}
		got = append(got, c.Country+" "+c.Basis.String()+law)
	}
	want := "IE territorial, US incorporation, US extraterritorial US_CLOUD_ACT, US extraterritorial US_FISA_702"
	if strings.Join(got, ", ") != want {
		t.Errorf("reach of AWS in Ireland: %s\nwant %s", strings.Join(got, ", "), want)
	}
	place, _ = Location("hetzner", "hel1")
	hetzner, _ := ProviderOperator("hetzner")
	if claims := Reach(Placement{Place: place, Operator: hetzner}); len(claims) != 2 || claims[0].Country != "FI" || claims[1].Country != "DE" || !strings.Contains(claims[0].Why, "Helsinki, Finland (FI)") {
		t.Errorf("reach of Hetzner in Helsinki: %+v", claims)
	}
	if claims := Reach(Placement{Place: Place{Country: "AT"}}); len(claims) != 1 {
		t.Errorf("an unknown operator adds nothing: %+v", claims)
	}
}

func TestStorageAt(t *testing.T) {
	for _, tt := range []struct {
		host, operator, country string // operator "" when no storage
	}{
		{"fsn1.your-objectstorage.com", "hetzner", "DE"},
		{"acme-backups.hel1.your-objectstorage.com", "hetzner", "FI"},
		{"FSN1.Your-ObjectStorage.com.", "hetzner", "DE"},
		{"u123456.your-storagebox.de", "hetzner", ""},
		{"s3.eu-west-1.amazonaws.com", "aws", "IE"},
		{"bucket.s3.us-east-2.amazonaws.com", "aws", "US"},
		{"s3.dualstack.eu-central-1.amazonaws.com", "aws", "DE"},
		{"s3.amazonaws.com", "aws", ""},
		{"amazonaws.com.example.org", "", ""},
		{"your-objectstorage.com", "", ""},
		{"nas.example.org", "", ""},
	} {
		_, operator, place, ok := StorageAt(tt.host)
		if ok != (tt.operator != "") || operator.ID != tt.operator || place.Country != tt.country {
			t.Errorf("StorageAt(%q) = %s, %s, %v; want %q, %q", tt.host, operator.ID, place.Country, ok, tt.operator, tt.country)
		}
	}
}

// The loader refuses a table that contradicts itself.
func TestDecodeRefusesBrokenTables(t *testing.T) {
	base := `countries {
  sources = []
  names = { DE = "Germany", US = "United States" }
}
`
	for _, tt := range []struct{ name, src, want string }{
		{"unknown member", `group "EU" {
  name = "x"
  members = ["DE", "FR"]
  sources = []
}`, `"FR" is not a country`},
		{"include below", `group "EEA" {
  name = "x"
  includes = ["EU"]
  members = []
  sources = []
}`, `includes "EU"`},
		{"law not listed", `law "US_CLOUD_ACT" {
  name = "x"
  citation = "y"
  country = "US"
  reach = "which z"
  sources = []
}
operator "aws" {
  name = "x"
  country = "US"
  city = ""
  laws = []
  sources = []
}`, "does not list US_CLOUD_ACT"},
		{"code of two kinds", `group "DE" {
  name = "x"
  members = []
  sources = []
}`, "also a country"},
		{"unknown operator", `provider "x" {
  operator = "nobody"
  sources = []
  locations = {}
}`, `operator "nobody"`},
	} {
		if _, err := decode([]byte(base + tt.src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := decode(jurisdictionsHCL); err != nil {
		t.Fatal(err)
	}
}

// Every entry of the data file cites where its facts come from.
func TestEverythingHasSources(t *testing.T) {
	src := string(jurisdictionsHCL)
	for _, block := range []string{"countries {", "group \"", "law \"", "operator \"", "provider \"", "storage \""} {
		parts := strings.Split(src, "\n"+block)
		if len(parts) < 2 {
			t.Errorf("no %s blocks", block)
		}
		for _, p := range parts[1:] {
			body := p[:strings.Index(p, "\n}")]
			if !strings.Contains(body, "sources") || !strings.Contains(body, "https://") {
				t.Errorf("a %s block cites no source: %.60s", block, p)
			}
		}
	}
}
