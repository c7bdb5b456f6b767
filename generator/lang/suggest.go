package lang

import (
	"fmt"
	"sort"

	"github.com/agext/levenshtein"
)

// DidYouMean returns " Did you mean "x"?" for the option closest to given,
// or "" when nothing is close enough to be a plausible typo.
func DidYouMean(given string, options []string) string {
	if best := Closest(given, options); best != "" {
		return fmt.Sprintf(" Did you mean %q?", best)
	}
	return ""
}

// Closest returns the option closest to given, or "" when nothing is close
// enough to be a plausible typo (an edit distance of 3 or more).
func Closest(given string, options []string) string {
	best, bestDist := "", 3
	sorted := append([]string(nil), options...)
	sort.Strings(sorted)
	for _, option := range sorted {
		if dist := levenshtein.Distance(given, option, nil); dist < bestDist {
			best, bestDist = option, dist
		}
	}
	return best
}
