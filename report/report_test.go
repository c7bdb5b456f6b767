package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
)

// deployment has a stateful service at Hetzner with its required
// database, one at AWS (allowed by an override), a stateless one, and
// backups to Hetzner's object storage.
const deployment = `deployment "acme" {
  operator_country = "DE"
}
sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
  service "wiki" {
    forbidden_operator_law = []
  }
  service "proxy2" {
    forbidden_operator_law = []
  }
}
backup {
  repository = "s3:https://fsn1.your-objectstorage.com/acme<backups>"
}
provider "hetzner" "eu" {}
provider "aws" "frankfurt" {
  region = "eu-central-1"
}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
}
machine "web2" {
  provider = provider.aws.frankfurt
  location = "eu-central-1"
  size     = "t3.small"
}
service "cloud" {
  profile = "nextcloud"
  machine = machine.web1
  with    = { domain = "cloud.acme.example" }
}
service "wiki" {
  profile = "gotify"
  machine = machine.web2
  with    = { domain = "push.acme.example" }
}
service "proxy1" {
  profile = "reverse-proxy"
  machine = machine.web1
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy2" {
  profile = "reverse-proxy"
  machine = machine.web2
  with    = { acme_email = "hostmaster@acme.example" }
}
service "metrics" {
  profile = "prometheus-node-exporter"
  machine = machine.web1
}
`

func build(t *testing.T) *Report {
	t.Helper()
	return buildIn(t, t.TempDir())
}

func buildIn(t *testing.T, dir string) *Report {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(deployment), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	services, diags := generator.Services(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	secrets, diags := generator.Secrets(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return Build(dep, services, secrets, func(generator.HostSecret) string { return "missing" })
}

func service(t *testing.T, r *Report, name string) Service {
	t.Helper()
	for _, s := range r.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("the report has no service %q", name)
	return Service{}
}

func TestBuild(t *testing.T) {
	r := build(t)
	cloud := service(t, r, "cloud")
	if cloud.Data.Country != "DE" || cloud.Data.City != "Falkenstein" || !strings.HasPrefix(cloud.Data.Operator, "Hetzner") {
		t.Errorf("cloud's data: %+v", cloud.Data)
	}
	if len(cloud.Access) == 0 || cloud.Access[0].Country != "DE" {
		t.Errorf("cloud's access: %+v", cloud.Access)
	}
	for _, a := range cloud.Access {
		if a.Country == "US" {
			t.Errorf("nothing gives the US a claim on data Hetzner keeps in Germany: %+v", a)
		}
	}
	if cloud.Backup == nil || cloud.Backup.Data.Country != "DE" || len(cloud.Backup.Secrets) == 0 {
		t.Errorf("cloud's backup: %+v", cloud.Backup)
	}
	if !strings.Contains(cloud.Rule, "sovereignty policy") {
		t.Errorf("cloud's rule: %q", cloud.Rule)
	}
	var generated bool
	for _, s := range cloud.Secrets {
		if s.Source == generator.SourceGenerated && strings.Contains(s.Made, "generated on web1") && s.Ciphertext == "" {
			generated = true
		}
	}
	if !generated {
		t.Errorf("cloud's generated secrets: %+v", cloud.Secrets)
	}
	db := service(t, r, "postgresql")
	if db.RequiredBy != "cloud" || len(db.State) == 0 {
		t.Errorf("the database nextcloud requires: %+v", db)
	}

	wiki := service(t, r, "wiki")
	var cloudAct bool
	for _, a := range wiki.Access {
		if a.Country == "US" && a.Basis == "extraterritorial" && strings.Contains(a.Law, "CLOUD Act") {
			cloudAct = true
		}
	}
	if wiki.Data.Country != "DE" || !cloudAct {
		t.Errorf("data AWS keeps in Frankfurt is in Germany and within the CLOUD Act's reach: %+v %+v", wiki.Data, wiki.Access)
	}
	if !strings.Contains(wiki.Rule, "override for service wiki") {
		t.Errorf("wiki's rule: %q", wiki.Rule)
	}
	if len(wiki.Secrets) != 1 || wiki.Secrets[0].Status != "missing" || wiki.Secrets[0].Ciphertext != "secrets/web2/wiki.env.age" {
		t.Errorf("wiki's provided secret: %+v", wiki.Secrets)
	}

	metrics := service(t, r, "metrics")
	if len(metrics.State) != 0 || metrics.Backup != nil || !strings.Contains(metrics.Rule, "keeps no data") {
		t.Errorf("a stateless service: %+v", metrics)
	}
}

func TestFormats(t *testing.T) {
	dir := t.TempDir()
	r := buildIn(t, dir)
	for _, format := range Formats {
		var a, b bytes.Buffer
		if err := Write(&a, r, format); err != nil {
			t.Fatal(err)
		}
		if err := Write(&b, buildIn(t, dir), format); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two reports of one deployment differ", format)
		}
		for _, want := range []string{"cloud", "Falkenstein", "CLOUD Act", "secrets/web2/wiki.env.age"} {
			if !strings.Contains(a.String(), want) {
				t.Errorf("%s report lacks %q", format, want)
			}
		}
	}
	var js bytes.Buffer
	JSON(&js, r)
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Services) != len(r.Services) {
		t.Errorf("the JSON report does not read back: %v", err)
	}

	var page bytes.Buffer
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	// Self-contained: nothing fetched, nothing run.
	if regexp.MustCompile(`(?i)<script|<link|<img|<iframe|@import|url\(|(src|href)="(https?:)?//`).MatchString(html) {
		t.Error("the HTML page loads something from elsewhere or runs a script")
	}
	// Values are escaped: the repository's < > stay text.
	if strings.Contains(html, "acme<backups>") || !strings.Contains(html, "acme&lt;backups&gt;") {
		t.Error("the HTML page does not escape the repository")
	}
	var md bytes.Buffer
	Markdown(&md, r)
	// In Markdown the repository is a code span, where < > are literal.
	if !strings.Contains(md.String(), "`s3:https://fsn1.your-objectstorage.com/acme<backups>/web1`") {
		t.Error("the Markdown report does not show the repository as code")
	}
	if err := Write(&md, r, "pdf"); err == nil || !strings.Contains(err.Error(), "md, json, html") {
		t.Errorf("an unknown format: %v", err)
	}
}
