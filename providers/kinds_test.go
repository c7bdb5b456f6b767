package providers

import (
	"regexp"
	"testing"
)

var docExample = regexp.MustCompile(`like "([^"]*)"`)

// The settings of every kind are consistent: unique names that do not
// shadow type and name in provider.<type>.<name>, an example in each
// doc line that the setting's pattern accepts, and Together groups of
// settings that exist.
func TestKindSettings(t *testing.T) {
	for _, typ := range Types() {
		kind, _ := Lookup(typ)
		seen := map[string]bool{"type": true, "name": true}
		for _, s := range kind.Settings {
			if seen[s.Name] {
				t.Errorf("%s: setting %q is declared twice or shadows type/name", typ, s.Name)
			}
			seen[s.Name] = true
			m := docExample.FindStringSubmatch(s.Doc)
			if m == nil {
				t.Errorf("%s.%s: doc %q has no example (like \"...\")", typ, s.Name, s.Doc)
				continue
			}
			if s.Pattern != nil && !s.Pattern.MatchString(m[1]) {
				t.Errorf("%s.%s: the example %q does not match %s", typ, s.Name, m[1], s.Pattern)
			}
			if got, ok := kind.Setting(s.Name); !ok || got.Name != s.Name {
				t.Errorf("%s: Setting(%q) not found", typ, s.Name)
			}
		}
		for _, group := range kind.Together {
			if len(group) < 2 {
				t.Errorf("%s: Together group %v has fewer than two settings", typ, group)
			}
			for _, name := range group {
				if _, ok := kind.Setting(name); !ok {
					t.Errorf("%s: Together names %q, which is no setting", typ, name)
				}
			}
		}
	}
	if _, ok := kinds["hetzner"].Setting("region"); ok {
		t.Error("hetzner has no settings yet")
	}
}

func TestAWSSettingPatterns(t *testing.T) {
	aws, _ := Lookup("aws")
	for _, tt := range []struct {
		setting, value string
		valid          bool
	}{
		{"region", "eu-central-1", true},
		{"region", "us-gov-west-1", true}, // the form; the loader checks it is known
		{"region", "eu-central-1a", false},
		{"region", "EU-central-1", false},
		{"region", "frankfurt", false},
		{"vpc_id", "vpc-0a1b2c3d", true},
		{"vpc_id", "vpc-0a1b2c3d4e5f67890", true},
		{"vpc_id", "vpc-0a1b2c3", false},
		{"vpc_id", "vpc-0A1B2C3D", false},
		{"vpc_id", "subnet-0a1b2c3d", false},
		{"subnet_id", "subnet-0a1b2c3d4e5f67890", true},
		{"subnet_id", "subnet-0a1b2c3d4e5f678901", false},
		{"subnet_id", "vpc-0a1b2c3d", false},
	} {
		s, _ := aws.Setting(tt.setting)
		if got := s.Pattern.MatchString(tt.value); got != tt.valid {
			t.Errorf("%s %q: valid %v, want %v", tt.setting, tt.value, got, tt.valid)
		}
	}
	if !aws.BootsNixOS || kinds["hetzner"].BootsNixOS || kinds["baremetal"].BootsNixOS {
		t.Error("only AWS boots NixOS images")
	}
}
