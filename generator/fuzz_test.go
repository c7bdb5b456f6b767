package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
)

// FuzzLoadAndGenerate feeds arbitrary deployment files through the whole
// pipeline with the real catalogue. Whatever the input, the result is
// diagnostics or a flake, never a panic; every error has a summary; and a
// flake that comes out prints the same twice.
//
// The seed corpus runs with the normal tests; fuzz further with
// go test ./generator -run '^$' -fuzz FuzzLoadAndGenerate
func FuzzLoadAndGenerate(f *testing.F) {
	quickstart, err := os.ReadFile("../examples/quickstart/main.fc.hcl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(quickstart), false)
	f.Add(testDeployment, false)
	f.Add(`deployment "x" {}`, false)
	f.Add(`{"deployment": {"x": {}}, "locals": {"a": "${local.a}"}}`, true)
	f.Add(`deployment "x" {}
locals {
  a = [for i in range(3) : "${i}"]
  b = try(local.c, "fallback")
}`, false)
	f.Add(`deployment "x" {}
provider "hetzner" "eu" {}
machine "m" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size = "cx22"
  disks = [{name = "d", size = -1}]
}
service "s" {
  profile = "nextcloud"
  machine = machine.m
  with = { domain = "\u0000${"$"}{x}''", max_upload = 1 }
}`, false)
	f.Add("deployment \"x\" {\n  description = <<EOT\n${var.x}\nEOT\n}\nvariable \"x\" { sensitive = true\n default = \"s\" }", false)
	f.Add("machine \"\xff\" {}", false)

	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		f.Fatal(diags.Error())
	}
	// One directory per worker process, rewritten for every input: the
	// fuzzer runs this thousands of times a second.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src string, json bool) {
		name, other := "main.fc.hcl", "main.fc.json"
		if json {
			name, other = other, name
		}
		_ = os.Remove(filepath.Join(dir, other))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
		checkDiagnostics(t, diags)
		if diags.HasErrors() {
			return
		}
		tree, diags := Generate(dep, cat)
		checkDiagnostics(t, diags)
		if diags.HasErrors() {
			if tree != nil {
				t.Fatal("a tree came out despite errors")
			}
			return
		}
		again, _ := Generate(dep, cat)
		for _, p := range tree.Paths() {
			if string(tree[p]) != string(again[p]) {
				t.Fatalf("%s differs between two generations", p)
			}
		}
	})
}

func checkDiagnostics(t *testing.T, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if strings.TrimSpace(d.Summary) == "" {
			t.Fatalf("diagnostic without a summary: %#v", d)
		}
	}
}
