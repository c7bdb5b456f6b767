package generator

// A Pin is a locked GitHub flake input.
type Pin struct {
	Owner        string `json:"owner"`
	Repo         string `json:"repo"`
	Ref          string `json:"ref"`
	Rev          string `json:"rev"`
	NarHash      string `json:"narHash"`
	LastModified int64  `json:"lastModified"`
}

// Nixpkgs is the nixpkgs every generated flake is locked to: the
// nixos-26.05 head of 2026-07-19. The revision, narHash and lastModified are
// the ones that independent flake.lock files (nix-community/nixos-anywhere,
// nix-community/nixos-images, finitecomputer/finite-mono) agree on; see
// README.md. The repository's own flake.lock pins the same node, and a test
// keeps the two equal.
var Nixpkgs = Pin{
	Owner:        "NixOS",
	Repo:         "nixpkgs",
	Ref:          "nixos-26.05",
	Rev:          "fd1462031fdee08f65fd0b4c6b64e22239a77870",
	NarHash:      "sha256-n3gKTBIV4ZA5VQpUakffBe3KGu4+mhPoA34rrqS0GkA=",
	LastModified: 1784432872,
}

// URL is the flake input URL of the pin's branch.
func (p Pin) URL() string {
	return "github:" + p.Owner + "/" + p.Repo + "/" + p.Ref
}

// flakeLock is a version 7 flake.lock with nixpkgs as the only input.
func flakeLock() []byte {
	type locked struct {
		LastModified int64  `json:"lastModified"`
		NarHash      string `json:"narHash"`
		Owner        string `json:"owner"`
		Repo         string `json:"repo"`
		Rev          string `json:"rev"`
		Type         string `json:"type"`
	}
	type original struct {
		Owner string `json:"owner"`
		Ref   string `json:"ref"`
		Repo  string `json:"repo"`
		Type  string `json:"type"`
	}
	p := Nixpkgs
	lock := map[string]any{
		"nodes": map[string]any{
			"nixpkgs": map[string]any{
				"locked":   locked{p.LastModified, p.NarHash, p.Owner, p.Repo, p.Rev, "github"},
				"original": original{p.Owner, p.Ref, p.Repo, "github"},
			},
			"root": map[string]any{"inputs": map[string]string{"nixpkgs": "nixpkgs"}},
		},
		"root":    "root",
		"version": 7,
	}
	return jsonFile(lock)
}
