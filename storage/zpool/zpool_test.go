package zpool

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestEntitlement(t *testing.T) {
	tests := []struct {
		capacity, overhead int64
		ratio              float64
		want               int64
		err                string
	}{
		{1000, 0, 0.5, 500, ""},
		{1000, 0, 1.0 / 3, 333, ""},
		{9, 0, 1.0 / 3, 3, ""}, // not floored to 2 by rounding
		{1001, 0, 0.5, 500, ""},
		{1000, 100, 0.5, 400, ""},
		{1000, 0, 0.4, 400, ""},
		{1000, 0, 0.3, 0, "ratio 0.3 is out of range: set it between 1/3 and 1/2"},
		{1000, 0, 0.6, 0, "ratio 0.6 is out of range"},
		{1000, 0, 0, 0, "ratio 0 is out of range"},
		{1000, 0, math.NaN(), 0, "out of range"},
		{1000, -1, 0.5, 0, "overhead -1 GB is negative"},
		{1000, 500, 0.5, 0, "entitlement is 0 GB (0.5 × 1000 GB − 500 GB overhead): lower the overhead"},
		{1000, 900, 0.5, 0, "entitlement is -400 GB"},
		{0, 0, 0.5, 0, "give the machine a disk"},
	}
	for _, tt := range tests {
		got, err := Entitlement(tt.capacity, tt.ratio, tt.overhead)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Entitlement(%d, %g, %d): error %v, want %q", tt.capacity, tt.ratio, tt.overhead, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Entitlement(%d, %g, %d) = %d, %v; want %d", tt.capacity, tt.ratio, tt.overhead, got, err, tt.want)
		}
	}
}

// uniform is n providers p00, p01… of capacity GB, all in one place.
func uniform(n int, capacity int64) []Provider {
	ps := make([]Provider, n)
	for i := range ps {
		ps[i] = Provider{Machine: fmt.Sprintf("p%02d", i), Location: "fsn1", Country: "DE", CapacityGB: capacity}
	}
	return ps
}

func consumers(names ...string) []Consumer {
	cs := make([]Consumer, len(names))
	for i, n := range names {
		cs[i] = Consumer{Machine: n}
	}
	return cs
}

func providersOf(p Pool) []string {
	var out []string
	for _, v := range p.Volumes {
		out = append(out, v.Provider)
	}
	return out
}

func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

// shortErrors unpacks every *ShortError of a joined error.
func shortErrors(err error) []*ShortError {
	var out []*ShortError
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var s *ShortError
		if errors.As(err, &s) {
			out = append(out, s)
		}
	}
	walk(err)
	return out
}

func TestPlaceTiesByName(t *testing.T) {
	got, err := Place(Input{Providers: uniform(10, 1000), Consumers: consumers("p00")})
	if err != nil {
		t.Fatal(err)
	}
	pool := got.Pools[0]
	if pool.EntitlementGB != 500 || pool.VolumeGB != 100 {
		t.Errorf("entitlement %d, volume %d; want 500, 100", pool.EntitlementGB, pool.VolumeGB)
	}
	if want := names("p", 1, 8); !slices.Equal(providersOf(pool), want) {
		t.Errorf("volumes on %v, want %v", providersOf(pool), want)
	}
	for _, v := range pool.Volumes {
		if v.Consumer != "p00" || v.SizeGB != 100 || v.Country != "DE" || v.Location != "fsn1" {
			t.Errorf("volume %+v", v)
		}
	}
	if len(pool.Lost) != 0 || len(pool.Replacements) != 0 {
		t.Errorf("a new pool has lost %v, replacements %v", pool.Lost, pool.Replacements)
	}
	wantUsage := []Usage{{"p00", 1000, 0}}
	for _, n := range names("p", 1, 8) {
		wantUsage = append(wantUsage, Usage{n, 1000, 100})
	}
	wantUsage = append(wantUsage, Usage{"p09", 1000, 0})
	if !reflect.DeepEqual(got.Usage, wantUsage) {
		t.Errorf("usage %v, want %v", got.Usage, wantUsage)
	}
}

// TestPlaceNeedsNine: a consumer never holds its own volume, so a pool
// needs eight other providers.
func TestPlaceNeedsNine(t *testing.T) {
	_, err := Place(Input{Providers: uniform(8, 1000), Consumers: consumers("p00")})
	s := shortErrors(err)
	if len(s) != 1 {
		t.Fatalf("want one ShortError, got %v", err)
	}
	if s[0].Consumer != "p00" || s[0].VolumeGB != 100 || len(s[0].Holding) != 7 ||
		!reflect.DeepEqual(s[0].Excluded, []Exclusion{{"p00", "the consumer itself"}}) {
		t.Errorf("ShortError %+v", s[0])
	}
	want := "pool of p00 needs 8 volumes of 100 GB on 8 different machines; only 7 can take one (p01, p02, p03, p04, p05, p06, p07). " +
		"Not eligible: p00 (the consumer itself). Add 1 provider with at least 100 GB free that the policy allows, or lower the ratio."
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}

	// Eight providers do, when the consumer is not among them... but a
	// consumer must be a provider, so nine machines it is.
	if _, err := Place(Input{Providers: uniform(9, 1000), Consumers: consumers("p00")}); err != nil {
		t.Errorf("nine providers: %v", err)
	}
}

func TestPlaceExhaustion(t *testing.T) {
	// big takes 100 GB of each small provider, leaving 10 GB; the small
	// ones need 11 GB volumes.
	providers := []Provider{{Machine: "big", Country: "DE", Location: "fsn1", CapacityGB: 1000}}
	for _, n := range names("s", 1, 8) {
		providers = append(providers, Provider{Machine: n, Country: "DE", Location: "nbg1", CapacityGB: 110})
	}
	_, err := Place(Input{Providers: providers, Consumers: consumers("big", "s01", "s02")})
	s := shortErrors(err)
	if len(s) != 2 || s[0].Consumer != "s01" || s[1].Consumer != "s02" {
		t.Fatalf("want ShortErrors for s01 and s02, got %v", err)
	}
	if !slices.Equal(s[0].Holding, []string{"big"}) || len(s[0].Excluded) != 8 {
		t.Errorf("s01: %+v", s[0])
	}
	for _, want := range []string{
		"pool of s01 needs 8 volumes of 11 GB on 8 different machines; only 1 can take one (big).",
		"s01 (the consumer itself), s02 (10 GB free of 110 GB)",
		"Add 7 providers with at least 11 GB free",
		"pool of s02 needs",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}

	// Without big's pool there is room for both.
	if _, err := Place(Input{Providers: providers, Consumers: consumers("s01", "s02")}); err != nil {
		t.Errorf("without big: %v", err)
	}
}

// TestPlaceFailedPoolTakesNoRoom: the new volumes of a pool that cannot be
// completed are not counted against the pools after it.
func TestPlaceFailedPoolTakesNoRoom(t *testing.T) {
	providers := uniform(9, 100) // p00..p08
	providers = append(providers, Provider{Machine: "a", Country: "DE", Location: "fsn1", CapacityGB: 1000})
	// a's pool (volumes of 100 GB) would fill p00..p06 and fail; p00's
	// pool (10 GB volumes) must still find room there.
	deny := func(c, p string) string {
		if c == "a" && p == "p07" || c == "a" && p == "p08" {
			return "policy"
		}
		return ""
	}
	_, err := Place(Input{Providers: providers, Consumers: consumers("a", "p00"), Eligible: deny})
	s := shortErrors(err)
	if len(s) != 1 || s[0].Consumer != "a" {
		t.Fatalf("want only a's pool short, got %v", err)
	}
	if !strings.Contains(err.Error(), "p07 (policy), p08 (policy)") {
		t.Errorf("error: %v", err)
	}
}

func TestPlaceSovereignty(t *testing.T) {
	var providers []Provider
	for i, n := range names("p", 0, 11) {
		country := "DE"
		if i%3 == 0 {
			country = "US"
		}
		providers = append(providers, Provider{Machine: n, Country: country, Location: "x", CapacityGB: 1000})
	}
	deny := func(c, p string) string {
		for _, pr := range providers {
			if pr.Machine == p && pr.Country == "US" && c == "p01" {
				return "US law: CLOUD Act"
			}
		}
		return ""
	}
	// p01 may use only the non-US machines other than itself: p02, p04,
	// p05, p07, p08, p10 and p11 are seven, so it is short.
	_, err := Place(Input{Providers: providers, Consumers: consumers("p01", "p02"), Eligible: deny})
	if s := shortErrors(err); len(s) != 1 || s[0].Consumer != "p01" || len(s[0].Holding) != 7 {
		t.Fatalf("want p01 short of one machine, got %v", err)
	}
	providers = append(providers, Provider{Machine: "p12", Country: "DE", Location: "x", CapacityGB: 1000})
	got, err := Place(Input{Providers: providers, Consumers: consumers("p01", "p02"), Eligible: deny})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range got.Pools[0].Volumes {
		if v.Country == "US" {
			t.Errorf("p01 has a volume in the US: %+v", v)
		}
	}
	if got.Pools[1].Consumer != "p02" || !slices.ContainsFunc(got.Pools[1].Volumes, func(v Volume) bool { return v.Country == "US" }) {
		t.Errorf("p02 is not restricted and should spread to the US: %v", providersOf(got.Pools[1]))
	}
}

func TestPlaceSovereigntyShort(t *testing.T) {
	providers := uniform(10, 1000)
	deny := func(c, p string) string {
		if p == "p09" || p == "p08" {
			return "US law: CLOUD Act"
		}
		return ""
	}
	_, err := Place(Input{Providers: providers, Consumers: consumers("p00"), Eligible: deny})
	want := "only 7 can take one (p01, p02, p03, p04, p05, p06, p07). Not eligible: p00 (the consumer itself), p08 (US law: CLOUD Act), p09 (US law: CLOUD Act). Add 1 provider"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
}

func TestPlaceSpread(t *testing.T) {
	p := func(name, country, location string, capacity int64) Provider {
		return Provider{Machine: name, Country: country, Location: location, CapacityGB: capacity}
	}
	providers := []Provider{
		p("a1", "DE", "fsn1", 1000), p("a2", "DE", "fsn1", 1000), p("a3", "DE", "fsn1", 1000),
		p("a4", "DE", "nbg1", 1000), p("a5", "DE", "nbg1", 1000),
		p("b1", "FI", "hel1", 1000), p("b2", "FI", "hel1", 1000),
		p("c1", "FR", "par", 2000), p("d1", "NL", "ams", 1000),
		p("e1", "DE", "fsn1", 100),
	}
	got, err := Place(Input{Providers: providers, Consumers: consumers("e1")})
	if err != nil {
		t.Fatal(err)
	}
	// c1 first (most free), then one of each other country by name
	// (a1, b1, d1), then the unused location nbg1 (a4), then most free
	// (a2, a3, a5 and b2 tie at 1000 GB; names decide).
	want := []string{"a1", "a2", "a3", "a4", "a5", "b1", "c1", "d1"}
	if !slices.Equal(providersOf(got.Pools[0]), want) {
		t.Errorf("volumes on %v, want %v", providersOf(got.Pools[0]), want)
	}

	// Free space decides between equally new places: b2 comes first,
	// and instead of b1.
	providers[6].CapacityGB = 5000 // b2
	got, err = Place(Input{Providers: providers, Consumers: consumers("e1")})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"a1", "a2", "a3", "a4", "a5", "b2", "c1", "d1"}
	if !slices.Equal(providersOf(got.Pools[0]), want) {
		t.Errorf("with a2 larger: volumes on %v, want %v", providersOf(got.Pools[0]), want)
	}
}

func TestPlaceProviderLoss(t *testing.T) {
	providers := uniform(11, 1000)
	first, err := Place(Input{Providers: providers, Consumers: consumers("p00")})
	if err != nil {
		t.Fatal(err)
	}
	before := first.Pools[0].Volumes // p01..p08
	// p03 disappears; p09 and p10 are free, p09 wins by name.
	without := slices.Delete(slices.Clone(providers), 3, 4)
	got, err := Place(Input{Providers: without, Consumers: consumers("p00"), Previous: before})
	if err != nil {
		t.Fatal(err)
	}
	pool := got.Pools[0]
	if want := []string{"p01", "p02", "p04", "p05", "p06", "p07", "p08", "p09"}; !slices.Equal(providersOf(pool), want) {
		t.Errorf("volumes on %v, want %v", providersOf(pool), want)
	}
	if len(pool.Lost) != 1 || pool.Lost[0] != before[2] {
		t.Errorf("lost %+v, want %+v", pool.Lost, before[2])
	}
	if len(pool.Replacements) != 1 || pool.Replacements[0].Provider != "p09" || pool.Replacements[0].SizeGB != 100 {
		t.Errorf("replacements %+v", pool.Replacements)
	}
	if pool.DataLost() {
		t.Error("one lost volume loses the pool")
	}
	for _, v := range before {
		if v.Provider != "p03" && !slices.Contains(pool.Volumes, v) {
			t.Errorf("kept volume %+v changed", v)
		}
	}

	// Four providers gone: more than RAIDZ3 survives.
	var gone []Provider
	for _, p := range providers {
		if !slices.Contains([]string{"p01", "p02", "p03", "p04"}, p.Machine) {
			gone = append(gone, p)
		}
	}
	gone = append(gone, uniform(15, 1000)[11:]...) // p11..p14
	got, err = Place(Input{Providers: gone, Consumers: consumers("p00"), Previous: before})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Pools[0]; len(p.Lost) != 4 || len(p.Replacements) != 4 || !p.DataLost() {
		t.Errorf("lost %d, replaced %d, DataLost %v", len(p.Lost), len(p.Replacements), p.DataLost())
	}
}

func TestPlaceKeepsRecorded(t *testing.T) {
	providers := uniform(12, 1000)
	prev := []Volume{}
	for _, n := range names("p", 4, 11) {
		prev = append(prev, Volume{Consumer: "p00", Provider: n, SizeGB: 150})
	}

	// Kept although p04 is now too small for them; they keep 150 GB
	// though the target is now 100 GB, and Location/Country are filled.
	providers[4].CapacityGB = 120
	got, err := Place(Input{Providers: providers, Consumers: consumers("p00"), Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	pool := got.Pools[0]
	if want := names("p", 4, 11); !slices.Equal(providersOf(pool), want) {
		t.Errorf("volumes on %v, want %v", providersOf(pool), want)
	}
	if pool.VolumeGB != 100 || pool.Volumes[0].SizeGB != 150 || pool.Volumes[0].Country != "DE" {
		t.Errorf("pool %+v", pool)
	}
	if got.Usage[4] != (Usage{"p04", 120, 150}) {
		t.Errorf("usage of p04: %+v", got.Usage[4])
	}

	// A replacement is never smaller than the recorded volumes.
	providers = slices.Delete(providers, 11, 12)
	got, err = Place(Input{Providers: providers, Consumers: consumers("p00"), Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Pools[0].Replacements; len(r) != 1 || r[0].SizeGB != 150 || r[0].Provider != "p01" {
		t.Errorf("replacements %+v, want one of 150 GB on p01", r)
	}

	// When the entitlement grew, new volumes take the new size.
	small := slices.Clone(prev)
	for i := range small {
		small[i].SizeGB = 50
	}
	got, err = Place(Input{Providers: providers, Consumers: consumers("p00"), Previous: small})
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Pools[0].Replacements; len(r) != 1 || r[0].SizeGB != 100 {
		t.Errorf("replacements %+v, want one of 100 GB", r)
	}

	// Volumes of a machine no longer consuming are dropped.
	got, err = Place(Input{Providers: providers, Consumers: consumers("p01"), Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, u := range got.Usage {
		total += u.UsedGB
	}
	if len(got.Pools) != 1 || got.Pools[0].Consumer != "p01" || total != 8*100 {
		t.Errorf("placement %+v", got)
	}
}

func TestPlacePolicyRefusesKept(t *testing.T) {
	prev := []Volume{}
	for _, n := range names("p", 1, 8) {
		prev = append(prev, Volume{Consumer: "p00", Provider: n, SizeGB: 100})
	}
	deny := func(c, p string) string {
		if p == "p05" {
			return "US law: CLOUD Act"
		}
		return ""
	}
	_, err := Place(Input{Providers: uniform(10, 1000), Consumers: consumers("p00"), Previous: prev, Eligible: deny})
	want := "pool of p00 has a volume on p05, which its policy now refuses (US law: CLOUD Act): allow p05 again, or take p05 out of the provider role"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestPlaceOrderIndependent(t *testing.T) {
	var providers []Provider
	countries := []string{"DE", "FI", "FR", "NL"}
	for i := 0; i < 20; i++ {
		providers = append(providers, Provider{
			Machine:    fmt.Sprintf("m%02d", i),
			Country:    countries[i%4],
			Location:   fmt.Sprintf("%s-%d", countries[i%4], i%3),
			CapacityGB: int64(500 + 100*(i%5)),
		})
	}
	cons := consumers("m03", "m00", "m11", "m07", "m19")
	prev := []Volume{{Consumer: "m11", Provider: "m02", SizeGB: 60}, {Consumer: "m11", Provider: "gone", SizeGB: 60}, {Consumer: "m00", Provider: "m05", SizeGB: 50}}
	a, err := Place(Input{Providers: providers, Consumers: cons, Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	rp, rc, rv := slices.Clone(providers), slices.Clone(cons), slices.Clone(prev)
	slices.Reverse(rp)
	slices.Reverse(rc)
	slices.Reverse(rv)
	b, err := Place(Input{Providers: rp, Consumers: rc, Previous: rv})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("input order changed the placement:\n%+v\n%+v", a, b)
	}
	for _, pool := range a.Pools {
		seen := map[string]bool{}
		for _, v := range pool.Volumes {
			if v.Provider == pool.Consumer || seen[v.Provider] {
				t.Errorf("pool %s: bad volume on %s", pool.Consumer, v.Provider)
			}
			seen[v.Provider] = true
		}
		if len(pool.Volumes) != Width {
			t.Errorf("pool %s has %d volumes", pool.Consumer, len(pool.Volumes))
		}
	}
}

func TestPlaceInvalid(t *testing.T) {
	ok := uniform(10, 1000)
	tests := []struct {
		name string
		in   Input
		err  []string
	}{
		{"ratio low", Input{Providers: ok, Consumers: consumers("p00"), Ratio: 0.3}, []string{"ratio 0.3 is out of range: set it between 1/3 and 1/2"}},
		{"ratio high", Input{Providers: ok, Consumers: consumers("p00"), Ratio: 0.6}, []string{"ratio 0.6 is out of range"}},
		{"overhead negative", Input{Providers: ok, Ratio: 0.5, OverheadGB: -5}, []string{"overhead -5 GB is negative"}},
		{
			"overhead too large",
			Input{Providers: ok, Consumers: consumers("p00", "p01"), OverheadGB: 600},
			[]string{"consumer p00: entitlement is -100 GB", "consumer p01: entitlement is -100 GB", "lower the overhead"},
		},
		{
			"volume of 0 GB",
			Input{Providers: append(uniform(9, 1000), Provider{Machine: "tiny", CapacityGB: 8}), Consumers: consumers("tiny")},
			[]string{"consumer tiny: entitlement of 4 GB makes volumes of 0 GB; it needs at least 5 GB"},
		},
		{
			"not a provider",
			Input{Providers: ok, Consumers: consumers("laptop", "p00")},
			[]string{"consumer laptop is not a provider; add it to the provider role too"},
		},
		{
			"duplicates",
			Input{Providers: append(uniform(10, 1000), Provider{Machine: "p03", CapacityGB: 5}), Consumers: consumers("p01", "p01")},
			[]string{"machine p03 is listed twice as a provider", "machine p01 is listed twice as a consumer"},
		},
		{
			"no capacity",
			Input{Providers: append(uniform(9, 1000), Provider{Machine: "z"})},
			[]string{"provider z has a capacity of 0 GB; give it a disk or remove it from the provider role"},
		},
		{"no name", Input{Providers: []Provider{{CapacityGB: 5}}}, []string{"a provider has no machine name"}},
		{
			"recorded on itself",
			Input{Providers: ok, Consumers: consumers("p00"), Previous: []Volume{{Consumer: "p00", Provider: "p00", SizeGB: 100}}},
			[]string{"state records a volume of pool p00 on p00 itself"},
		},
		{
			"recorded twice",
			Input{Providers: ok, Consumers: consumers("p00"), Previous: []Volume{{Consumer: "p00", Provider: "p01", SizeGB: 100}, {Consumer: "p00", Provider: "p01", SizeGB: 100}}},
			[]string{"state records two volumes of pool p00 on p01"},
		},
		{
			"recorded size 0",
			Input{Providers: ok, Consumers: consumers("p00"), Previous: []Volume{{Consumer: "p00", Provider: "p01"}}},
			[]string{"state records a volume of pool p00 on p01 of 0 GB"},
		},
		{
			"recorded nine",
			Input{Providers: ok, Consumers: consumers("p00"), Previous: func() []Volume {
				var vs []Volume
				for _, n := range names("p", 1, 9) {
					vs = append(vs, Volume{Consumer: "p00", Provider: n, SizeGB: 100})
				}
				return vs
			}()},
			[]string{"state records more than 8 volumes for pool p00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Place(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.err {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestPlaceRatio(t *testing.T) {
	for _, tt := range []struct {
		ratio float64
		want  int64
	}{{0, 500}, {0.5, 500}, {1.0 / 3, 333}, {0.4, 400}} {
		got, err := Place(Input{Providers: uniform(9, 1000), Consumers: consumers("p00"), Ratio: tt.ratio})
		if err != nil {
			t.Fatalf("ratio %g: %v", tt.ratio, err)
		}
		if p := got.Pools[0]; p.EntitlementGB != tt.want || p.VolumeGB != tt.want/Data {
			t.Errorf("ratio %g: entitlement %d volume %d, want %d", tt.ratio, p.EntitlementGB, p.VolumeGB, tt.want)
		}
	}
}

func BenchmarkPlace(b *testing.B) {
	countries := []string{"DE", "FI", "FR", "NL", "SE", "AT", "BE", "IT", "ES", "PL"}
	var providers []Provider
	var cons []Consumer
	for i := 0; i < 200; i++ {
		name := fmt.Sprintf("m%03d", i)
		providers = append(providers, Provider{
			Machine:    name,
			Country:    countries[i%len(countries)],
			Location:   fmt.Sprintf("%s-%d", countries[i%len(countries)], i%2),
			CapacityGB: int64(1000 + 100*(i%11)),
		})
		if i%2 == 0 {
			cons = append(cons, Consumer{Machine: name})
		}
	}
	eligible := func(c, p string) string { return "" }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Place(Input{Providers: providers, Consumers: cons, Eligible: eligible}); err != nil {
			b.Fatal(err)
		}
	}
}
