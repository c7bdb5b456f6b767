// Package zpool decides the "true cloud" storage pool of the
// zfs-iscsi-pool profile: how much each machine is entitled to, and on
// which other machines its volumes live.
//
// Every machine of the provider role contributes one raw disk of
// CapacityGB. A consumer (which must also be a provider) gets a ZFS pool
// of RAIDZ3 over Width iSCSI volumes, Data of data and Parity of parity,
// each on a different provider and never on itself: the pool survives the
// loss of any three machines, including the consumer's own disk, which
// holds only other machines' data.
//
// The consumer's entitlement is E = floor(ratio × capacity) − overhead,
// each volume is floor(E / Data) GB, so the pool holds about E and costs
// the others Width/Data × E (8/5 E) of disk. With ratio at most 1/2, a
// machine uses at most 4/5 of what it contributes.
//
// Place is pure and deterministic: the same input in any order gives the
// same placement. Sizes are whole GB (10^9 bytes).
package zpool

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The shape of every pool: RAIDZ3 over 8 volumes, 5 data and 3 parity.
const Width, Parity, Data = 8, 3, 5

// Ratio bounds: below 1/3 a machine gets little for its disk; above 1/2
// the consumers together would need more than the providers have
// (each uses 8/5 × ratio of its capacity elsewhere).
const (
	MinRatio     = 1.0 / 3
	MaxRatio     = 1.0 / 2
	DefaultRatio = MaxRatio
)

// ratioSlack forgives float rounding in a ratio written as 1/3 or 0.5.
const ratioSlack = 1e-9

// A Provider is a machine contributing its disk.
type Provider struct {
	Machine string
	// Location and Country are where the machine is (the provider's
	// location code and ISO country); placement spreads over them.
	Location, Country string
	CapacityGB        int64
}

// A Consumer is a machine with a pool. Its capacity, and so its
// entitlement, is its Provider entry's.
type Consumer struct{ Machine string }

// A Volume is one iSCSI volume of Consumer's pool, held on Provider.
type Volume struct {
	Consumer, Provider string
	SizeGB             int64
	// Location and Country are the provider's, as of this placement.
	Location, Country string
}

// Input is what Place decides from.
type Input struct {
	Providers []Provider
	Consumers []Consumer
	// Ratio is the share of its capacity a consumer is entitled to,
	// between MinRatio and MaxRatio; 0 means DefaultRatio.
	Ratio float64
	// OverheadGB is subtracted from every entitlement (room for the
	// consumer's own metadata, snapshots…); 0 or more.
	OverheadGB int64
	// Previous is the placement recorded in state. Its volumes hold data,
	// so each is kept as long as its provider exists.
	Previous []Volume
	// Eligible is the sovereignty policy: "" when provider may hold
	// consumer's data, otherwise why not. nil allows everything.
	Eligible func(consumer, provider string) string
}

// A Pool is one consumer's pool.
type Pool struct {
	Consumer      string
	EntitlementGB int64
	// VolumeGB is the volume size the entitlement asks for now. Kept
	// volumes keep their recorded size: ZFS grows a RAIDZ vdev only once
	// all its devices have grown, and never shrinks one, so a changed
	// ratio or capacity takes effect for a new pool, not in place. New
	// volumes of an existing pool are never smaller than its smallest
	// recorded volume, since `zpool replace` refuses a smaller device.
	VolumeGB int64
	// Volumes are the pool's Width volumes, sorted by provider.
	Volumes []Volume
	// Lost are recorded volumes whose provider is no longer a provider;
	// their data is gone, and ZFS rebuilds it onto Replacements, which
	// are also in Volumes. More than Parity lost volumes lose the pool.
	Lost         []Volume
	Replacements []Volume
}

// DataLost reports whether more volumes were lost than RAIDZ3 survives.
func (p Pool) DataLost() bool { return len(p.Lost) > Parity }

// Usage is how much of a provider's disk the placement uses. UsedGB may
// exceed CapacityGB when a disk shrank under kept volumes.
type Usage struct {
	Provider           string
	CapacityGB, UsedGB int64
}

// A Placement is every pool and the resulting use of every provider, both
// sorted by machine.
type Placement struct {
	Pools []Pool
	Usage []Usage
}

// Entitlement is floor(ratio × capacity) − overhead, in GB, for a ratio
// between MinRatio and MaxRatio.
func Entitlement(capacityGB int64, ratio float64, overheadGB int64) (int64, error) {
	if !(ratio >= MinRatio-ratioSlack && ratio <= MaxRatio+ratioSlack) {
		return 0, fmt.Errorf("ratio %g is out of range: set it between 1/3 and 1/2", ratio)
	}
	if overheadGB < 0 {
		return 0, fmt.Errorf("overhead %d GB is negative: set it to 0 or more", overheadGB)
	}
	if capacityGB <= 0 {
		return 0, fmt.Errorf("capacity %d GB: give the machine a disk", capacityGB)
	}
	// The slack keeps 9 × (1/3) from flooring to 2.
	e := int64(math.Floor(ratio*float64(capacityGB)+ratioSlack)) - overheadGB
	if e <= 0 {
		return 0, fmt.Errorf("entitlement is %d GB (%g × %d GB − %d GB overhead): lower the overhead or give the machine a larger disk",
			e, ratio, capacityGB, overheadGB)
	}
	return e, nil
}

// ShortError is a pool that cannot get Width volumes: too few providers
// that may hold its data have room for a volume.
type ShortError struct {
	Consumer string
	VolumeGB int64
	// Holding are the providers that hold or can take one of its volumes.
	Holding []string
	// Excluded are all other providers, each with why it cannot.
	Excluded []Exclusion
}

// An Exclusion is a provider that cannot take a volume, and why.
type Exclusion struct{ Provider, Reason string }

func (e *ShortError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pool of %s needs %d volumes of %d GB on %d different machines; only %d can take one",
		e.Consumer, Width, e.VolumeGB, Width, len(e.Holding))
	if len(e.Holding) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Holding, ", "))
	}
	b.WriteString(".")
	if len(e.Excluded) > 0 {
		b.WriteString(" Not eligible: ")
		for i, x := range e.Excluded {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s (%s)", x.Provider, x.Reason)
		}
		b.WriteString(".")
	}
	missing := Width - len(e.Holding)
	fmt.Fprintf(&b, " Add %d provider%s with at least %d GB free that the policy allows, or lower the ratio.",
		missing, plural(missing), e.VolumeGB)
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Place decides every consumer's pool.
//
// Recorded volumes are kept while their provider exists, even when the
// provider is now short of room (data is never moved silently); if the
// policy now refuses a kept provider, that is an error for the operator
// to resolve. Recorded volumes of a machine that is no longer a consumer
// are left out: their room is free again, and the caller removes them.
// The free slots of each pool are then filled, consumer by
// consumer in name order, one volume at a time, from the providers that
// are not the consumer, do not hold a volume of this pool yet, are
// allowed by Eligible and have room, preferring in turn: a country the
// pool does not use yet, a location it does not use yet, the most free
// GB, and the first name. Free room counts every volume placed so far,
// kept ones of all pools first.
//
// A pool that cannot be completed is reported as a *ShortError (all of
// them, joined) and its new volumes are not counted against the others.
func Place(in Input) (Placement, error) {
	ratio := in.Ratio
	if ratio == 0 {
		ratio = DefaultRatio
	}
	providers := slices.Clone(in.Providers)
	slices.SortFunc(providers, func(a, b Provider) int { return cmp.Compare(a.Machine, b.Machine) })
	consumers := slices.Clone(in.Consumers)
	slices.SortFunc(consumers, func(a, b Consumer) int { return cmp.Compare(a.Machine, b.Machine) })
	previous := slices.Clone(in.Previous)
	slices.SortFunc(previous, func(a, b Volume) int {
		return cmp.Or(cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Provider, b.Provider))
	})
	eligible := in.Eligible
	if eligible == nil {
		eligible = func(string, string) string { return "" }
	}

	var errs []error
	if !(ratio >= MinRatio-ratioSlack && ratio <= MaxRatio+ratioSlack) {
		return Placement{}, fmt.Errorf("ratio %g is out of range: set it between 1/3 and 1/2 (default 0.5)", in.Ratio)
	}
	if in.OverheadGB < 0 {
		return Placement{}, fmt.Errorf("overhead %d GB is negative: set it to 0 or more", in.OverheadGB)
	}
	index := map[string]int{} // provider name → its index in providers
	for i, p := range providers {
		switch _, dup := index[p.Machine]; {
		case p.Machine == "":
			errs = append(errs, errors.New("a provider has no machine name"))
		case dup:
			errs = append(errs, fmt.Errorf("machine %s is listed twice as a provider; list it once", p.Machine))
		case p.CapacityGB <= 0:
			errs = append(errs, fmt.Errorf("provider %s has a capacity of %d GB; give it a disk or remove it from the provider role", p.Machine, p.CapacityGB))
		}
		index[p.Machine] = i
	}

	pools := make([]Pool, 0, len(consumers))
	for i, c := range consumers {
		if i > 0 && consumers[i-1].Machine == c.Machine {
			errs = append(errs, fmt.Errorf("machine %s is listed twice as a consumer; list it once", c.Machine))
			continue
		}
		j, ok := index[c.Machine]
		if !ok {
			errs = append(errs, fmt.Errorf("consumer %s is not a provider; add it to the provider role too: a machine gets a pool for the disk it contributes", c.Machine))
			continue
		}
		e, err := Entitlement(providers[j].CapacityGB, ratio, in.OverheadGB)
		if err != nil {
			errs = append(errs, fmt.Errorf("consumer %s: %w", c.Machine, err))
			continue
		}
		if e/Data == 0 {
			errs = append(errs, fmt.Errorf("consumer %s: entitlement of %d GB makes volumes of 0 GB; it needs at least %d GB: give it a larger disk or lower the overhead", c.Machine, e, Data))
			continue
		}
		pools = append(pools, Pool{Consumer: c.Machine, EntitlementGB: e, VolumeGB: e / Data})
	}
	if len(errs) > 0 {
		return Placement{}, errors.Join(errs...)
	}

	// Pass 1: keep every recorded volume whose provider still exists, so
	// that their space is taken before any new volume is placed.
	used := make([]int64, len(providers)) // GB placed on each provider
	newSize := make([]int64, len(pools))
	for i := range pools {
		pool := &pools[i]
		newSize[i] = pool.VolumeGB
		var smallest int64
		for _, v := range previous {
			if v.Consumer != pool.Consumer {
				continue
			}
			if err := checkRecorded(v, pool.Volumes, pool.Lost); err != nil {
				errs = append(errs, err)
				continue
			}
			if smallest == 0 || v.SizeGB < smallest {
				smallest = v.SizeGB
			}
			j, ok := index[v.Provider]
			if !ok {
				pool.Lost = append(pool.Lost, v)
				continue
			}
			p := &providers[j]
			if why := eligible(pool.Consumer, v.Provider); why != "" {
				errs = append(errs, fmt.Errorf("pool of %s has a volume on %s, which its policy now refuses (%s): allow %s again, or take %s out of the provider role so that the volume is replaced",
					pool.Consumer, v.Provider, why, v.Provider, v.Provider))
			}
			v.Location, v.Country = p.Location, p.Country
			pool.Volumes = append(pool.Volumes, v)
			used[j] += v.SizeGB
		}
		newSize[i] = max(newSize[i], smallest)
	}
	if len(errs) > 0 {
		return Placement{}, errors.Join(errs...)
	}

	// Pass 2: fill the free slots.
	for i := range pools {
		pool := &pools[i]
		size := newSize[i]
		kept := len(pool.Volumes)
		held := make([]bool, len(providers)) // providers holding a volume of this pool
		for _, v := range pool.Volumes {
			held[index[v.Provider]] = true
		}
		for len(pool.Volumes) < Width {
			j := pick(pool, size, providers, used, held, eligible)
			if j < 0 {
				break
			}
			best := providers[j]
			v := Volume{Consumer: pool.Consumer, Provider: best.Machine, SizeGB: size, Location: best.Location, Country: best.Country}
			pool.Volumes = append(pool.Volumes, v)
			used[j] += size
			held[j] = true
		}
		if len(pool.Volumes) < Width {
			for _, v := range pool.Volumes[kept:] {
				used[index[v.Provider]] -= v.SizeGB
			}
			errs = append(errs, short(pool, size, providers, used, eligible))
			continue
		}
		added := pool.Volumes[kept:]
		pool.Replacements = slices.Clone(added[:min(len(pool.Lost), len(added))])
		sortVolumes(pool.Volumes)
		sortVolumes(pool.Replacements)
	}
	if len(errs) > 0 {
		return Placement{}, errors.Join(errs...)
	}

	usage := make([]Usage, len(providers))
	for i, p := range providers {
		usage[i] = Usage{Provider: p.Machine, CapacityGB: p.CapacityGB, UsedGB: used[i]}
	}
	return Placement{Pools: pools, Usage: usage}, nil
}

// checkRecorded refuses a recorded volume that freecloud could not have
// placed, so that a damaged state file is noticed rather than built on.
func checkRecorded(v Volume, kept, lost []Volume) error {
	switch {
	case v.Provider == v.Consumer:
		return fmt.Errorf("state records a volume of pool %s on %s itself; remove that entry from the state file", v.Consumer, v.Provider)
	case v.SizeGB <= 0:
		return fmt.Errorf("state records a volume of pool %s on %s of %d GB; remove that entry from the state file", v.Consumer, v.Provider, v.SizeGB)
	case slices.ContainsFunc(kept, func(k Volume) bool { return k.Provider == v.Provider }),
		slices.ContainsFunc(lost, func(k Volume) bool { return k.Provider == v.Provider }):
		return fmt.Errorf("state records two volumes of pool %s on %s; remove one from the state file", v.Consumer, v.Provider)
	case len(kept)+len(lost) >= Width:
		return fmt.Errorf("state records more than %d volumes for pool %s; remove the extra ones from the state file", Width, v.Consumer)
	}
	return nil
}

// pick is the index of the best provider for the pool's next volume, -1
// when none can take it. held marks the providers that already hold one of
// the pool's volumes. The pool has at most Width volumes, so scanning them
// for countries and locations beats building sets.
func pick(pool *Pool, size int64, providers []Provider, used []int64, held []bool, eligible func(string, string) string) int {
	best := -1
	var bestKey [3]int64
	for i := range providers {
		p := &providers[i]
		free := p.CapacityGB - used[i]
		if free < size || held[i] || p.Machine == pool.Consumer || eligible(pool.Consumer, p.Machine) != "" {
			continue
		}
		newCountry, newLocation := true, true
		for _, v := range pool.Volumes {
			newCountry = newCountry && v.Country != p.Country
			newLocation = newLocation && v.Location != p.Location
		}
		// Larger is better; providers are in name order, so on a tie
		// the first name stays.
		key := [3]int64{b2i(newCountry), b2i(newLocation), free}
		if best < 0 || slices.Compare(key[:], bestKey[:]) > 0 {
			best, bestKey = i, key
		}
	}
	return best
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// short explains why pool cannot get Width volumes.
func short(pool *Pool, size int64, providers []Provider, used []int64, eligible func(string, string) string) *ShortError {
	e := &ShortError{Consumer: pool.Consumer, VolumeGB: size}
	for i, p := range providers {
		free := p.CapacityGB - used[i]
		switch {
		case slices.ContainsFunc(pool.Volumes, func(v Volume) bool { return v.Provider == p.Machine }):
			e.Holding = append(e.Holding, p.Machine)
		case p.Machine == pool.Consumer:
			e.Excluded = append(e.Excluded, Exclusion{p.Machine, "the consumer itself"})
		default:
			if why := eligible(pool.Consumer, p.Machine); why != "" {
				e.Excluded = append(e.Excluded, Exclusion{p.Machine, why})
			} else if free < size {
				e.Excluded = append(e.Excluded, Exclusion{p.Machine, fmt.Sprintf("%d GB free of %d GB", max(free, 0), p.CapacityGB)})
			} else {
				// Cannot happen: pick would have taken it.
				e.Holding = append(e.Holding, p.Machine)
			}
		}
	}
	return e
}

func sortVolumes(vs []Volume) {
	slices.SortFunc(vs, func(a, b Volume) int { return cmp.Compare(a.Provider, b.Provider) })
}
