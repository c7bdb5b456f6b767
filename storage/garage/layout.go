package garage

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// A Layout is the cluster layout as `garage layout show` prints it.
type Layout struct {
	// Version is the current layout's version: 0 before the first apply.
	Version int64
	// Roles are the nodes that have a role in the current layout, in the
	// order Garage prints them (by id).
	Roles []Role
	// ZoneRedundancy is the current zone redundancy parameter, "maximum"
	// or a number; "" when no node has a role (Garage then prints none).
	ZoneRedundancy string
	// Staged are the role changes staged but not applied yet.
	Staged []Change
	// StagedZoneRedundancy is a staged new zone redundancy, "" if none.
	StagedZoneRedundancy string
}

// A Role is one node's role in a layout.
type Role struct {
	// ID is the node id as printed: its first 16 hex digits.
	ID   string
	Tags []string
	Zone string
	// Capacity is the capacity as printed, "500.0 GB", or "gateway" for a
	// node that stores nothing.
	Capacity string
}

// A Change is one staged role change: a new role or a removal.
type Change struct {
	ID     string
	Remove bool
	// Role is the new role, when not Remove (its ID is the change's).
	Role Role
}

// Gateway tells whether the role stores nothing.
func (r Role) Gateway() bool { return r.Capacity == "gateway" }

// CapacityMatches tells whether the printed capacity is gb GB, as far as
// its one printed decimal can tell: "1.2 TB" matches 1150 to 1250 GB. A
// smaller change than that is not seen, which is harmless, since Garage
// only uses capacities as weights for spreading the data.
func (r Role) CapacityMatches(gb int64) bool {
	lo, hi, ok := sizeRange(r.Capacity)
	if !ok {
		return false
	}
	want := float64(gb) * 1e9
	return lo <= want && want <= hi
}

var sizeRe = regexp.MustCompile(`^([0-9]{1,20})(\.([0-9]{1,6}))? (B|[KkMGTPE]i?B)$`)

var sizeUnits = map[string]float64{
	"B": 1, "KB": 1e3, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15, "EB": 1e18,
	"KiB": 1 << 10, "kiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50, "EiB": 1 << 60,
}

// sizeRange is the interval of byte counts that Garage prints as s.
func sizeRange(s string) (lo, hi float64, ok bool) {
	m := sizeRe.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	unit, ok := sizeUnits[m[4]]
	if !ok {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(m[1]+m[2], 64)
	if err != nil {
		return 0, 0, false
	}
	half := 0.5 * math.Pow(10, -float64(len(m[3])))
	return (v - half) * unit, (v + half) * unit, true
}

// The fixed lines of `garage layout show` (cli/remote/layout.rs).
const (
	bannerCurrent     = "==== CURRENT CLUSTER LAYOUT ===="
	bannerStaged      = "==== STAGED ROLE CHANGES ===="
	bannerNew         = "==== NEW CLUSTER LAYOUT AFTER APPLYING CHANGES ===="
	bannerComputation = "==== COMPUTATION OF A NEW PARTITION ASSIGNATION ===="
	noRoles1          = "No nodes currently have a role in the cluster."
	noRoles2          = "See `garage status` to view available nodes."
	noNewRoles        = "No nodes have a role in the new layout."
	versionPrefix     = "Current cluster layout version: "
	redundancyPrefix  = "Zone redundancy: "
	computeError      = "Error while trying to compute the assignment: "
	cannotApply       = "This new layout cannot yet be applied."
	enact             = "To enact the staged role changes, type:"
	applyHint         = "    garage layout apply --version "
	revertHint        = "You can also revert all proposed changes with: garage layout revert"
)

// ParseLayout reads what `garage layout show` prints: the current roles and
// version, the staged changes, and Garage's preview of the layout they
// would make (checked for form, not returned). Output it does not know is
// an error quoting the line, so that a changed CLI is noticed rather than
// misread. Tables are read by the columns their header names, so a column
// a later Garage adds is skipped.
func ParseLayout(out string) (Layout, error) {
	p := layoutParser{lines: strings.Split(strings.TrimRight(out, "\n"), "\n")}
	return p.parse()
}

type layoutParser struct {
	lines []string
	i     int
	l     Layout
}

func (p *layoutParser) errorf(format string, args ...any) error {
	line := ""
	if p.i < len(p.lines) {
		line = p.lines[p.i]
	}
	return fmt.Errorf("garage layout show, line %d %q: %s", p.i+1, line, fmt.Sprintf(format, args...))
}

// next skips blank lines and tells whether a line is left.
func (p *layoutParser) next() bool {
	for p.i < len(p.lines) && strings.TrimSpace(p.lines[p.i]) == "" {
		p.i++
	}
	return p.i < len(p.lines)
}

func (p *layoutParser) line() string { return p.lines[p.i] }

func (p *layoutParser) parse() (Layout, error) {
	if !p.next() || p.line() != bannerCurrent {
		if p.i >= len(p.lines) {
			return Layout{}, fmt.Errorf("garage layout show printed nothing; expected %q first", bannerCurrent)
		}
		return Layout{}, p.errorf("expected %q first", bannerCurrent)
	}
	p.i++
	roles, redundancy, err := p.layoutTable(noRoles1, noRoles2)
	if err != nil {
		return Layout{}, err
	}
	p.l.Roles, p.l.ZoneRedundancy = roles, redundancy
	if !p.next() || !strings.HasPrefix(p.line(), versionPrefix) {
		if p.i >= len(p.lines) {
			return Layout{}, fmt.Errorf("garage layout show: the output ends before %q", versionPrefix+"N")
		}
		return Layout{}, p.errorf("expected %q", versionPrefix+"N")
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(p.line(), versionPrefix), 10, 64)
	if err != nil || v < 0 {
		return Layout{}, p.errorf("the version is not a number")
	}
	p.l.Version = v
	p.i++
	if !p.next() {
		return p.l, nil
	}
	if p.line() != bannerStaged {
		return Layout{}, p.errorf("expected %q or the end of the output", bannerStaged)
	}
	p.i++
	if err := p.staged(); err != nil {
		return Layout{}, err
	}
	if err := p.preview(); err != nil {
		return Layout{}, err
	}
	if p.next() {
		return Layout{}, p.errorf("unexpected line after the staged changes")
	}
	return p.l, nil
}

// layoutTable reads a table of roles and its "Zone redundancy" line, or
// the sentence Garage prints instead when no node has a role.
func (p *layoutParser) layoutTable(empty ...string) ([]Role, string, error) {
	if !p.next() {
		return nil, "", fmt.Errorf("garage layout show: the output ends before the table of roles")
	}
	if p.line() == empty[0] {
		for _, want := range empty {
			if !p.next() || p.line() != want {
				return nil, "", p.errorf("expected %q", want)
			}
			p.i++
		}
		return nil, "", nil
	}
	t, err := p.table("ID", "Tags", "Zone", "Capacity")
	if err != nil {
		return nil, "", err
	}
	var roles []Role
	for _, row := range t.rows {
		r, err := p.role(t, row, false)
		if err != nil {
			return nil, "", err
		}
		if !r.Role.Gateway() {
			if u := t.get(row.cells, "Usable capacity"); u != "" && !usableRe.MatchString(u) {
				p.i = row.line
				return nil, "", p.errorf("the usable capacity %q is not like \"250.0 GB (50.0%%)\"", u)
			}
		}
		roles = append(roles, r.Role)
	}
	if !p.next() || !strings.HasPrefix(p.line(), redundancyPrefix) {
		return nil, "", p.errorf("expected %q after the table", redundancyPrefix+"maximum")
	}
	redundancy, err := p.redundancy()
	if err != nil {
		return nil, "", err
	}
	return roles, redundancy, nil
}

var usableRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)? [KkMGTPE]?i?B \([0-9]+(\.[0-9]+)?%\)$`)

func (p *layoutParser) redundancy() (string, error) {
	r := strings.TrimPrefix(p.line(), redundancyPrefix)
	if r != "maximum" {
		if n, err := strconv.Atoi(r); err != nil || n < 1 {
			return "", p.errorf("the zone redundancy is neither \"maximum\" nor a number")
		}
	}
	p.i++
	return r, nil
}

// staged reads the staged role changes and staged zone redundancy.
func (p *layoutParser) staged() error {
	if !p.next() {
		return fmt.Errorf("garage layout show: the output ends after %q", bannerStaged)
	}
	if strings.HasPrefix(p.line(), "ID") {
		t, err := p.table("ID", "Tags", "Zone", "Capacity")
		if err != nil {
			return err
		}
		for _, row := range t.rows {
			c, err := p.role(t, row, true)
			if err != nil {
				return err
			}
			p.l.Staged = append(p.l.Staged, c)
		}
	}
	if p.next() && strings.HasPrefix(p.line(), redundancyPrefix) {
		r, err := p.redundancy()
		if err != nil {
			return err
		}
		p.l.StagedZoneRedundancy = r
	}
	if len(p.l.Staged) == 0 && p.l.StagedZoneRedundancy == "" {
		return p.errorf("expected the table of staged changes or %q", redundancyPrefix+"N")
	}
	return nil
}

// preview reads Garage's preview of the staged layout: the new roles and
// the statistics of the computation, or why it cannot be computed. The
// statistics and the error are free text, read up to the line that ends
// them.
func (p *layoutParser) preview() error {
	if !p.next() {
		return fmt.Errorf("garage layout show: the output ends before the preview of the new layout")
	}
	switch {
	case p.line() == bannerNew:
		p.i++
		if _, _, err := p.layoutTable(noNewRoles); err != nil {
			return err
		}
		if !p.next() || p.line() != bannerComputation {
			return p.errorf("expected %q", bannerComputation)
		}
		for p.i < len(p.lines) && p.lines[p.i] != enact {
			p.i++
		}
		if p.i >= len(p.lines) {
			return fmt.Errorf("garage layout show: the output ends before %q", enact)
		}
		p.i++
		if !p.next() || !strings.HasPrefix(p.line(), applyHint) {
			return p.errorf("expected %q", applyHint+"N")
		}
		if v, err := strconv.ParseInt(strings.TrimPrefix(p.line(), applyHint), 10, 64); err != nil || v != p.l.Version+1 {
			return p.errorf("expected the version to apply to be %d", p.l.Version+1)
		}
		p.i++
	case strings.HasPrefix(p.line(), computeError):
		for p.i < len(p.lines) && p.lines[p.i] != cannotApply {
			p.i++
		}
		if p.i >= len(p.lines) {
			return fmt.Errorf("garage layout show: the output ends before %q", cannotApply)
		}
		p.i++
	default:
		return p.errorf("expected %q or %q", bannerNew, computeError+"…")
	}
	if !p.next() || p.line() != revertHint {
		return p.errorf("expected %q", revertHint)
	}
	p.i++
	return nil
}

// A table is one of format_table's tables: columns start where the
// header's names start, padded with at least two spaces.
type table struct {
	names  []string
	starts []int // in runes, as format_table counts them
	rows   []tableRow
}

type tableRow struct {
	cells []string
	line  int
}

func (t table) get(cells []string, name string) string {
	for i, n := range t.names {
		if n == name && i < len(cells) {
			return cells[i]
		}
	}
	return ""
}

// table reads a header naming at least the required columns, the first of
// them at the start, and the rows up to a blank line.
func (p *layoutParser) table(required ...string) (table, error) {
	header := p.line()
	var t table
	runes := []rune(header)
	for i := 0; i < len(runes); {
		if runes[i] == ' ' {
			i++
			continue
		}
		if i > 0 && !(runes[i-1] == ' ' && i > 1 && runes[i-2] == ' ') {
			return table{}, p.errorf("not a table header: column names are two spaces apart")
		}
		j := i
		for j < len(runes) && !(runes[j] == ' ' && (j+1 == len(runes) || runes[j+1] == ' ')) {
			j++
		}
		t.names = append(t.names, string(runes[i:j]))
		t.starts = append(t.starts, i)
		i = j
	}
	for _, name := range required {
		found := false
		for _, n := range t.names {
			found = found || n == name
		}
		if !found {
			return table{}, p.errorf("the table has no %q column (its columns: %s)", name, strings.Join(t.names, ", "))
		}
	}
	if t.names[0] != required[0] || t.starts[0] != 0 {
		return table{}, p.errorf("the table does not start with an %q column", required[0])
	}
	p.i++
	for p.i < len(p.lines) && strings.TrimSpace(p.lines[p.i]) != "" {
		row := []rune(p.lines[p.i])
		cells := make([]string, len(t.starts))
		for c, start := range t.starts {
			if start >= len(row) {
				break
			}
			if start > 0 && row[start-1] != ' ' {
				return table{}, p.errorf("the row does not line up with the table's header %q", header)
			}
			end := len(row)
			if c+1 < len(t.starts) && t.starts[c+1] < end {
				end = t.starts[c+1]
			}
			cells[c] = strings.TrimSpace(string(row[start:end]))
		}
		t.rows = append(t.rows, tableRow{cells: cells, line: p.i})
		p.i++
	}
	if len(t.rows) == 0 {
		return table{}, p.errorf("the table has no rows")
	}
	return t, nil
}

var shortIDRe = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// role reads a row of a role table; a staged row may be a removal.
func (p *layoutParser) role(t table, row tableRow, staged bool) (Change, error) {
	at := func(format string, args ...any) error {
		p.i = row.line
		return p.errorf(format, args...)
	}
	id := t.get(row.cells, "ID")
	if !shortIDRe.MatchString(id) {
		return Change{}, at("the node id %q is not hexadecimal", id)
	}
	tags, zone, capacity := t.get(row.cells, "Tags"), t.get(row.cells, "Zone"), t.get(row.cells, "Capacity")
	if staged && tags == "REMOVED" && zone == "" && capacity == "" {
		return Change{ID: id, Remove: true}, nil
	}
	r := Role{ID: id, Zone: zone, Capacity: capacity}
	// Garage 2.0 prints the tags in brackets, its betas without.
	list := strings.TrimSuffix(strings.TrimPrefix(tags, "["), "]")
	if strings.HasPrefix(tags, "[") != strings.HasSuffix(tags, "]") {
		return Change{}, at("the tags %q have an unclosed bracket", tags)
	}
	if list != "" {
		r.Tags = strings.Split(list, ",")
	}
	if zone == "" || strings.ContainsAny(zone, " \t") {
		return Change{}, at("the zone %q is empty or has spaces", zone)
	}
	if _, _, ok := sizeRange(capacity); !ok && capacity != "gateway" {
		return Change{}, at("the capacity %q is neither a size like \"500.0 GB\" nor \"gateway\"", capacity)
	}
	return Change{ID: id, Role: r}, nil
}
