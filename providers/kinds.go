// Package providers describes where machines run. Today it knows, for each
// provider type, what a machine on it must declare and which hardware layer
// it gets; the Provider interface that creates and deletes resources joins
// it when plan/apply lands.
package providers

import (
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
