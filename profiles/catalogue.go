package profiles

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// builtin is the catalogue shipped inside the binary: profiles/<category>/<name>.hcl.
//
//go:embed */*.hcl nixos-options.json */nixos-options.json
var builtin embed.FS

// A Catalogue is a set of profiles by name, together with the parsed files
// they came from so diagnostics can quote them.
type Catalogue struct {
	profiles map[string]*Profile
	files    map[string]*hcl.File
}

// Builtin loads the catalogue embedded in the binary.
func Builtin() (*Catalogue, hcl.Diagnostics) {
	return Load(builtin, "profiles")
}

// Load reads every <category>/<name>.hcl in fsys. prefix is put before the
// paths in diagnostics (the directory the files live in).
func Load(fsys fs.FS, prefix string) (*Catalogue, hcl.Diagnostics) {
	c := &Catalogue{profiles: map[string]*Profile{}, files: map[string]*hcl.File{}}
	diags := c.add(fsys, prefix)
	diags = append(diags, c.checkRequires()...)
	return c, diags
}

// WithDir returns a catalogue in which the profiles found in dir (laid out
// like the catalogue) replace or extend c. It is how profile authors try a
// profile before contributing it.
func (c *Catalogue) WithDir(dir string) (*Catalogue, hcl.Diagnostics) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return c, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Profile directory not found",
			Detail:   fmt.Sprintf("--profiles %s is not a directory. It holds <category>/<name>.hcl files.", dir),
		}}
	}
	merged := &Catalogue{profiles: map[string]*Profile{}, files: map[string]*hcl.File{}}
	for name, p := range c.profiles {
		merged.profiles[name] = p
	}
	for name, f := range c.files {
		merged.files[name] = f
	}
	diags := merged.add(os.DirFS(dir), dir)
	diags = append(diags, merged.checkRequires()...)
	return merged, diags
}

func (c *Catalogue) add(fsys fs.FS, prefix string) hcl.Diagnostics {
	names, err := fs.Glob(fsys, "*/*.hcl")
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot list profiles", Detail: err.Error()}}
	}
	sort.Strings(names)
	parser := hclparse.NewParser()
	var diags hcl.Diagnostics
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read profile", Detail: err.Error()})
			continue
		}
		display := path.Join(prefix, name)
		file, d := parser.ParseHCL(src, display)
		c.files[display] = file
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		p, d := decodeFile(file, name)
		diags = append(diags, d...)
		if p != nil && !d.HasErrors() {
			c.profiles[p.Name] = p
		}
	}
	return diags
}

// checkRequires makes sure every required profile exists, so a missing one
// is reported against the profile that names it, not against the operator's
// service.
func (c *Catalogue) checkRequires() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range c.Names() {
		p := c.profiles[name]
		for _, req := range p.AllRequires() {
			if _, ok := c.profiles[req]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown required profile",
					Detail: fmt.Sprintf("Profile %q requires %q (named in requires, or needed by a web route or a database), which is not in the catalogue.%s",
						p.Name, req, lang.DidYouMean(req, c.Names())),
					Subject: p.DeclRange.Ptr(),
				})
			}
		}
	}
	return diags
}

// Lookup returns the profile with the given name.
func (c *Catalogue) Lookup(name string) (*Profile, bool) {
	p, ok := c.profiles[name]
	return p, ok
}

// Names returns the profile names, sorted.
func (c *Catalogue) Names() []string {
	names := make([]string, 0, len(c.profiles))
	for name := range c.profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Files returns the parsed profile files by display path, for rendering
// diagnostics with source snippets.
func (c *Catalogue) Files() map[string]*hcl.File {
	return c.files
}
