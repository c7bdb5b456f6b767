package profiles

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// OptionsFile is the name of the files that record the NixOS options the
// profiles set, as checked against the nixpkgs sources: one at the top of
// the catalogue and one per category directory.
const OptionsFile = "nixos-options.json"

// An OptionInfo is what was checked about one NixOS option.
type OptionInfo struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	// Freeform marks an option whose value is free-form settings: any path
	// below it is accepted.
	Freeform bool `json:"freeform,omitempty"`
}

// OptionsData is the union of the options files read.
type OptionsData struct {
	// Nixpkgs says which nixpkgs revision each file was checked against,
	// by file.
	Nixpkgs map[string]map[string]string
	Options map[string]OptionInfo
	root    *optionNode
}

type optionNode struct {
	children map[string]*optionNode
	freeform bool
}

// Wildcard in an option path stands for any attribute name.
const Wildcard = "<name>"

// BuiltinOptions reads the options files embedded with the catalogue.
func BuiltinOptions() (*OptionsData, error) {
	data := &OptionsData{Nixpkgs: map[string]map[string]string{}, Options: map[string]OptionInfo{}}
	return data, data.addFS(builtin, "profiles")
}

// AddDir adds the options files of a profile directory (an author's).
func (d *OptionsData) AddDir(dir string) error {
	return d.addFS(os.DirFS(dir), dir)
}

func (d *OptionsData) addFS(fsys fs.FS, prefix string) error {
	names, _ := fs.Glob(fsys, "*/"+OptionsFile)
	if _, err := fs.Stat(fsys, OptionsFile); err == nil {
		names = append([]string{OptionsFile}, names...)
	}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		var file struct {
			Nixpkgs map[string]string     `json:"nixpkgs"`
			Options map[string]OptionInfo `json:"options"`
		}
		if err := json.Unmarshal(src, &file); err != nil {
			return fmt.Errorf("%s: %w", path.Join(prefix, name), err)
		}
		d.Nixpkgs[path.Join(prefix, name)] = file.Nixpkgs
		for opt, info := range file.Options {
			if _, err := SplitOptionPath(opt); err != nil {
				return fmt.Errorf("%s: option %q: %w", path.Join(prefix, name), opt, err)
			}
			d.Options[opt] = info
		}
	}
	d.root = nil
	return nil
}

// Covers tells whether a path a profile sets is a recorded option, lies
// below a free-form one, or leads to recorded options (an attribute set
// that is merely opened, like virtualHosts."x" = { }).
func (d *OptionsData) Covers(p []string) bool {
	if d.root == nil {
		d.build()
	}
	var walk func(n *optionNode, rest []string) bool
	walk = func(n *optionNode, rest []string) bool {
		if n.freeform || len(rest) == 0 {
			return true
		}
		if c := n.children[rest[0]]; c != nil && walk(c, rest[1:]) {
			return true
		}
		if c := n.children[Wildcard]; c != nil && walk(c, rest[1:]) {
			return true
		}
		return false
	}
	return walk(d.root, p)
}

func (d *OptionsData) build() {
	d.root = &optionNode{children: map[string]*optionNode{}}
	for opt, info := range d.Options {
		parts, _ := SplitOptionPath(opt)
		n := d.root
		for _, part := range parts {
			// <name>, <path>, <config-name>…: nixpkgs' placeholders for an
			// attribute set's keys all match any name.
			if strings.HasPrefix(part, "<") && strings.HasSuffix(part, ">") {
				part = Wildcard
			}
			c := n.children[part]
			if c == nil {
				c = &optionNode{children: map[string]*optionNode{}}
				n.children[part] = c
			}
			n = c
		}
		n.freeform = n.freeform || info.Freeform
	}
}

// SplitOptionPath splits a dotted option path, where a segment may be a
// quoted string holding dots: boot.kernel.sysctl."net.ipv4.ip_forward".
func SplitOptionPath(p string) ([]string, error) {
	var parts []string
	for len(p) > 0 {
		var part string
		if p[0] == '"' {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			part, p = p[1:end+1], p[end+2:]
		} else if i := strings.IndexByte(p, '.'); i >= 0 {
			part, p = p[:i], p[i:]
		} else {
			part, p = p, ""
		}
		if part == "" {
			return nil, fmt.Errorf("empty segment")
		}
		parts = append(parts, part)
		if p != "" {
			if p[0] != '.' || len(p) == 1 {
				return nil, fmt.Errorf("expected a dot between segments")
			}
			p = p[1:]
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return parts, nil
}
