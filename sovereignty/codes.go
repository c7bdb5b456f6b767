package sovereignty

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
)

// A Kind is what a code in a sovereignty rule names.
type Kind int

const (
	// KindCountry: an ISO 3166-1 alpha-2 code, "DE".
	KindCountry Kind = iota + 1
	// KindGroup: a group of countries, "EU".
	KindGroup
	// KindLaw: a law that reaches beyond its country, "US_CLOUD_ACT".
	KindLaw
	// KindAnywhere: Anywhere, every country.
	KindAnywhere
)

func (k Kind) String() string {
	switch k {
	case KindCountry:
		return "country"
	case KindGroup:
		return "group"
	case KindLaw:
		return "law"
	case KindAnywhere:
		return Anywhere
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Anywhere, among a rule's data jurisdictions, allows every country: it is
// how an override lets a service's data go anywhere.
const Anywhere = "ANY"

// A Jurisdiction is what one code names.
type Jurisdiction struct {
	Code string
	Kind Kind
	// Name is what messages call it: "Germany", "the European Union",
	// "the CLOUD Act", "anywhere".
	Name string
	// Countries are the countries it covers, sorted: the country itself,
	// a group's members, a law's country; every country for Anywhere.
	Countries []string
}

// String is the jurisdiction with its code: "Germany (DE)".
func (j Jurisdiction) String() string {
	if j.Kind == KindAnywhere {
		return j.Code + " (anywhere)"
	}
	return j.Name + " (" + j.Code + ")"
}

// Resolve returns what a code names, provided it is of one of kinds (any
// kind but Anywhere when none are given). Codes are exact: "de" is not
// "DE", but the error suggests it.
func Resolve(code string, kinds ...Kind) (Jurisdiction, error) {
	if len(kinds) == 0 {
		kinds = []Kind{KindCountry, KindGroup, KindLaw}
	}
	j, ok := lookup(code)
	if !ok || !hasKind(kinds, j.Kind) {
		err := &UnknownCodeError{Code: code, Kinds: kinds, Suggestion: suggest(code, kinds)}
		if ok {
			err.Is = j.Kind
		}
		return Jurisdiction{}, err
	}
	return j, nil
}

// Expand returns the countries that codes cover together, sorted, each
// once; the first code that is unknown or not of one of kinds is an
// error.
func Expand(codes []string, kinds ...Kind) ([]string, error) {
	set := map[string]bool{}
	for _, code := range codes {
		j, err := Resolve(code, kinds...)
		if err != nil {
			return nil, err
		}
		for _, c := range j.Countries {
			set[c] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

func lookup(code string) (Jurisdiction, bool) {
	if c, ok := table.countries[code]; ok {
		return Jurisdiction{Code: code, Kind: KindCountry, Name: c.Name, Countries: []string{code}}, true
	}
	if g, ok := table.groups[code]; ok {
		return Jurisdiction{Code: code, Kind: KindGroup, Name: g.Name, Countries: g.Members}, true
	}
	if l, ok := table.laws[code]; ok {
		return Jurisdiction{Code: code, Kind: KindLaw, Name: l.Name, Countries: []string{l.Country}}, true
	}
	if code == Anywhere {
		return Jurisdiction{Code: code, Kind: KindAnywhere, Name: "anywhere", Countries: Countries()}, true
	}
	return Jurisdiction{}, false
}

func hasKind(kinds []Kind, k Kind) bool {
	for _, want := range kinds {
		if want == k {
			return true
		}
	}
	return false
}

// An UnknownCodeError is a code that names nothing the table knows, or
// something of a kind not accepted where it was written (a law among data
// jurisdictions).
type UnknownCodeError struct {
	Code string
	// Kinds are the kinds that were accepted.
	Kinds []Kind
	// Is is the code's kind when it exists but is not accepted; 0 when
	// the code is unknown.
	Is Kind
	// Suggestion is the code that was probably meant, "" when none is
	// close.
	Suggestion string
}

func (e *UnknownCodeError) Error() string {
	var b strings.Builder
	if e.Is != 0 {
		j, _ := lookup(e.Code)
		fmt.Fprintf(&b, "%q is a %s, %s, but only %s are accepted here.", e.Code, e.Is, j.Name, kindList(e.Kinds))
	} else {
		fmt.Fprintf(&b, "%q is not a %s that freecloud knows.", e.Code, strings.Join(kindNames(e.Kinds), " or "))
	}
	if e.Suggestion != "" {
		j, _ := lookup(e.Suggestion)
		if j.Kind == KindAnywhere {
			fmt.Fprintf(&b, " Did you mean %q?", e.Suggestion)
		} else {
			fmt.Fprintf(&b, " Did you mean %q (%s)?", e.Suggestion, j.Name)
		}
	}
	b.WriteString(" " + kindHelp(e.Kinds))
	return b.String()
}

func kindNames(kinds []Kind) []string {
	var names []string
	for _, k := range kinds {
		if k != KindAnywhere {
			names = append(names, k.String())
		}
	}
	return names
}

func kindList(kinds []Kind) string {
	var names []string
	for _, k := range kinds {
		switch k {
		case KindAnywhere:
			names = append(names, fmt.Sprintf("%q", Anywhere))
		case KindCountry:
			names = append(names, "countries")
		case KindGroup:
			names = append(names, "groups")
		case KindLaw:
			names = append(names, "laws")
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// kindHelp says what the accepted kinds of code look like.
func kindHelp(kinds []Kind) string {
	var parts []string
	for _, k := range kinds {
		switch k {
		case KindCountry:
			parts = append(parts, `countries are ISO 3166-1 alpha-2 codes in capitals, like "DE"`)
		case KindGroup:
			parts = append(parts, "groups are "+strings.Join(Groups(), ", "))
		case KindLaw:
			parts = append(parts, "laws are "+strings.Join(Laws(), ", "))
		case KindAnywhere:
			parts = append(parts, fmt.Sprintf("%q allows every country", Anywhere))
		}
	}
	s := strings.Join(parts, "; ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// aliases are codes people write for another: the UK's ISO code is GB,
// the EU writes Greece EL, and the eye groups are often written in digits.
var aliases = map[string]string{
	"UK":       "GB",
	"EL":       "GR",
	"USA":      "US",
	"5_EYES":   "FIVE_EYES",
	"9_EYES":   "NINE_EYES",
	"14_EYES":  "FOURTEEN_EYES",
	"ANYWHERE": Anywhere,
}

// suggest finds the code of one of kinds that was probably meant: the same
// code in other spelling ("de", "five eyes"), an alias ("UK"), a country's
// name ("Germany"), a law without its country ("CLOUD_ACT"), or a group
// or law ID one or two typos away. Two-letter codes are never guessed by
// edit distance: every code is one or two edits from dozens of others.
func suggest(code string, kinds []Kind) string {
	ok := func(c string) bool {
		j, found := lookup(c)
		return found && hasKind(kinds, j.Kind)
	}
	norm := strings.ToUpper(strings.TrimSpace(code))
	norm = strings.NewReplacer(" ", "_", "-", "_", ".", "_").Replace(norm)
	if norm != code && ok(norm) {
		return norm
	}
	if a, found := aliases[norm]; found && ok(a) {
		return a
	}
	name := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(code)), "the ")
	for _, c := range Countries() {
		if strings.ToLower(table.countries[c].Name) == name && ok(c) {
			return c
		}
	}
	for _, id := range Laws() {
		if strings.HasSuffix(id, "_"+norm) && ok(id) {
			return id
		}
	}
	if len(norm) <= 3 {
		return ""
	}
	best, bestDist := "", 3
	for _, id := range append(Groups(), Laws()...) {
		if d := levenshtein.Distance(norm, id, nil); d < bestDist && ok(id) {
			best, bestDist = id, d
		}
	}
	return best
}

// unknownCode is the error for a code that must be of kind.
func unknownCode(code string, kind Kind) error {
	_, err := Resolve(code, kind)
	return err
}
