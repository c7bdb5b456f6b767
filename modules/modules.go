// Package modules holds the NixOS modules freecloud ships: base.nix (what
// every machine gets), secrets.nix (secrets generated on the host) and
// hardware/<provider>.nix (the provider layer of a host).
//
// The generator copies every file of FS into each generated flake under
// modules/, so a flake never refers back to freecloud (DESIGN.md,
// principle 1).
package modules

import "embed"

// FS holds the module sources, with paths relative to this directory
// (base.nix, hardware/hetzner.nix, ...).
//
//go:embed *.nix hardware/*.nix
var FS embed.FS
