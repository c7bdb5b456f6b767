package providers

import (
	"regexp"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/sovereignty"
)

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// Every location in the tables has a two-letter country, and the AWS
// regions have the form the provider block's region setting accepts.
func TestCountryTables(t *testing.T) {
	aws, _ := Lookup("aws")
	region, _ := aws.Setting("region")
	if len(awsRegionCountries) < 34 {
		t.Errorf("%d AWS regions; the commercial partition had 34 when the table was checked", len(awsRegionCountries))
	}
	for r, c := range awsRegionCountries {
		if !countryCode.MatchString(c) {
			t.Errorf("AWS region %s: country %q is not ISO 3166-1 alpha-2", r, c)
		}
		if !region.Pattern.MatchString(r) {
			t.Errorf("AWS region %s does not match the region setting's pattern %s", r, region.Pattern)
		}
		if got, ok := AWSRegion(r); !ok || got != r {
			t.Errorf("AWSRegion(%q) = %q, %v", r, got, ok)
		}
		if got, ok := aws.Country(r + "b"); !ok || got != c {
			t.Errorf("Country(%q) = %q, %v; want %s", r+"b", got, ok, c)
		}
	}
	for l, c := range hetznerCountries {
		if !countryCode.MatchString(c) {
			t.Errorf("Hetzner location %s: country %q is not ISO 3166-1 alpha-2", l, c)
		}
	}
}

func TestCountry(t *testing.T) {
	for _, tt := range []struct {
		typ, location, country string // country "" when unknown
	}{
		{"hetzner", "fsn1", "DE"},
		{"hetzner", "nbg1", "DE"},
		{"hetzner", "hel1", "FI"},
		{"hetzner", "ash", "US"},
		{"hetzner", "hil", "US"},
		{"hetzner", "sin", "SG"},
		{"hetzner", "fsn2", ""},
		{"hetzner", "FSN1", ""},
		{"hetzner", "fsn1a", ""},
		{"hetzner", "", ""},
		{"hetzner", "eu-central-1", ""},

		{"aws", "eu-central-1", "DE"},
		{"aws", "eu-central-1a", "DE"},
		{"aws", "eu-central-2", "CH"},
		{"aws", "eu-west-1c", "IE"},
		{"aws", "eu-west-2", "GB"},
		{"aws", "eu-north-1", "SE"},
		{"aws", "us-east-1f", "US"},
		{"aws", "af-south-1", "ZA"},
		{"aws", "ap-east-1", "HK"},
		{"aws", "ap-east-2", "TW"},
		{"aws", "ap-southeast-5", "MY"},
		{"aws", "ap-southeast-6", "NZ"},
		{"aws", "ap-southeast-7a", "TH"},
		{"aws", "il-central-1", "IL"},
		{"aws", "me-central-1", "AE"},
		{"aws", "me-south-1", "BH"},
		{"aws", "mx-central-1", "MX"},
		{"aws", "sa-east-1", "BR"},
		{"aws", "ca-west-1", "CA"},
		// Other partitions, Local Zones, and what is no location at all.
		{"aws", "us-gov-west-1", ""},
		{"aws", "cn-north-1", ""},
		{"aws", "eusc-de-east-1", ""},
		{"aws", "us-east-1-bos-1a", ""},
		{"aws", "eu-central-1-ham-1a", ""},
		{"aws", "eu-central-1A", ""},
		{"aws", "eu-central-1ab", ""},
		{"aws", "eu-central-3", ""},
		{"aws", "eu-central", ""},
		{"aws", "a", ""},
		{"aws", "", ""},
		{"aws", "fsn1", ""},
	} {
		kind, _ := Lookup(tt.typ)
		got, ok := kind.Country(tt.location)
		if ok != (tt.country != "") || got != tt.country {
			t.Errorf("%s Country(%q) = %q, %v; want %q", tt.typ, tt.location, got, ok, tt.country)
		}
	}
	if bm, _ := Lookup("baremetal"); bm.Country != nil || bm.Locations() != nil {
		t.Error("bare-metal machines set their country themselves; the kind has no Country")
	}
}

func TestAWSRegion(t *testing.T) {
	for _, tt := range []struct{ location, region string }{
		{"eu-central-1", "eu-central-1"},
		{"eu-central-1a", "eu-central-1"},
		{"ap-northeast-3c", "ap-northeast-3"},
		{"us-west-2d", "us-west-2"},
		{"us-west-2-lax-1a", ""},
		{"us-west-2-", ""},
		{"us-west-", ""},
		{"us-gov-east-1a", ""},
		{"", ""},
	} {
		got, ok := AWSRegion(tt.location)
		if ok != (tt.region != "") || got != tt.region {
			t.Errorf("AWSRegion(%q) = %q, %v; want %q", tt.location, got, ok, tt.region)
		}
	}
}

func TestLocations(t *testing.T) {
	hetzner, _ := Lookup("hetzner")
	if got := hetzner.Locations(); len(got) != 6 || got[0] != "ash" || got[5] != "sin" {
		t.Errorf("hetzner locations %v, want the six sorted", got)
	}
	aws, _ := Lookup("aws")
	locations := aws.Locations()
	if len(locations) != len(awsRegionCountries) {
		t.Fatalf("aws locations %v", locations)
	}
	locations[0] = "changed"
	if aws.Locations()[0] == "changed" {
		t.Error("Locations hands out the table")
	}
}

// The kinds with locations are exactly the provider types of the
// sovereignty table, so that no machine's country comes from anywhere
// else.
func TestCountriesFromSovereigntyTable(t *testing.T) {
	var withLocations []string
	for _, typ := range Types() {
		if kind, _ := Lookup(typ); kind.Country != nil {
			withLocations = append(withLocations, typ)
			if got, want := strings.Join(kind.Locations(), " "), strings.Join(sovereignty.Locations(typ), " "); got != want {
				t.Errorf("%s locations %s, want the table's %s", typ, got, want)
			}
		}
	}
	if got, want := strings.Join(withLocations, " "), strings.Join(sovereignty.ProviderTypes(), " "); got != want {
		t.Errorf("kinds with locations: %s; the sovereignty table has %s", got, want)
	}
}

func TestPlaceAndOperator(t *testing.T) {
	for _, tt := range []struct {
		typ, location, want string // want "" when unknown
	}{
		{"hetzner", "fsn1", "Falkenstein, Germany (DE)"},
		{"hetzner", "ash", "Ashburn, VA, United States (US)"},
		{"aws", "eu-central-1", "Frankfurt, Germany (DE)"},
		{"aws", "eu-central-1b", "Frankfurt, Germany (DE)"},
		{"aws", "eu-west-1", "Ireland (IE)"},
		{"aws", "eu-central-1-ham-1a", ""},
		{"aws", "fsn1", ""},
		{"hetzner", "eu-central-1", ""},
		{"baremetal", "fsn1", ""},
	} {
		kind, _ := Lookup(tt.typ)
		place, ok := kind.Place(tt.location)
		if ok != (tt.want != "") || (ok && place.String() != tt.want) {
			t.Errorf("%s Place(%q) = %q, %v; want %q", tt.typ, tt.location, place, ok, tt.want)
		}
	}
	for typ, want := range map[string]string{"hetzner": "DE", "aws": "US", "baremetal": ""} {
		kind, _ := Lookup(typ)
		operator, ok := kind.Operator()
		if ok != (want != "") || operator.Country != want {
			t.Errorf("%s Operator() = %+v, %v; want one of %q", typ, operator, ok, want)
		}
	}
}
