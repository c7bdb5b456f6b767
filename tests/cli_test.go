// Package tests holds freecloud's end-to-end scenarios: testscript files
// (scripts/*.txtar) that run the real CLI on real directories, and the
// commands those scripts use to compare generated trees and to check them
// with the real Nix parser.
package tests

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/cmd/freecloud/cli"
	"github.com/freecloud/freecloud/providers/aws/ec2fake"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"freecloud": func() { os.Exit(cli.Run(os.Args[1:])) },
	})
}

func TestScripts(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// One fake Hetzner API serves every script; each uses its own
	// deployment name, so the label selectors keep them apart.
	fake := hcloudfake.New(t, hcloudfake.Options{ActionDuration: 20 * time.Millisecond})
	ec2 := ec2fake.New(t, ec2fake.Options{OperationTime: 20 * time.Millisecond})
	ec2.SetQuota("elastic_ip", -1)
	testscript.Run(t, testscript.Params{
		Dir: "scripts",
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			// Keep the scripts independent of the developer's machine.
			env.Setenv("NO_COLOR", "1")
			env.Setenv("HCLOUD_ENDPOINT", fake.URL())
			env.Setenv("HCLOUD_TOKEN", fake.Token())
			env.Setenv("HCLOUD_POLL_INTERVAL", "10ms")
			env.Values["fake"] = fake
			awsEnv(env.Setenv, env.WorkDir, ec2)
			env.Values["ec2"] = ec2
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"cptree":   cpTree,
			"cmptree":  cmpTree,
			"difftree": diffTree,
			"nixparse": nixParse,
			"hcloud":   hcloudObjects,
			"ec2":      ec2Objects,
		},
	})
}

// cptree SRC DST copies a directory tree.
func cpTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cptree SRC DST")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	files, err := readTree(src)
	ts.Check(err)
	for rel, data := range files {
		full := filepath.Join(dst, rel)
		ts.Check(os.MkdirAll(filepath.Dir(full), 0o755))
		ts.Check(os.WriteFile(full, data, 0o644))
	}
}

// cmptree A B succeeds when both trees hold the same files, byte for byte.
func cmpTree(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmptree DIR1 DIR2")
	}
	diff := treeDifferences(ts, args[0], args[1])
	if neg && len(diff) == 0 {
		ts.Fatalf("%s and %s are identical", args[0], args[1])
	}
	if !neg && len(diff) > 0 {
		ts.Fatalf("%s and %s differ in: %s", args[0], args[1], strings.Join(diff, " "))
	}
}

// difftree A B FILE... succeeds when exactly the listed files differ
// between the two trees (present in one only, or with other content).
func diffTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: difftree DIR1 DIR2 [FILE...]")
	}
	got := treeDifferences(ts, args[0], args[1])
	want := append([]string(nil), args[2:]...)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		ts.Fatalf("differences between %s and %s:\n  got:  %s\n  want: %s", args[0], args[1], strings.Join(got, " "), strings.Join(want, " "))
	}
}

func treeDifferences(ts *testscript.TestScript, a, b string) []string {
	ta, err := readTree(ts.MkAbs(a))
	ts.Check(err)
	tb, err := readTree(ts.MkAbs(b))
	ts.Check(err)
	var diff []string
	for p, data := range ta {
		if other, ok := tb[p]; !ok || !bytes.Equal(data, other) {
			diff = append(diff, p)
		}
	}
	for p := range tb {
		if _, ok := ta[p]; !ok {
			diff = append(diff, p)
		}
	}
	sort.Strings(diff)
	return diff
}

func readTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	return files, err
}

// hcloud KIND DEPLOYMENT prints the names of the fake Hetzner API's
// objects of a kind labelled with the deployment, one a line, sorted, so
// a script can compare them with cmp; "(none)" when there are none.
func hcloudObjects(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: hcloud KIND DEPLOYMENT")
	}
	fake := ts.Value("fake").(*hcloudfake.Fake)
	var names []string
	for _, o := range fake.Objects(args[0]) {
		if o.Labels["freecloud/deployment"] == args[1] {
			names = append(names, o.Name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		// Something is always printed, so stdout is this command's.
		names = []string{"(none)"}
	}
	for _, n := range names {
		fmt.Fprintln(ts.Stdout(), n)
	}
}

// awsEnv points AWS's standard configuration chain at a fake EC2 and
// nowhere else: its credentials, its region and endpoint, no shared
// config files of the developer's, no instance metadata service.
func awsEnv(setenv func(k, v string), dir string, fake *ec2fake.Fake) {
	setenv("AWS_ENDPOINT_URL_EC2", fake.URL())
	setenv("AWS_ACCESS_KEY_ID", fake.AccessKeyID())
	setenv("AWS_SECRET_ACCESS_KEY", fake.SecretAccessKey())
	setenv("AWS_REGION", fake.Region())
	setenv("AWS_CONFIG_FILE", filepath.Join(dir, ".aws-config-none"))
	setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, ".aws-credentials-none"))
	setenv("AWS_EC2_METADATA_DISABLED", "true")
	setenv("FREECLOUD_AWS_POLL_INTERVAL", "5ms")
}

// ec2 KIND DEPLOYMENT prints the deployment's objects of a kind at the
// fake EC2, one per line; instances as "name state type zone".
func ec2Objects(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ec2 KIND DEPLOYMENT")
	}
	fake := ts.Value("ec2").(*ec2fake.Fake)
	var lines []string
	for _, o := range fake.Objects(args[0]) {
		if o.Tags["freecloud:deployment"] != args[1] {
			continue
		}
		line := o.Tags["freecloud:name"]
		if inst, ok := fake.Instance(o.ID); ok {
			if inst.State == "terminated" {
				continue
			}
			line = fmt.Sprintf("%s %s %s %s", line, inst.State, inst.Type, inst.Zone)
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		lines = []string{"(none)"}
	}
	for _, l := range lines {
		fmt.Fprintln(ts.Stdout(), l)
	}
}

// nixparse DIR parses every .nix file under DIR with the real Nix parser.
// Without Nix the script is skipped, except on CI, where that is a failure.
func nixParse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nixparse DIR")
	}
	bin, err := exec.LookPath("nix-instantiate")
	if err != nil {
		if os.Getenv("CI") == "true" {
			ts.Fatalf("nix-instantiate is not installed; on CI that is a failure (apt-get install nix-bin)")
		}
		ts.Logf("nix-instantiate is not installed: parse check of %s not done (apt-get install nix-bin)", args[0])
		return
	}
	files, err := readTree(ts.MkAbs(args[0]))
	ts.Check(err)
	var paths []string
	for rel := range files {
		if strings.HasSuffix(rel, ".nix") {
			paths = append(paths, filepath.Join(ts.MkAbs(args[0]), rel))
		}
	}
	if len(paths) == 0 {
		ts.Fatalf("no .nix files under %s", args[0])
	}
	sort.Strings(paths)
	out, err := exec.Command(bin, append([]string{"--parse"}, paths...)...).CombinedOutput()
	if err != nil {
		ts.Fatalf("nix-instantiate --parse failed: %v\n%s", err, out)
	}
	fmt.Fprintf(ts.Stdout(), "%d .nix files parse\n", len(paths))
}
