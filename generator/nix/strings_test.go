package nix

import (
	"math/rand/v2"
	"strings"
)

// nastyStrings are hand-picked strings that exercise every corner of Nix's
// string lexer. They seed the fuzz targets and the checks against real Nix.
var nastyStrings = []string{
	"", "a", " ", "\n", "\n\n", "a\n", "\na\n",
	"${", "$${", "\\${", "$$${x}", "${x}", "\\$", "$\\", "$\"", "$'", "$", "a$", "$$", "$\n", "$\n${\n",
	"'", "''", "'''", "''''", "'''''", "''${", "'${", "'''${", "''\n", "'\n", "a'", "'a'", "it's\n", "''\\", "''\\n\n",
	"'$", "'$\n", "''$\n", "'$${\n", "${'\n", "'${x}\n", "'''${\n", "a'${b}'\n", "x\n'${\n", "$'${\n",
	"\\", "\\\\", "a\\", "\\n", "\\\n", "\"", "\"\"", "\\\"",
	"\r", "\r\n", "a\r\nb\r\n", "\ra\n", "\t", "\ta\n\tb\n", "a\tb\n",
	"  leading\nspaces\n", "  all\n  indented\n", "x\n  y\n    z\n", "\n\nblank first\n",
	"a\n\nb\n", "a\n   \nb\n", "a\n  \n", "   \n", "  \n\n", "a\n \t\nb\n", "\t\n", " \tx\ny\n",
	"no newline\nat end", "ends with spaces\n  ", "x\n''",
	"it's", "a-b", "_x'", "or", "with", "true", "__curPos", "1a", "a.b",
	"ünïcödé", "日本語\n", "emoji 😀🎉\n", "e\u0301\u0302 combining", "\u200b zero width", "\ufeffbom", "\u2028line sep\u2029",
	"\x01\x02\x1f\x7f", "\x1b[31mred\x1b[0m\n",
	"#!/bin/sh\nset -eu\necho \"${HOME}\" '$PATH' ''\nexit 0\n",
	strings.Repeat("long line ", 2000),
	strings.Repeat("${'\\\"\n", 500),
	strings.Repeat("x'\n", 1000),
}

// specialPieces are the characters and sequences that matter to Nix's
// string lexers, mixed into random strings much more often than they occur
// in real text.
var specialPieces = []string{
	"$", "{", "}", "${", "'", "''", "'${", "''${", "\\", "\\${", "\"", "\n", "\n", "\n  ", "\r", "\t", " ", " ",
	"a", "Z", "0", "#", "é", "😀", "\u0301", "\x01", "\x7f",
}

// randomStrings returns n strings of special pieces, deterministically
// from seed.
func randomStrings(seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(specialPieces[rng.IntN(len(specialPieces))])
		}
		if rng.IntN(2) == 0 {
			b.WriteString("\n") // multi-line strings ending in a newline can be indented
		}
		out[i] = b.String()
	}
	return out
}
