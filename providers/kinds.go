// Package providers describes where machines run and how freecloud talks
// to them. For each provider type a Kind tells what its provider block may
// set, what a machine on it must declare, which country its locations are
// in and which hardware layer its machines get; the Provider interface is
// what every cloud implements to list, create, update and delete the
// resources of a deployment (providers/hetzner, providers/aws).
package providers

import (
	"regexp"
	"sort"
	"strings"
)

// A Kind is a type of provider, as written in `provider "<type>" "<name>"`.
type Kind struct {
	Type string
	// Hardware is the freecloud module (under modules/) that makes up the
	// provider layer of every machine on this kind: boot, disks, NICs.
	Hardware string
	// Required are the machine attributes this kind cannot do without.
	Required []string
	// Irrelevant are machine attributes that mean nothing on this kind
	// (a cloud location decides the country, for example).
	Irrelevant []string
	// Platform tells the Nix system of a machine from its size.
	Platform func(size string) string
	// Settings are the attributes a provider block of this kind may set.
	Settings []Setting
	// Together are groups of settings that are set together or not at
	// all.
	Together [][]string
	// Country tells the country (ISO 3166-1 alpha-2) a location of this
	// kind is in; ok is false for a location freecloud does not know. Nil
	// when machines set their country themselves (bare metal).
	Country func(location string) (country string, ok bool)
	// BootsNixOS: servers start from an official NixOS image (AWS's NixOS
	// AMIs), so freecloud deploys to them directly and never installs.
	BootsNixOS bool

	// locations is the table behind Country, for Locations.
	locations map[string]string
}

// A Setting is an attribute a provider block may set: plain strings that
// say where and how to reach the provider, never credentials.
type Setting struct {
	Name    string
	Doc     string         // one line for diagnostics: what it is and an example
	Pattern *regexp.Regexp // nil: any non-empty string
}

// Setting returns the setting of the kind with that name.
func (k *Kind) Setting(name string) (Setting, bool) {
	for _, s := range k.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Locations lists the locations Country knows, sorted: Hetzner's
// locations; AWS's regions, whose availability zones (the region and one
// letter) it knows too. Nil when Country is nil.
func (k *Kind) Locations() []string {
	if k.locations == nil {
		return nil
	}
	return sortedKeys(k.locations)
}

func x86(string) string { return "x86_64-linux" }

var kinds = map[string]*Kind{
	"hetzner": {
		Type:       "hetzner",
		Hardware:   "hardware/hetzner.nix",
		Required:   []string{"location", "size"},
		Irrelevant: []string{"country"},
		// Hetzner's CAX server types are Ampere (arm64) machines.
		Platform: func(size string) string {
			if strings.HasPrefix(size, "cax") {
				return "aarch64-linux"
			}
			return "x86_64-linux"
		},
		Country:   hetznerCountry,
		locations: hetznerCountries,
	},
	"aws": {
		Type:       "aws",
		Hardware:   "hardware/aws.nix",
		Required:   []string{"location", "size"},
		Irrelevant: []string{"country"},
		// Graviton instance families carry a "g" after the generation
		// digit: t4g, m7g, c7gn, r8g.
		Platform: func(size string) string {
			family, _, _ := strings.Cut(size, ".")
			for i := 1; i < len(family); i++ {
				if family[i-1] >= '0' && family[i-1] <= '9' && family[i] == 'g' {
					return "aarch64-linux"
				}
			}
			return "x86_64-linux"
		},
		Settings: []Setting{
			{Name: "region", Pattern: regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`),
				Doc: `the AWS region machines are made in, like "eu-central-1"; unset, AWS's configuration decides (AWS_REGION, the profile)`},
			{Name: "profile",
				Doc: `the profile of the shared AWS config and credentials files to use, like "prod"; unset, AWS_PROFILE or "default"`},
			{Name: "vpc_id", Pattern: regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`),
				Doc: `an existing VPC to put machines in, like "vpc-0a1b2c3d4e5f67890", with subnet_id; unset, freecloud makes its own network`},
			{Name: "subnet_id", Pattern: regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`),
				Doc: `the subnet of vpc_id that machines go into, like "subnet-0a1b2c3d4e5f67890"`},
		},
		Together:   [][]string{{"vpc_id", "subnet_id"}},
		Country:    awsCountry,
		locations:  awsRegionCountries,
		BootsNixOS: true,
	},
	"baremetal": {
		Type:       "baremetal",
		Hardware:   "hardware/baremetal.nix",
		Required:   []string{"address", "country"},
		Irrelevant: []string{"location", "size"},
		Platform:   x86,
	},
}

// Lookup returns the kind of a provider type.
func Lookup(typ string) (*Kind, bool) {
	k, ok := kinds[typ]
	return k, ok
}

// Types returns the known provider types, sorted.
func Types() []string {
	types := make([]string, 0, len(kinds))
	for t := range kinds {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}
