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

// Disko is the disko (declarative partitioning, the tool nixos-anywhere
// installs with) every generated flake is locked to, with its nixpkgs
// following the flake's own: the master head of 2026-06-11. Revision,
// narHash and lastModified are those of the "disko" node of
// nix-community/nixos-anywhere's flake.lock at commit 0ef0fa48 (the same
// lock the nixpkgs pin agrees with); that commit was not available to hash
// here, see README.md. Each machine's nixosSystem gets its NixOS module,
// which turns the boot-disk layout of modules/hardware/disko.nix into
// config.system.build.diskoScript for the installer. The repository's own
// flake.lock pins the same node.
var Disko = Pin{
	Owner:        "nix-community",
	Repo:         "disko",
	Ref:          "master",
	Rev:          "ff8702b4de27f72b4c78573dfb89ec74e36abdf1",
	NarHash:      "sha256-RxWs5ND31KzTG7wvMM+PMfUjyNpmIEr999lqNARaM5o=",
	LastModified: 1781152676,
}

// URL is the flake input URL of the pin's branch.
func (p Pin) URL() string {
	return "github:" + p.Owner + "/" + p.Repo + "/" + p.Ref
}

// flakeLock is a version 7 flake.lock with two inputs, nixpkgs and disko,
// disko's own nixpkgs following the root's ("follows" is written as the
// input path, as Nix writes it).
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
	node := func(p Pin) map[string]any {
		return map[string]any{
			"locked":   locked{p.LastModified, p.NarHash, p.Owner, p.Repo, p.Rev, "github"},
			"original": original{p.Owner, p.Ref, p.Repo, "github"},
		}
	}
	disko := node(Disko)
	disko["inputs"] = map[string][]string{"nixpkgs": {"nixpkgs"}}
	lock := map[string]any{
		"nodes": map[string]any{
			"disko":   disko,
			"nixpkgs": node(Nixpkgs),
			"root":    map[string]any{"inputs": map[string]string{"disko": "disko", "nixpkgs": "nixpkgs"}},
		},
		"root":    "root",
		"version": 7,
	}
	return jsonFile(lock)
}
