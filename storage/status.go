// Package storage reports on the peer-storage services of a deployment:
// what each machine contributes, what each consumer is entitled to, where
// its volumes are, and what freecloud applied. Its subpackages hold the
// logic of each kind (garage, zpool).
package storage

import (
	"fmt"
	"io"
	"strings"

	"github.com/freecloud/freecloud/storage/garage"
	"github.com/freecloud/freecloud/storage/zpool"
)

// A Report is the storage status of a deployment, one entry per storage
// service, sorted by name.
type Report struct {
	Services []Service `json:"services"`
}

// A Service is one storage service's status.
type Service struct {
	Name    string `json:"name"`
	Profile string `json:"profile"`
	// Problem is why the service cannot be laid out as declared (too few
	// zones, not enough providers); "" when it can.
	Problem string `json:"problem,omitempty"`
	// Garage services.
	Replication   int           `json:"replication,omitempty"`
	Nodes         []garage.Node `json:"nodes,omitempty"`
	LayoutApplied bool          `json:"layout_applied,omitempty"`
	// zfs-pool services.
	Usage []zpool.Usage `json:"usage,omitempty"`
	Pools []Pool        `json:"pools,omitempty"`
}

// A Pool is a consumer's pool: its placement and, where known, whether
// apply created it.
type Pool struct {
	zpool.Pool
	// Created: apply created it (state); from then on it is only imported.
	Created bool `json:"created"`
	// Health is the pool as its machine reports it (storage status
	// --live); nil when not asked or not read, HealthError saying why not.
	Health      *zpool.Health `json:"health,omitempty"`
	HealthError string        `json:"health_error,omitempty"`
}

// Text writes the report for people.
func (r Report) Text(w io.Writer) {
	if len(r.Services) == 0 {
		fmt.Fprintln(w, "The deployment has no storage services (garage, zfs-iscsi-pool).")
		return
	}
	for i, s := range r.Services {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "service.%s (%s)\n", s.Name, s.Profile)
		if s.Problem != "" {
			fmt.Fprintf(w, "  ! %s\n", strings.ReplaceAll(s.Problem, "\n", "\n    "))
		}
		if s.Nodes != nil {
			applied := "not applied yet"
			if s.LayoutApplied {
				applied = "applied as declared"
			}
			fmt.Fprintf(w, "  %d copies of every object; layout %s\n", s.Replication, applied)
			for _, n := range s.Nodes {
				id := "node id not collected yet"
				if n.ID != "" {
					id = "node " + n.ID[:garage.ShortIDLen]
				}
				fmt.Fprintf(w, "  - %-12s zone %-10s %6d GB  %s\n", n.Machine, n.Zone, n.CapacityGB, id)
			}
		}
		if len(s.Usage) > 0 {
			fmt.Fprintln(w, "  contributions:")
			for _, u := range s.Usage {
				fmt.Fprintf(w, "  - %-12s %6d GB, %6d GB used by others' volumes\n", u.Provider, u.CapacityGB, u.UsedGB)
			}
		}
		for _, p := range s.Pools {
			state := "not created yet"
			if p.Created {
				state = "created; imported from now on"
			}
			health := "healthy as placed"
			switch {
			case p.DataLost():
				health = fmt.Sprintf("LOST: %d volumes gone, RAIDZ3 survives %d", len(p.Lost), zpool.Parity)
			case len(p.Lost) > 0:
				health = fmt.Sprintf("DEGRADED: %d volume(s) lost with their provider", len(p.Lost))
			}
			fmt.Fprintf(w, "  pool of %s: entitled to %d GB, %d volumes of %d GB, %s, %s\n", p.Consumer, p.EntitlementGB, len(p.Volumes), p.VolumeGB, state, health)
			p.liveText(w)
			for _, v := range p.Volumes {
				fmt.Fprintf(w, "  - on %-12s %6d GB  %s\n", v.Provider, v.SizeGB, strings.Join(nonEmpty(v.Location, v.Country), ", "))
			}
			for _, v := range p.Lost {
				fmt.Fprintf(w, "  ! lost with %s (%d GB)\n", v.Provider, v.SizeGB)
			}
			for _, v := range p.Replacements {
				fmt.Fprintf(w, "  + replacement on %s (%d GB): ZFS rebuilds the lost data onto it (zpool replace)\n", v.Provider, v.SizeGB)
			}
		}
	}
}

// liveText writes the pool's health as its machine reported it.
func (p Pool) liveText(w io.Writer) {
	switch {
	case p.HealthError != "":
		fmt.Fprintf(w, "  live: not read: %s\n", p.HealthError)
	case p.Health == nil:
	case p.Health.Healthy():
		fmt.Fprintf(w, "  live: %s, all %d devices online\n", p.Health.State, len(p.Health.Devices))
	default:
		fmt.Fprintf(w, "  live: %s\n", p.Health.State)
		for _, d := range p.Health.Unavailable() {
			note := d.Note
			if strings.HasPrefix(note, "was ") {
				note = "(gone)" // Path is where it was
			}
			fmt.Fprintf(w, "  ! %s %s %s\n", d.State, d.Path, note)
		}
		if p.Health.Scan != "" && p.Health.Scan != "none requested" {
			fmt.Fprintf(w, "    scan: %s\n", p.Health.Scan)
		}
	}
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
