package generator

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
)

func TestHealthChecks(t *testing.T) {
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := t.TempDir()
	conf := `deployment "acme" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
}
service "push" {
  profile = "gotify"
  machine = machine.nas1
  with    = { domain = "push.acme.example", port = 8071 }
}
service "metrics" {
  profile = "prometheus-node-exporter"
  machine = machine.nas1
}
service "reverse-proxy" {
  profile = "reverse-proxy"
  machine = machine.nas1
  with    = { acme_email = "ops@acme.example" }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	checks, diags := HealthChecks(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := []HealthCheck{
		{Service: "metrics", Unit: "prometheus-node-exporter.service"},
		{Service: "push", Unit: "gotify-server.service", URL: "http://127.0.0.1:8071/health"},
	}
	if got := checks["nas1"]; !reflect.DeepEqual(got, want) {
		t.Errorf("checks of nas1:\n got %+v\nwant %+v", got, want)
	}
}
