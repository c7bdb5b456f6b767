package zpool

import (
	"fmt"
	"sort"
	"strings"
)

// Health is a pool's state as `zpool status -P <pool>` prints it on the
// machine that has it imported: what storage status shows as live, and
// what apply reads to replace lost volumes.
type Health struct {
	Pool string `json:"pool"`
	// State is the pool's: ONLINE, DEGRADED, FAULTED, SUSPENDED, UNAVAIL…
	State string `json:"state"`
	// Scan is what the last scrub or resilver did or is doing, e.g.
	// "resilver in progress since …"; "" when none was requested.
	Scan string `json:"scan,omitempty"`
	// Devices are the pool's leaf devices, in the order ZFS lists them.
	Devices []Device `json:"devices"`
	// Errors is the last line, "No known data errors" on a sound pool.
	Errors string `json:"errors,omitempty"`
}

// A Device is one leaf device of a pool.
type Device struct {
	// Name is how zpool names the device in commands: its path, or its
	// GUID when ZFS cannot find it.
	Name string `json:"name"`
	// Path is where the device is or was (ZFS's "was /dev/…" for a
	// missing one).
	Path string `json:"path"`
	// State is ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL or REMOVED.
	State string `json:"state"`
	// Note is the rest of the line: "cannot open", "(resilvering)"…
	Note string `json:"note,omitempty"`
	// Replacing: the device is half of a replacement in progress.
	Replacing bool `json:"replacing,omitempty"`
}

// Online reports whether the device serves data.
func (d Device) Online() bool { return d.State == "ONLINE" }

// Healthy reports whether the pool and every device are ONLINE.
func (h Health) Healthy() bool {
	if h.State != "ONLINE" {
		return false
	}
	for _, d := range h.Devices {
		if !d.Online() {
			return false
		}
	}
	return true
}

// Has reports whether path is one of the pool's devices.
func (h Health) Has(path string) bool {
	for _, d := range h.Devices {
		if d.Path == path {
			return true
		}
	}
	return false
}

// states are the device and pool states zpool prints (zpool_state_to_name).
var states = map[string]bool{"ONLINE": true, "DEGRADED": true, "FAULTED": true, "OFFLINE": true, "UNAVAIL": true, "REMOVED": true, "SUSPENDED": true, "AVAIL": true, "INUSE": true}

// ParseHealth reads the output of `zpool status -P <pool>` for one pool.
// The config section is a tree by indentation: the pool, its vdevs
// (raidz3-0, replacing-0, mirror-1…) and their leaves; sections after the
// data vdevs (logs, cache, spares, special) hold leaves too. Anything it
// does not recognise is an error rather than a guess, since apply acts on
// what it reads.
func ParseHealth(out string) (Health, error) {
	var h Health
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	config := -1
	for i, line := range lines {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || strings.ContainsAny(key, " \t") {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "pool":
			if h.Pool == "" {
				h.Pool = value
			}
		case "state":
			if h.State == "" {
				h.State = value
			}
		case "scan":
			h.Scan = value
		case "config":
			if config < 0 {
				config = i + 1
			}
		case "errors":
			h.Errors = value
		}
	}
	switch {
	case h.Pool == "":
		return h, fmt.Errorf("zpool status: no \"pool:\" line")
	case !states[h.State]:
		return h, fmt.Errorf("zpool status: pool %s has no known state (%q)", h.Pool, h.State)
	case config < 0:
		return h, fmt.Errorf("zpool status: pool %s: no \"config:\" section", h.Pool)
	}
	if err := h.parseConfig(lines[config:]); err != nil {
		return h, fmt.Errorf("zpool status: pool %s: %w", h.Pool, err)
	}
	return h, nil
}

// A configLine is one row of the config table.
type configLine struct {
	indent      int
	name, state string
	note        string
}

// parseConfig reads the config table: its header (NAME STATE READ WRITE
// CKSUM), then a row per vdev, until a blank line after the rows.
func (h *Health) parseConfig(lines []string) error {
	var rows []configLine
	header := false
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if !header {
			if trimmed == "" {
				continue
			}
			if f := strings.Fields(trimmed); len(f) < 2 || f[0] != "NAME" || f[1] != "STATE" {
				return fmt.Errorf("the config section has no NAME STATE header")
			}
			header = true
			continue
		}
		if trimmed == "" {
			if len(rows) > 0 {
				break
			}
			continue
		}
		if strings.HasPrefix(trimmed, "errors:") {
			break
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		indent += strings.Count(line[:indent], "\t") * 7 // a tab counts as eight columns
		f := strings.Fields(trimmed)
		row := configLine{indent: indent, name: f[0]}
		rest := f[1:]
		if len(rest) > 0 && states[rest[0]] {
			row.state, rest = rest[0], rest[1:]
			// READ WRITE CKSUM, when the row has them.
			for n := 0; n < 3 && len(rest) > 0 && isCount(rest[0]); n++ {
				rest = rest[1:]
			}
		}
		row.note = strings.Join(rest, " ")
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return fmt.Errorf("the config section lists no devices")
	}
	if rows[0].name != h.Pool {
		return fmt.Errorf("the config section starts with %q, not the pool", rows[0].name)
	}
	base := rows[0].indent
	for i, r := range rows {
		if i > 0 && r.indent <= base && !sectionNames[r.name] {
			return fmt.Errorf("row %q is not below the pool", r.name)
		}
		// A leaf is a row whose next row is not indented deeper.
		leaf := i > 0 && !sectionNames[r.name] && (i+1 == len(rows) || rows[i+1].indent <= r.indent)
		if !leaf {
			continue
		}
		if r.state == "" && !sectionNames[r.name] {
			return fmt.Errorf("device %q has no state", r.name)
		}
		d := Device{Name: r.name, Path: r.name, State: r.state, Note: r.note}
		if was, ok := strings.CutPrefix(r.note, "was "); ok {
			d.Path, _, _ = strings.Cut(was, " ")
		}
		d.Replacing = underReplacing(rows, i)
		h.Devices = append(h.Devices, d)
	}
	if len(h.Devices) == 0 {
		return fmt.Errorf("the config section lists no devices")
	}
	return nil
}

// sectionNames head the groups of special devices below the data vdevs.
var sectionNames = map[string]bool{"logs": true, "cache": true, "spares": true, "special": true, "dedup": true}

// underReplacing reports whether row i's parent, the nearest row above
// it indented less, is a replacement in progress (replacing-<n>).
func underReplacing(rows []configLine, i int) bool {
	for j := i - 1; j >= 0; j-- {
		if rows[j].indent < rows[i].indent {
			return strings.HasPrefix(rows[j].name, "replacing-")
		}
	}
	return false
}

// isCount reports whether s is one of the error counters: a number,
// possibly with a unit suffix (1.2K).
func isCount(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	return strings.Trim(s, "0123456789.KMGTPE") == ""
}

// Unavailable are the devices that serve no data, sorted by path.
func (h Health) Unavailable() []Device {
	var out []Device
	for _, d := range h.Devices {
		if !d.Online() {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
