package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
)

// BenchmarkReport200 loads a deployment of 200 machines under a policy,
// each with Nextcloud (and the PostgreSQL and reverse proxy it brings),
// and renders its report in every format: what `freecloud report` costs.
func BenchmarkReport200(b *testing.B) {
	var conf strings.Builder
	conf.WriteString(`deployment "big" {}
sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
}
backup {
  repository = "s3:https://fsn1.your-objectstorage.com/big"
}
provider "hetzner" "eu" {}
`)
	for i := range 200 {
		fmt.Fprintf(&conf, `machine "m%d" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
}
service "proxy%d" {
  profile = "reverse-proxy"
  machine = machine.m%d
  with    = { acme_email = "a@big.example" }
}
service "cloud%d" {
  profile = "nextcloud"
  machine = machine.m%d
  with    = { domain = "c%d.big.example" }
}
`, i, i, i, i, i, i)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(conf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cat, _ := profiles.Builtin()
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		services, _ := generator.Services(dep, cat)
		secrets, _ := generator.Secrets(dep, cat)
		r := Build(dep, services, secrets, func(generator.HostSecret) string { return "current" })
		for _, f := range Formats {
			if err := Write(io.Discard, r, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}
