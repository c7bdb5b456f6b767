package config

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/sovereignty"
	"github.com/hashicorp/hcl/v2"
)

// policyCatalogue has a service with state that requires a database with
// state, and a stateless cache.
func policyCatalogue(t *testing.T) *profiles.Catalogue {
	t.Helper()
	cat, diags := profiles.Load(fstest.MapFS{
		"office/files.hcl": {Data: []byte(`
profile "files" {
  summary  = "Files with state"
  category = "office"
  module   = "services.nextcloud"
  requires = ["db"]
  state { paths = ["/var/lib/files"] }
  nixos = { "services.nextcloud.enable" = true }
}`)},
		"databases/db.hcl": {Data: []byte(`
profile "db" {
  summary  = "A database"
  category = "databases"
  module   = "services.postgresql"
  state { paths = ["/var/lib/db"] }
  nixos = { "services.postgresql.enable" = true }
}`)},
		"web/cache.hcl": {Data: []byte(`
profile "cache" {
  summary  = "A stateless cache"
  category = "web"
  module   = "services.memcached"
  nixos = { "services.memcached.enable" = true }
}`)},
	}, "testprofiles")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cat
}

// policyBase declares the providers and an EU, no-US-law policy; cases
// add machines, services, backups and overrides below it (or replace its
// sovereignty block through policy).
const policyBase = `deployment "acme" {
  operator_country = "DE"
}
provider "hetzner" "eu" {}
provider "aws" "frankfurt" { region = "eu-central-1" }
provider "baremetal" "office" {}
`

const euNoUS = `sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
}
`

// machine blocks, by name.
const (
	web1Hetzner = `machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
}
`
	web1AWS = `machine "web1" {
  provider = provider.aws.frankfurt
  location = "eu-central-1a"
  size     = "t3.small"
}
`
	nas1 = `machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
}
`
	filesOnWeb1 = `service "files" {
  profile = "files"
  machine = machine.web1
}
`
)

// lineOf is the file:line of the first line of src holding marker.
func lineOf(t *testing.T, src, marker string) string {
	t.Helper()
	i := strings.Index(src, marker)
	if i < 0 {
		t.Fatalf("no %q in the source", marker)
	}
	return "main.fc.hcl:" + strconv.Itoa(strings.Count(src[:i], "\n")+1)
}

// A wantDiag is an error a load should report.
type wantDiag struct {
	marker  string   // it is on the first line holding this
	summary string   // its summary
	detail  []string // what its detail says
}

func TestSovereigntyPolicy(t *testing.T) {
	type want = wantDiag
	tests := []struct {
		name string
		src  string
		want []want // nil: valid
	}{
		{
			name: "Hetzner in Falkenstein",
			src:  euNoUS + web1Hetzner + filesOnWeb1,
		},
		{
			name: "AWS in Frankfurt is in the EU but under the CLOUD Act",
			src:  euNoUS + web1AWS + filesOnWeb1,
			want: []want{{"provider = provider.aws", "Operator subject to a forbidden law", []string{
				`Machine "web1" holds the state of services "files" (files) and "db" (required by "files") and runs on provider.aws.frankfurt in Frankfurt, Germany (DE).`,
				"Amazon Web Services, Inc. of Seattle, whose home country is United States (US)",
				"the CLOUD Act (18 U.S.C. § 2713), which obliges the operator to hand over data",
				"wherever the data is stored",
				"FISA section 702 (50 U.S.C. § 1881a)",
				`This breaks forbidden_operator_law = ["US"] at main.fc.hcl:9.`,
				"hetzner (Hetzner Online GmbH)",
			}}},
		},
		{
			name: "Hetzner in Ashburn",
			src:  euNoUS + strings.Replace(web1Hetzner, `"fsn1"`, `"ash"`, 1) + filesOnWeb1,
			want: []want{{`location = "ash"`, "Data outside the allowed jurisdictions", []string{
				"The data would be in Ashburn, VA, United States (US), which is not in the European Union (EU).",
				`This breaks data_jurisdictions = ["EU"] at main.fc.hcl:8.`,
				"Locations of hetzner that the rule allows: fsn1 (Falkenstein, Germany (DE)), hel1 (Helsinki, Finland (FI)), nbg1 (Nuremberg, Germany (DE))",
			}}},
		},
		{
			name: "AWS in Virginia breaks both clauses",
			src: euNoUS + `provider "aws" "virginia" { region = "us-east-1" }
machine "web1" {
  provider = provider.aws.virginia
  location = "us-east-1"
  size     = "t3.small"
}
` + filesOnWeb1,
			want: []want{
				{"provider = provider.aws.virginia", "Operator subject to a forbidden law", []string{"CLOUD Act"}},
				{`location = "us-east-1"`, "Data outside the allowed jurisdictions", []string{"N. Virginia, United States (US)", "No location of aws is allowed"}},
			},
		},
		{
			name: "a stateless machine is not checked",
			src: euNoUS + web1AWS + `service "cache" {
  profile = "cache"
  machine = machine.web1
}
`,
		},
		{
			name: "bare metal outside the EU",
			src:  euNoUS + strings.Replace(nas1, `"DE"`, `"CH"`, 1) + strings.Replace(filesOnWeb1, "web1", "nas1", 1),
			want: []want{{`country  = "CH"`, "Data outside the allowed jurisdictions", []string{"Switzerland (CH)", "Put the machine in a country the rule allows"}}},
		},
		{
			name: "an override lets one service elsewhere, not what it requires",
			src: `sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
  service "files" {
    forbidden_operator_law = []
  }
}
` + web1AWS + filesOnWeb1,
			want: []want{{"provider = provider.aws", "Operator subject to a forbidden law", []string{
				`holds the state of service "db" (required by "files")`,
				`This breaks forbidden_operator_law = ["US"] at main.fc.hcl:9.`,
			}}},
		},
		{
			name: "overrides for the service and the profile it requires",
			src: `sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
  service "files" {
    forbidden_operator_law = []
  }
  service "db" {
    data_jurisdictions     = ["ANY"]
    forbidden_operator_law = []
  }
}
` + strings.Replace(web1AWS, "eu-central-1a", "eu-central-1b", 1) + filesOnWeb1,
		},
		{
			name: "an override stricter than the block",
			src: `sovereignty {
  data_jurisdictions = ["EU"]
  service "files" {
    data_jurisdictions = ["FI"]
  }
}
` + web1Hetzner + filesOnWeb1,
			want: []want{{`location = "fsn1"`, "Data outside the allowed jurisdictions", []string{
				`holds the state of service "files" (files)`,
				`data_jurisdictions = ["FI"] at main.fc.hcl:10 (the override of service "files")`,
				"hel1 (Helsinki, Finland (FI))",
			}}},
		},
		{
			name: "an override of no service",
			src: euNoUS[:len(euNoUS)-2] + `  service "fils" { data_jurisdictions = ["ANY"] }
}
` + web1Hetzner + filesOnWeb1,
			want: []want{{`service "fils"`, "Unknown service in sovereignty override", []string{`Did you mean "files"?`, "the deployment has: db, files."}}},
		},
		{
			name: "unknown codes",
			src: `sovereignty {
  data_jurisdictions     = ["EU", "de"]
  forbidden_operator_law = ["CLOUD_ACT"]
}
` + web1AWS + filesOnWeb1,
			want: []want{
				{`"de"`, "Unknown jurisdiction", []string{`In data_jurisdictions: "de" is not a country or group`, `Did you mean "DE" (Germany)?`}},
				{`"CLOUD_ACT"`, "Unknown jurisdiction", []string{`In forbidden_operator_law: "CLOUD_ACT"`, `Did you mean "US_CLOUD_ACT" (the CLOUD Act)?`}},
			},
		},
		{
			name: "a law where places go",
			src: `sovereignty {
  data_jurisdictions = ["US_CLOUD_ACT"]
}
`,
			want: []want{{`"US_CLOUD_ACT"`, "Unknown jurisdiction", []string{"is a law, the CLOUD Act, but only countries, groups and \"ANY\" are accepted here"}}},
		},
		{
			name: "data nowhere",
			src: `sovereignty {
  data_jurisdictions = []
}
`,
			want: []want{{"data_jurisdictions = []", "Empty data_jurisdictions", []string{`write ["ANY"] to allow anywhere`}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := policyBase + tt.src
			_, diags := load(t, map[string]string{"main.fc.hcl": src}, Options{Catalogue: policyCatalogue(t)})
			checkDiags(t, src, diags, tt.want)
		})
	}
}

// checkDiags compares the errors of a load with what is wanted, in order.
func checkDiags(t *testing.T, src string, diags hcl.Diagnostics, want []wantDiag) {
	t.Helper()
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d:\n%s", len(errs), len(want), errs.Error())
	}
	for i, w := range want {
		d := errs[i]
		// Positions in details are as the files were named: here in a
		// temporary directory.
		detail := strings.ReplaceAll(d.Detail, filepath.Dir(d.Subject.Filename)+string(filepath.Separator), "")
		if got, at := rangeAt(d.Subject), lineOf(t, src, w.marker); got != at || d.Summary != w.summary {
			t.Errorf("error %d: %s %q, want %s %q", i, got, d.Summary, at, w.summary)
		}
		for _, s := range w.detail {
			if !strings.Contains(detail, s) {
				t.Errorf("error %d does not say %q:\n%s", i, s, detail)
			}
		}
	}
}

// Bare metal is run by the deployment's organisation: its
// operator_country decides.
func TestSovereigntyOperatorCountry(t *testing.T) {
	filesOnNas1 := strings.Replace(filesOnWeb1, "web1", "nas1", 1)
	for _, tt := range []struct {
		name, deployment, src string
		want                  []wantDiag
	}{
		{
			name:       "a German organisation",
			deployment: `deployment "acme" { operator_country = "DE" }`,
			src:        euNoUS + nas1 + filesOnNas1,
		},
		{
			name:       "a US organisation",
			deployment: `deployment "acme" { operator_country = "US" }`,
			src:        euNoUS + nas1 + filesOnNas1,
			want: []wantDiag{{"provider = provider.baremetal", "Operator subject to a forbidden law", []string{
				"held by the deployment's organisation, whose home country is United States (US)",
				"the CLOUD Act",
				`Machine "nas1" holds the state of services "files" (files) and "db" (required by "files")`,
			}}},
		},
		{
			name:       "no operator_country",
			deployment: `deployment "acme" {}`,
			src:        euNoUS + nas1 + filesOnNas1,
			want: []wantDiag{{`deployment "acme"`, "Missing operator_country", []string{
				`Your organisation runs the bare-metal machines holding the state of machine "nas1" (services "files" (files) and "db" (required by "files")).`,
				`forbidden_operator_law = ["US"] at main.fc.hcl:`,
				`operator_country = "DE"`,
			}}},
		},
		{
			name:       "no operator_country, and no operator law forbidden",
			deployment: `deployment "acme" {}`,
			src:        "sovereignty {\n  data_jurisdictions = [\"EU\"]\n}\n" + nas1 + filesOnNas1,
		},
		{
			name:       "no operator_country, and only stateless services",
			deployment: `deployment "acme" {}`,
			src:        euNoUS + nas1 + "service \"cache\" {\n  profile = \"cache\"\n  machine = machine.nas1\n}\n",
		},
		{
			name:       "an unknown operator_country",
			deployment: `deployment "acme" { operator_country = "Deutschland" }`,
			src:        nas1,
			want:       []wantDiag{{`"Deutschland"`, "Invalid country", []string{`"Deutschland" is not a country that freecloud knows`}}},
		},
		{
			name:       "an unknown machine country",
			deployment: `deployment "acme" {}`,
			src:        strings.Replace(nas1, `"DE"`, `"UK"`, 1),
			want:       []wantDiag{{`"UK"`, "Invalid country", []string{`Did you mean "GB" (United Kingdom)?`}}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.deployment + "\n" + policyBase[strings.Index(policyBase, "provider"):] + tt.src
			dep, diags := load(t, map[string]string{"main.fc.hcl": src}, Options{Catalogue: policyCatalogue(t)})
			checkDiags(t, src, diags, tt.want)
			if tt.want == nil && strings.Contains(tt.deployment, "DE") && dep.OperatorCountry != "DE" {
				t.Errorf("operator_country %q", dep.OperatorCountry)
			}
		})
	}
}

// Backups are held to the rule of the data they copy, wherever the
// repository says it is, or its backup declares.
func TestSovereigntyBackups(t *testing.T) {
	machines := euNoUS + web1Hetzner + nas1 + filesOnWeb1 + `service "nas-files" {
  profile = "files"
  machine = machine.nas1
}
`
	backupOf := func(repo string, extra ...string) string {
		return "backup {\n  repository = \"" + repo + "\"\n" + strings.Join(extra, "") + "}\n"
	}
	for _, tt := range []struct {
		name, src string
		want      []wantDiag
	}{
		{
			name: "Hetzner Object Storage in Falkenstein",
			src:  machines + backupOf("s3:https://fsn1.your-objectstorage.com/acme"),
		},
		{
			name: "Amazon S3 in Frankfurt, once for both machines",
			src:  machines + backupOf("s3:s3.eu-central-1.amazonaws.com/acme"),
			want: []wantDiag{{"repository = ", "Backup held by an operator subject to a forbidden law", []string{
				`The backups of machine "nas1" (services "nas-files" (files) and "db" (required by "nas-files")) and machine "web1" (services "files" (files) and "db" (required by "files")) go to s3:s3.eu-central-1.amazonaws.com/acme/<machine> in Frankfurt, Germany (DE) (Amazon S3, by the repository's host name).`,
				"the CLOUD Act",
				`forbidden_operator_law = ["US"] at main.fc.hcl:9: backups are held to the rule of the data they copy`,
			}}},
		},
		{
			name: "Amazon S3 in London, over https",
			src:  machines + backupOf("s3:https://s3.eu-west-2.amazonaws.com/acme"),
			want: []wantDiag{
				{"repository = ", "Backup outside the allowed jurisdictions", []string{"London, United Kingdom (GB), which is not in the European Union (EU)"}},
				{"repository = ", "Backup held by an operator subject to a forbidden law", []string{"Amazon Web Services"}},
			},
		},
		{
			name: "a Storage Box does not say its country",
			src:  machines + backupOf("sftp:u123@u123.your-storagebox.de:/backups"),
			want: []wantDiag{{"repository = ", "Backup repository of unknown jurisdiction", []string{
				"freecloud cannot tell from it where it is.",
				`data_jurisdictions = ["EU"] at main.fc.hcl:8`,
				`Add country, an ISO 3166-1 alpha-2 code like "DE", to the backup.`,
			}}},
		},
		{
			name: "a Storage Box with its country",
			src:  machines + backupOf("sftp:u123@u123.your-storagebox.de:/backups", "  country = \"FI\"\n"),
		},
		{
			name: "an unknown host",
			src:  machines + backupOf("rest:https://backup.example.org:8000/"),
			want: []wantDiag{{"repository = ", "Backup repository of unknown jurisdiction", []string{"where it is or who holds it", `Add country, an ISO 3166-1 alpha-2 code like "DE", and operator, one of aws, hetzner or "self"`}}},
		},
		{
			name: "an unknown host, declared",
			src:  machines + backupOf("rest:https://backup.example.org:8000/", "  country = \"AT\"\n  operator = \"self\"\n"),
		},
		{
			name: "declared to be in the US",
			src:  machines + backupOf("rest:https://backup.example.org:8000/", "  country = \"US\"\n  operator = \"self\"\n"),
			want: []wantDiag{{`country = "US"`, "Backup outside the allowed jurisdictions", []string{"United States (US)"}}},
		},
		{
			name: "declared against what the host says",
			src:  machines + backupOf("s3:https://hel1.your-objectstorage.com/acme", "  country = \"DE\"\n  operator = \"aws\"\n"),
			want: []wantDiag{
				{`  country = "DE"`, "Backup country contradicts its repository", []string{"Helsinki, Finland (FI)"}},
				{`operator = "aws"`, "Backup operator contradicts its repository", []string{"Hetzner Online GmbH"}},
				{`operator = "aws"`, "Backup held by an operator subject to a forbidden law", []string{"Amazon Web Services"}},
			},
		},
		{
			name: "an unknown operator",
			src:  machines + backupOf("/srv/backup", "  operator = \"hetzer\"\n"),
			want: []wantDiag{{`operator = "hetzer"`, "Unknown backup operator", []string{`Did you mean "hetzner"?`, `"self"`}}},
		},
		{
			name: "to a machine of the deployment",
			src:  machines + backupOf("sftp:backup@nas1:/srv/restic"),
		},
		{
			name: "to a machine of the deployment, by address",
			src:  machines + backupOf("sftp://backup@203.0.113.7:2222//srv/restic"),
		},
		{
			name: "a machine's own backup, to AWS",
			src: strings.Replace(machines, `  size     = "cx22"
`, `  size     = "cx22"
  backup   = { repository = "s3:s3.us-east-1.amazonaws.com/web1" }
`, 1),
			want: []wantDiag{
				{`repository = "s3:s3.us-east-1`, "Backup outside the allowed jurisdictions", []string{`The backups of machine "web1" (services "files" (files) and "db" (required by "files")) go to s3:s3.us-east-1.amazonaws.com/web1 in N. Virginia, United States (US)`}},
				{`repository = "s3:s3.us-east-1`, "Backup held by an operator subject to a forbidden law", nil},
			},
		},
		{
			name: "an override lets a backup elsewhere with its data",
			src: `sovereignty {
  data_jurisdictions = ["EU"]
  service "files" { data_jurisdictions = ["ANY"] }
  service "db" { data_jurisdictions = ["ANY"] }
}
` + web1Hetzner + filesOnWeb1 + backupOf("s3:https://s3.us-west-2.amazonaws.com/acme"),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := policyBase + tt.src
			_, diags := load(t, map[string]string{"main.fc.hcl": src}, Options{Catalogue: policyCatalogue(t)})
			checkDiags(t, src, diags, tt.want)
		})
	}
}

// A bare-metal machine's own backup directory is where the machine is,
// run by the organisation: without operator_country it is asked for once.
func TestSovereigntyBackupSelfOperated(t *testing.T) {
	src := `deployment "acme" {}
provider "baremetal" "office" {}
` + euNoUS + nas1 + strings.Replace(filesOnWeb1, "web1", "nas1", 1) + `backup {
  repository = "/srv/backup"
}
`
	_, diags := load(t, map[string]string{"main.fc.hcl": src}, Options{Catalogue: policyCatalogue(t)})
	checkDiags(t, src, diags, []wantDiag{{`deployment "acme"`, "Missing operator_country", []string{"Your organisation runs the bare-metal machines and keeps the backups holding the state of machine \"nas1\""}}})
}

func TestBackupPlacement(t *testing.T) {
	src := policyBase + web1AWS + nas1 + `backup {
  repository = "sftp:nas1:/srv/restic"
}
`
	dep, diags := load(t, map[string]string{"main.fc.hcl": src}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, source := dep.BackupPlacement(dep.Machine("web1"))
	if p.String() != "Germany (DE)" || p.Operator.ID != sovereignty.Self || p.Operator.Country != "DE" || !strings.Contains(source, `machine "nas1"`) {
		t.Errorf("web1's backup: %+v, %q", p, source)
	}
	if p := dep.Placement(dep.Machine("web1")); p.String() != "Frankfurt, Germany (DE)" || p.Operator.ID != "aws" {
		t.Errorf("web1: %+v", p)
	}
}

func TestRepositoryHost(t *testing.T) {
	for repo, want := range map[string]string{
		"s3:https://fsn1.your-objectstorage.com/acme":  "fsn1.your-objectstorage.com",
		"s3:http://minio.local:9000/acme":              "minio.local",
		"s3:s3.eu-central-1.amazonaws.com/acme":        "s3.eu-central-1.amazonaws.com",
		"sftp:backup@nas.example.org:/srv/restic":      "nas.example.org",
		"sftp:nas1:/srv/restic":                        "nas1",
		"sftp:backup@[2001:db8::7]:/srv/restic":        "2001:db8::7",
		"sftp://backup@nas.example.org:2222//srv":      "nas.example.org",
		"rest:https://user@Backup.Example.org:8000/x/": "backup.example.org",
		"rest:http://10.0.0.5:8000/":                   "10.0.0.5",
		"/srv/restic":                                  "",
		"local:/srv/restic":                            "",
		"b2:bucket:path":                               "",
		"rclone:remote:path":                           "",
	} {
		if got := repositoryHost(repo); got != want {
			t.Errorf("repositoryHost(%q) = %q, want %q", repo, got, want)
		}
	}
}
