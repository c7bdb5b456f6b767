package tests

// Checks of the repository's own flake (flake.nix, flake.lock): that it
// parses, pins the nixpkgs and disko the generator pins, exports every NixOS
// module and has the vendorHash that buildGoModule computes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/nix/nixtest"
	"github.com/freecloud/freecloud/profiles"
)

// repoRoot is the repository root: the tests run in tests/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRepoFlakeParses(t *testing.T) {
	nixtest.Require(t)
	nixtest.ParseFiles(t, repoRoot(t), "flake.nix")
}

// repoLock is the part of a flake.lock that the repository's lock must have.
// A node's input is the name of a node, or a "follows" path of input names.
type repoLock struct {
	Nodes map[string]struct {
		Inputs   map[string]any `json:"inputs"`
		Locked   map[string]any `json:"locked"`
		Original map[string]any `json:"original"`
	} `json:"nodes"`
	Root    string `json:"root"`
	Version int    `json:"version"`
}

func TestRepoFlakeLockPinsGeneratorInputs(t *testing.T) {
	data := readRepoFile(t, "flake.lock")
	var lock repoLock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&lock); err != nil {
		t.Fatalf("flake.lock: %v", err)
	}
	if lock.Version != 7 || lock.Root != "root" {
		t.Errorf("flake.lock: version %d, root %q; want 7, \"root\"", lock.Version, lock.Root)
	}
	var nodes []string
	for name := range lock.Nodes {
		nodes = append(nodes, name)
	}
	sort.Strings(nodes)
	if strings.Join(nodes, " ") != "disko nixpkgs root" {
		t.Errorf("flake.lock: nodes %v, want [disko nixpkgs root]", nodes)
	}
	if got := marshal(t, lock.Nodes["root"].Inputs); got != `{"disko":"disko","nixpkgs":"nixpkgs"}` {
		t.Errorf("flake.lock: root inputs %s, want disko and nixpkgs", got)
	}
	if got := marshal(t, lock.Nodes["nixpkgs"].Inputs); got != "null" {
		t.Errorf("flake.lock: nixpkgs has inputs %s, want none", got)
	}
	// disko uses the flake's nixpkgs, not a second one of its own.
	if got := marshal(t, lock.Nodes["disko"].Inputs); got != `{"nixpkgs":["nixpkgs"]}` {
		t.Errorf("flake.lock: disko inputs %s, want nixpkgs following the root's", got)
	}

	flake := readRepoFile(t, "flake.nix")
	for name, p := range map[string]generator.Pin{"nixpkgs": generator.Nixpkgs, "disko": generator.Disko} {
		wantLocked := map[string]any{
			"lastModified": json.Number(jsonInt(p.LastModified)),
			"narHash":      p.NarHash,
			"owner":        p.Owner,
			"repo":         p.Repo,
			"rev":          p.Rev,
			"type":         "github",
		}
		wantOriginal := map[string]any{
			"owner": p.Owner,
			"ref":   p.Ref,
			"repo":  p.Repo,
			"type":  "github",
		}
		node := lock.Nodes[name]
		if got, want := marshal(t, node.Locked), marshal(t, wantLocked); got != want {
			t.Errorf("flake.lock %s.locked:\n got %s\nwant %s (generator's pin)", name, got, want)
		}
		if got, want := marshal(t, node.Original), marshal(t, wantOriginal); got != want {
			t.Errorf("flake.lock %s.original:\n got %s\nwant %s (generator's pin)", name, got, want)
		}

		// The input URL must be the locked branch, or Nix would re-lock.
		m := regexp.MustCompile(`(?m)^\s*inputs\.` + name + `\.url\s*=\s*"([^"]*)"\s*;`).FindSubmatch(flake)
		if m == nil {
			t.Errorf(`flake.nix: no line inputs.%s.url = "..."; found`, name)
		} else if got := string(m[1]); got != p.URL() {
			t.Errorf("flake.nix: inputs.%s.url = %q, want %q", name, got, p.URL())
		}
	}
	if !regexp.MustCompile(`(?m)^\s*inputs\.disko\.inputs\.nixpkgs\.follows\s*=\s*"nixpkgs"\s*;`).Match(flake) {
		t.Errorf(`flake.nix: no line inputs.disko.inputs.nixpkgs.follows = "nixpkgs"; found`)
	}

	// Byte for byte what the generator writes into every generated flake,
	// which is also the way Nix writes lock files.
	if generated := generatedFlakeLock(t); !bytes.Equal(data, generated) {
		t.Errorf("flake.lock differs from the one generate writes:\n%s\nwant:\n%s", data, generated)
	}
}

// generatedFlakeLock generates the flake of a minimal deployment and returns
// its flake.lock.
func generatedFlakeLock(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte("deployment \"lockcheck\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		t.Fatalf("builtin profiles: %s", diags.Error())
	}
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
	if diags.HasErrors() {
		t.Fatalf("loading a minimal deployment: %s", diags.Error())
	}
	tree, diags := generator.Generate(dep, cat)
	if diags.HasErrors() {
		t.Fatalf("generating a minimal deployment: %s", diags.Error())
	}
	lock, ok := tree["flake.lock"]
	if !ok {
		t.Fatal("the generated flake has no flake.lock")
	}
	return lock
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// marshal encodes v with sorted keys, for comparing decoded JSON.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRepoVendorHash recomputes what buildGoModule's goModules derivation
// (nixpkgs pkgs/build-support/go/module.nix, proxyVendor = false) puts into
// its output: the vendor directory of `go mod vendor`, modules.txt
// included. Its NAR hash is the vendorHash.
func TestRepoVendorHash(t *testing.T) {
	nixtest.Require(t)
	nixBin, err := exec.LookPath("nix")
	if err != nil {
		t.Fatalf("nix-instantiate is installed but nix is not: %v", err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	root := repoRoot(t)

	m := regexp.MustCompile(`(?m)^\s*vendorHash\s*=\s*(null|"([^"]*)")\s*;`).FindAllSubmatch(readRepoFile(t, "flake.nix"), -1)
	if len(m) != 1 {
		t.Fatalf("flake.nix: want one vendorHash = ...; line, found %d", len(m))
	}
	written := string(m[0][1])
	if written != "null" {
		written = string(m[0][2])
	}

	// The derivation refuses a source that has its own vendor directory.
	if _, err := os.Stat(filepath.Join(root, "vendor")); err == nil {
		t.Fatal("the repository has a vendor/ directory: buildGoModule refuses it while vendorHash is set; remove it")
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vendor := filepath.Join(t.TempDir(), "vendor")
	cmd := exec.CommandContext(ctx, goBin, "mod", "vendor", "-o", vendor)
	cmd.Dir = root
	// The derivation's environment, except that the modules come from the
	// local module cache (filled by go mod download in tests/run) instead of
	// the network: a missing module fails at once rather than hanging.
	cmd.Env = append(os.Environ(),
		"GOFLAGS=-mod=vendor -trimpath",
		"GO111MODULE=on",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
		"GOPROXY=off",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		t.Fatalf("go mod vendor (offline, from the module cache; run go mod download first): %v\n%s", err, out)
	}

	want := "null"
	entries, err := os.ReadDir(vendor)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, nixBin, "--extra-experimental-features", "nix-command", "hash", "path", "--sri", vendor)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("nix hash path: %v\n%s", err, stderr.Bytes())
		}
		want = strings.TrimSpace(stdout.String())
		if !strings.HasPrefix(want, "sha256-") {
			t.Fatalf("nix hash path printed %q, want an SRI sha256 hash", want)
		}
	}
	if written != want {
		if want != "null" {
			want = `"` + want + `"`
		}
		t.Errorf("flake.nix has vendorHash = %s, but the Go dependencies hash to %s (go mod vendor of %s): update vendorHash in flake.nix to\n\tvendorHash = %s;", m[0][1], want, runtime.Version(), want)
	}
}

// TestRepoFlakeExportsEveryModule evaluates the flake's nixosModules (no
// nixpkgs is needed for that, and disko is a stand-in) and checks that every
// .nix file under modules/ is exported under its name (hardware/<p>.nix as
// hardware-<p>), together with disko's NixOS module when it lays out a disk
// with hardware/disko.nix, and that modules/default.nix, what every machine
// imports, imports every module that is not a provider layer.
func TestRepoFlakeExportsEveryModule(t *testing.T) {
	nixtest.Require(t)
	root := repoRoot(t)

	want := map[string]string{}
	modDir := filepath.Join(root, "modules")
	err := filepath.WalkDir(modDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".nix" {
			return err
		}
		rel, err := filepath.Rel(modDir, path)
		if err != nil {
			return err
		}
		name := strings.ReplaceAll(strings.TrimSuffix(filepath.ToSlash(rel), ".nix"), "/", "-")
		want[name] = path
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no .nix files under modules/")
	}

	expr := `let
  flake = import ` + nixString(filepath.Join(root, "flake.nix")) + `;
  # Only nixosModules is forced, and it needs no nixpkgs.
  out = flake.outputs {
    self = out;
    nixpkgs = throw "nixosModules must not depend on nixpkgs";
    disko.nixosModules.disko = "` + diskoStandIn + `";
  };
  str = v: if builtins.isPath v then [ (toString v) ] else map toString (v.imports or [ ]);
in
builtins.mapAttrs (name: str) out.nixosModules // {
  "(default.nix imports)" = str (import ` + nixString(filepath.Join(root, "modules", "default.nix")) + `);
}
`
	file := filepath.Join(t.TempDir(), "modules.nix")
	if err := os.WriteFile(file, []byte(expr), 0o644); err != nil {
		t.Fatal(err)
	}
	var got map[string][]string
	if err := json.Unmarshal(nixtest.EvalJSON(t, file), &got); err != nil {
		t.Fatal(err)
	}

	var common []string
	for name, path := range want {
		if !strings.HasPrefix(name, "hardware-") && name != "default" {
			common = append(common, path)
		}
	}
	slices.Sort(common)
	imported := slices.Sorted(slices.Values(got["(default.nix imports)"]))
	if !slices.Equal(imported, common) {
		t.Errorf("modules/default.nix imports %v, want every module but the hardware layers: %v", imported, common)
	}
	delete(got, "(default.nix imports)")

	for name, path := range want {
		paths, ok := got[name]
		wantPaths := []string{path}
		if layout, err := usesDiskLayout(path); err != nil {
			t.Fatal(err)
		} else if layout {
			wantPaths = []string{diskoStandIn, path}
		}
		switch {
		case !ok:
			t.Errorf("flake.nix: nixosModules has no %q (for %s)", name, relTo(root, path))
		case !slices.Equal(paths, wantPaths):
			t.Errorf("flake.nix: nixosModules.%s is %v, want %v", name, paths, wantPaths)
		}
	}
	for name, paths := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("flake.nix: nixosModules.%s (%v) is not a file under modules/", name, paths)
		}
		for _, p := range paths {
			if p == diskoStandIn {
				continue
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("flake.nix: nixosModules.%s: %v", name, err)
			}
		}
	}
}

// diskoStandIn stands for disko's NixOS module when the flake's
// nixosModules are evaluated without fetching disko.
const diskoStandIn = "<disko.nixosModules.disko>"

// usesDiskLayout tells whether the module at path is freecloud's boot-disk
// layout (modules/hardware/disko.nix, which sets disko's options) or
// imports it: then the flake must export it together with disko's module.
func usesDiskLayout(path string) (bool, error) {
	if filepath.Base(path) == "disko.nix" {
		return true, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return regexp.MustCompile(`(?s)imports\s*=\s*\[[^\]]*\./disko\.nix`).Match(data), nil
}

// nixString quotes s as a Nix string.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `${`, `\${`)
	return `"` + r.Replace(s) + `"`
}

func relTo(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}
