package providers

import (
	"sort"

	"github.com/freecloud/freecloud/sovereignty"
)

// The countries of the cloud locations come from package sovereignty's
// table (sovereignty/jurisdictions.hcl, where each is cited with its
// source): Hetzner Cloud's locations as its API lists them, and the
// regions of AWS's commercial partition. Only those partitions whose
// official NixOS images freecloud can boot are there; Local and
// Wavelength Zones are not, since they need not be in their parent
// region's country. Here the table is shaped for Kind.Country.
var (
	hetznerCountries   = locationCountries("hetzner")
	awsRegionCountries = locationCountries("aws")
)

// locationCountries maps each location of a provider type to its country.
func locationCountries(providerType string) map[string]string {
	out := map[string]string{}
	for _, name := range sovereignty.Locations(providerType) {
		place, _ := sovereignty.Location(providerType, name)
		out[name] = place.Country
	}
	return out
}

// AWSRegion returns the region of an AWS location: the location itself
// when it is a region freecloud knows (eu-central-1), the region of an
// availability zone (eu-central-1a: the region and one lowercase letter).
// Anything else, Local Zones included, is not ok.
func AWSRegion(location string) (region string, ok bool) {
	if _, known := awsRegionCountries[location]; known {
		return location, true
	}
	if n := len(location); n > 1 && 'a' <= location[n-1] && location[n-1] <= 'z' {
		if _, known := awsRegionCountries[location[:n-1]]; known {
			return location[:n-1], true
		}
	}
	return "", false
}

func awsCountry(location string) (string, bool) {
	region, ok := AWSRegion(location)
	if !ok {
		return "", false
	}
	return awsRegionCountries[region], true
}

func hetznerCountry(location string) (string, bool) {
	country, ok := hetznerCountries[location]
	return country, ok
}

// Place tells where a location of the kind is, its city included: what
// the sovereignty policy checks and reports. An AWS availability zone is
// where its region is. ok is false for a location the kind does not know
// and on bare metal, whose machines say their country themselves.
func (k *Kind) Place(location string) (place sovereignty.Place, ok bool) {
	if k.Country == nil {
		return sovereignty.Place{}, false
	}
	if k.Type == "aws" {
		if location, ok = AWSRegion(location); !ok {
			return sovereignty.Place{}, false
		}
	}
	return sovereignty.Location(k.Type, location)
}

// Operator is the company that runs the kind's machines, with the laws
// it is subject to. ok is false on bare metal, where the deployment's
// own organisation is the operator.
func (k *Kind) Operator() (operator sovereignty.Operator, ok bool) {
	return sovereignty.ProviderOperator(k.Type)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
