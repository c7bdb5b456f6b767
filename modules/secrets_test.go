package modules

import (
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator/nix/nixtest"
	"github.com/freecloud/freecloud/profiles"
)

// harness evaluates secrets.nix without nixpkgs, which the tests do not
// have, with nixStubLib as lib. It returns the module's config with mkIf
// resolved.
const harness = `{ module, secrets, ciphertexts, generateHostKeys ? true, assertionsOnly ? false }:
let
  lib = ` + nixStubLib + `;
  pkgs = { age = "/nix/store/stub-age"; coreutils = "/nix/store/stub-coreutils"; };
  eval = config: import module { inherit config lib pkgs; };
  options = (eval (throw "the options need no config")).options.freecloud;
  defaults = lib.mapAttrs (n: o: o.default) options.secrets.type.elemType.elemType.options;
  config = {
    freecloud.secrets = lib.mapAttrs (service: lib.mapAttrs (name: s: defaults // s)) secrets;
    freecloud.secretsCiphertexts = ciphertexts;
    services.openssh.generateHostKeys = generateHostKeys;
  };
  result = (eval config).config;
  content = if result.condition then result.content else { };
in
# NixOS builds nothing when an assertion fails; neither does the harness.
if assertionsOnly then { inherit (content) assertions; } else content
`

// moduleConfig is what the harness returns.
type moduleConfig struct {
	Assertions []struct {
		Assertion bool   `json:"assertion"`
		Message   string `json:"message"`
	} `json:"assertions"`
	Systemd struct {
		Services map[string]unitConfig `json:"services"`
		Mounts   []struct {
			What, Where, Type, Options string
		} `json:"mounts"`
	} `json:"systemd"`
}

type unitConfig struct {
	Before, RequiredBy, Requires, After, Wants, Path []string
	Script                                           string
	ServiceConfig                                    map[string]any `json:"serviceConfig"`
}

// evalSecrets evaluates secrets.nix with freecloud.secrets set to secrets
// (missing options take their defaults) and secretsCiphertexts to
// ciphertexts (an absolute directory, or "" for null). It returns the
// config and its JSON text.
func evalSecrets(t *testing.T, secrets map[string]map[string]map[string]any, ciphertexts string) (moduleConfig, string) {
	return evalModule(t, secrets, ciphertexts, false)
}

// evalModule is evalSecrets, or with assertionsOnly only the assertions,
// for configurations NixOS would refuse before building anything.
func evalModule(t *testing.T, secrets map[string]map[string]map[string]any, ciphertexts string, assertionsOnly bool) (moduleConfig, string) {
	t.Helper()
	nixtest.Require(t)
	dir := t.TempDir()
	module, err := filepath.Abs("secrets.nix")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(secrets)
	if err != nil {
		t.Fatal(err)
	}
	ct := "null"
	if ciphertexts != "" {
		ct = "/. + " + strconvQuote(ciphertexts)
	}
	files := map[string]string{
		"harness.nix":  harness,
		"secrets.json": string(data),
		"case.nix": `import ./harness.nix {
  module = /. + ` + strconvQuote(module) + `;
  secrets = builtins.fromJSON (builtins.readFile ./secrets.json);
  ciphertexts = ` + ct + `;
  assertionsOnly = ` + strconv.FormatBool(assertionsOnly) + `;
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := nixtest.EvalJSON(t, filepath.Join(dir, "case.nix"))
	var c moduleConfig
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return c, string(out)
}

// strconvQuote writes s as a Nix string; the paths of tests need no
// escapes beyond these.
func strconvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`).Replace(s) + `"`
}

func failedAssertions(c moduleConfig) []string {
	var out []string
	for _, a := range c.Assertions {
		if !a.Assertion {
			out = append(out, a.Message)
		}
	}
	return out
}

// plaintext is what the test ciphertexts decrypt to; it must never show in
// the evaluated configuration.
const plaintext = "correct horse battery staple"

// writeCiphertext writes a stand-in for an age file (see fakeAge) sealed to
// the identity recipient.
func writeCiphertext(t *testing.T, dir, file, recipient string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	text := "-----BEGIN AGE ENCRYPTED FILE-----\n" + recipient + "\n" + plaintext + "\n-----END AGE ENCRYPTED FILE-----\n"
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSecretsModuleUnits(t *testing.T) {
	cipherDir := filepath.Join(t.TempDir(), "secrets", "web1")
	writeCiphertext(t, cipherDir, "git.smtp_password.age", "host-ed25519")
	c, text := evalSecrets(t, map[string]map[string]map[string]any{
		"cloud": {"admin_password": {"generate": "password", "owner": "nextcloud", "before": []string{"nextcloud-setup.service"}}},
		"git": {
			"smtp_password": {"provided": true, "owner": "forge", "before": []string{"forge.service"}},
			"missing":       {"provided": true},
		},
		"nomad": {"rpc": {"shared": true, "before": []string{"nomad.service"}}},
	}, cipherDir)
	if failed := failedAssertions(c); len(failed) > 0 {
		t.Fatalf("assertions failed: %v", failed)
	}

	// The unit and the marker are what freecloud secrets rotate uses.
	gen, ok := c.Systemd.Services[strings.TrimSuffix(profiles.SecretUnit("cloud", "admin_password"), ".service")]
	if !ok {
		t.Fatalf("no unit %s in %v", profiles.SecretUnit("cloud", "admin_password"), c.Systemd.Services)
	}
	for _, want := range []string{
		"file=" + profiles.SecretsDir + "/cloud/admin_password",
		"marker=" + profiles.RotateMarker("cloud", "admin_password"),
		"rm -f /var/lib/freecloud/secrets/cloud/.admin_password.tmp.*",
		"mktemp /var/lib/freecloud/secrets/cloud/.admin_password.tmp.XXXXXX",
		"chown nextcloud:root",
	} {
		if !strings.Contains(gen.Script, want) {
			t.Errorf("generated secret's script lacks %q:\n%s", want, gen.Script)
		}
	}
	if gen.ServiceConfig["StateDirectory"] != "freecloud/secrets/cloud" || gen.ServiceConfig["ProtectSystem"] != "strict" {
		t.Errorf("generated secret's serviceConfig: %v", gen.ServiceConfig)
	}
	if strings.Join(gen.RequiredBy, " ") != "nextcloud-setup.service" || strings.Join(gen.Before, " ") != "nextcloud-setup.service" {
		t.Errorf("generated secret: before %v, requiredBy %v", gen.Before, gen.RequiredBy)
	}
	if len(gen.Requires) != 0 || strings.Contains(strings.Join(gen.Path, " "), "age") {
		t.Errorf("a generated secret needs neither the ramfs nor age: requires %v, path %v", gen.Requires, gen.Path)
	}

	// A provided secret whose ciphertext is there decrypts its store copy.
	prov := c.Systemd.Services["freecloud-secret-git-smtp_password"]
	if !strings.Contains(prov.Script, "file="+(&profiles.Secret{Name: "smtp_password", Provided: true}).Path("git")+"\n") {
		t.Errorf("the provided secret is not where profiles.Secret.Path says:\n%s", prov.Script)
	}
	store := regexp.MustCompile(`ciphertext=/nix/store/[0-9a-z]{32}-git\.smtp_password\.age\n`)
	if !store.MatchString(prov.Script) {
		t.Errorf("provided secret's script does not decrypt the ciphertext's store path:\n%s", prov.Script)
	}
	for _, want := range []string{
		"file=/run/freecloud/secrets/git/smtp_password",
		"mktemp /run/freecloud/secrets/git/.smtp_password.tmp.XXXXXX",
		"/etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_rsa_key",
		`age --decrypt "${identities[@]}" "$ciphertext" 2>&1 > "$tmp"`,
		`is not sealed to this host'\''s key: run '\''freecloud secrets rekey'\'' and deploy again`,
		"stat -f -c %T /run/freecloud/secrets",
		"chown forge:root",
	} {
		if !strings.Contains(prov.Script, want) {
			t.Errorf("provided secret's script lacks %q:\n%s", want, prov.Script)
		}
	}
	if strings.Contains(prov.Script, "/var/lib/") {
		t.Errorf("a provided secret touches the disk:\n%s", prov.Script)
	}
	if got := strings.Join(prov.Requires, " "); got != "run-freecloud-secrets.mount" {
		t.Errorf("provided secret requires %v", prov.Requires)
	}
	if got := strings.Join(prov.After, " "); got != "run-freecloud-secrets.mount sshd-keygen.service" {
		t.Errorf("provided secret is after %v, want the ramfs and sshd-keygen.service", prov.After)
	}
	if got := strings.Join(prov.Wants, " "); got != "sshd-keygen.service" {
		t.Errorf("provided secret wants %v", prov.Wants)
	}
	if got := strings.Join(prov.Path, " "); got != "/nix/store/stub-age /nix/store/stub-coreutils" {
		t.Errorf("provided secret's path: %v", prov.Path)
	}
	if rw, _ := json.Marshal(prov.ServiceConfig["ReadWritePaths"]); string(rw) != `["/run/freecloud/secrets"]` || prov.ServiceConfig["StateDirectory"] != nil {
		t.Errorf("provided secret's serviceConfig: %v", prov.ServiceConfig)
	}

	// One without a ciphertext fails, naming the command, and refers to
	// no store path.
	missing := c.Systemd.Services["freecloud-secret-git-missing"]
	if !strings.Contains(missing.Script, "secret git/missing was not provided: run '\\''freecloud secrets set git missing'\\'' and deploy again") {
		t.Errorf("missing secret's script:\n%s", missing.Script)
	}
	if strings.Contains(missing.Script, "/nix/store/") || strings.Contains(missing.Script, "age --decrypt") {
		t.Errorf("missing secret's script refers to a ciphertext:\n%s", missing.Script)
	}
	// A shared one is decrypted the same way.
	if shared := c.Systemd.Services["freecloud-secret-nomad-rpc"]; !strings.Contains(shared.Script, "secret nomad/rpc was not provided") || shared.Requires[0] != "run-freecloud-secrets.mount" {
		t.Errorf("shared secret:\n%s", shared.Script)
	}

	if len(c.Systemd.Mounts) != 1 {
		t.Fatalf("mounts: %+v", c.Systemd.Mounts)
	}
	if m := c.Systemd.Mounts[0]; m.What != "ramfs" || m.Type != "ramfs" || m.Where != "/run/freecloud/secrets" || !strings.HasPrefix(m.Options, "mode=0711,") {
		t.Errorf("mount: %+v", m)
	}

	// Nothing of the value, or of its ciphertext, is in the configuration:
	// the units only name the ciphertext's store path.
	for _, bad := range []string{plaintext, "host-ed25519", "BEGIN AGE", "Environment", "LoadCredential"} {
		if strings.Contains(text, bad) {
			t.Errorf("the evaluated configuration contains %q:\n%s", bad, text)
		}
	}
}

// No ciphertext directory, or one that does not exist, still evaluates:
// the secrets are reported missing on the host. Nothing is mounted when
// no secret is decrypted.
func TestSecretsModuleWithoutCiphertexts(t *testing.T) {
	for name, dir := range map[string]string{"null": "", "absent directory": filepath.Join(t.TempDir(), "secrets", "nope")} {
		t.Run(name, func(t *testing.T) {
			c, _ := evalSecrets(t, map[string]map[string]map[string]any{"backup": {"password": {"provided": true}}}, dir)
			if s := c.Systemd.Services["freecloud-secret-backup-password"].Script; !strings.Contains(s, "was not provided") {
				t.Errorf("script:\n%s", s)
			}
		})
	}
	c, _ := evalSecrets(t, map[string]map[string]map[string]any{"cloud": {"key": {"generate": "hex"}}}, "")
	if len(c.Systemd.Mounts) != 0 {
		t.Errorf("a host without decrypted secrets mounts %+v", c.Systemd.Mounts)
	}
}

func TestSecretsModuleAssertions(t *testing.T) {
	for name, s := range map[string]map[string]any{
		"generated and provided": {"generate": "hex", "provided": true},
		"shared and generated":   {"generate": "hex", "shared": true},
		"shared and provided":    {"shared": true, "provided": true},
		"no source":              {},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := evalModule(t, map[string]map[string]map[string]any{"svc": {"x": s}}, "", true)
			if failed := failedAssertions(c); len(failed) != 1 || !strings.Contains(failed[0], "exactly one of them") {
				t.Errorf("failed assertions: %v", failed)
			}
		})
	}
}

// sandbox runs a unit's script with bash in a directory standing for the
// host: the secrets directories, the SSH host keys and the tools age and
// stat (whose file system type for the ramfs is $FAKE_FSTYPE) are moved
// below it.
type sandbox struct {
	sandboxDir
	env []string
}

// fakeAge decrypts the stand-in ciphertexts of writeCiphertext: the line
// after the armor header names the one identity (a file holding that
// name) that may open it. It logs its arguments, which the test checks for
// the value.
const fakeAge = `#!/usr/bin/env bash
set -eu
echo "$*" >> "$SANDBOX/age.args"
ids=(); in=""
while [ $# -gt 0 ]; do
  case "$1" in
  --decrypt) ;;
  -i) ids+=("$(cat "$2")"); shift ;;
  *) in="$1" ;;
  esac
  shift
done
recipient=$(sed -n 2p "$in")
for id in "${ids[@]}"; do
  if [ "$id" = "$recipient" ]; then sed -n 3p "$in"; exit 0; fi
done
echo "age: error: no identity matched any of the recipients" >&2
exit 1
`

// fakeStat tells the file system type $FAKE_FSTYPE (ramfs by default) and
// hands everything else to the real stat, REAL_STAT.
const fakeStat = `#!/usr/bin/env bash
if [ "$1" = -f ]; then echo "${FAKE_FSTYPE:-ramfs}"; exit 0; fi
exec REAL_STAT "$@"
`

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	for _, d := range []string{"bin", "var", "run", "etc/ssh"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	realStat, err := exec.LookPath("stat")
	if err != nil {
		t.Skip("stat not found")
	}
	for name, text := range map[string]string{"age": fakeAge, "stat": strings.Replace(fakeStat, "REAL_STAT", realStat, 1)} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &sandbox{sandboxDir: sandboxDir{t: t, root: root}, env: []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "SANDBOX=" + root}}
}

// run runs script with the host's paths moved into the sandbox; it returns
// stderr and whether the script succeeded.
func (s *sandbox) run(script string, env ...string) (string, bool) {
	s.t.Helper()
	script = strings.NewReplacer(
		"/var/lib/freecloud/secrets", s.path("var"),
		"/run/freecloud/secrets", s.path("run"),
		"/etc/ssh/", s.path("etc/ssh")+"/",
	).Replace(script)
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(append(os.Environ(), s.env...), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			s.t.Fatal(err)
		}
	}
	return stderr.String(), err == nil
}

func (s *sandbox) touch(p string) {
	s.t.Helper()
	if err := os.WriteFile(s.path(p), nil, 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// owner is the current user and group, which chown accepts without
// privileges.
func owner(t *testing.T) (string, string) {
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Skip(err)
	}
	return u.Username, g.Name
}

func TestGeneratedSecretScript(t *testing.T) {
	usr, grp := owner(t)
	c, _ := evalSecrets(t, map[string]map[string]map[string]any{"cloud": {
		"admin_password": {"generate": "password", "length": 40, "owner": usr, "group": grp, "mode": "0440"},
		"app_key":        {"generate": "base64", "env": "APP_KEY", "prefix": "base64:"},
	}}, "")
	script := c.Systemd.Services["freecloud-secret-cloud-admin_password"].Script
	sb := newSandbox(t)
	// systemd's StateDirectory= makes the directory before the script runs.
	if err := os.MkdirAll(sb.path("var/cloud"), 0o711); err != nil {
		t.Fatal(err)
	}
	start := func() string {
		t.Helper()
		if stderr, ok := sb.run(script); !ok {
			t.Fatalf("the unit failed: %s", stderr)
		}
		return sb.read("var/cloud/admin_password")
	}

	first := start()
	if !regexp.MustCompile(`^[A-Za-z0-9]{40}$`).MatchString(first) {
		t.Errorf("password %q: want 40 letters and digits, no newline", first)
	}
	if fi, _ := os.Stat(sb.path("var/cloud/admin_password")); fi.Mode().Perm() != 0o440 {
		t.Errorf("mode %v, want 0440", fi.Mode().Perm())
	}
	if again := start(); again != first {
		t.Error("a second start replaced the secret")
	}

	// Rotation: the marker gets a new value and is gone afterwards.
	sb.touch("var/cloud/.admin_password.rotate")
	rotated := start()
	if rotated == first || len(rotated) != 40 {
		t.Errorf("rotation: %q after %q", rotated, first)
	}
	if sb.exists("var/cloud/.admin_password.rotate") {
		t.Error("the rotation marker survived the rotation")
	}
	if again := start(); again != rotated {
		t.Error("the start after a rotation rotated again")
	}

	// A crash's temporary file goes; the value stays.
	sb.touch("var/cloud/.admin_password.tmp.AbC123")
	if again := start(); again != rotated {
		t.Error("a leftover temporary file changed the value")
	}
	if sb.exists("var/cloud/.admin_password.tmp.AbC123") {
		t.Error("the leftover temporary file is still there")
	}
	// Cleaning up after a crash keeps the marker: the rotation asked for
	// still happens.
	sb.touch("var/cloud/.admin_password.tmp.XyZ789")
	sb.touch("var/cloud/.admin_password.rotate")
	if again := start(); again == rotated {
		t.Error("the rotation marker was lost with the temporary file")
	}
	if sb.exists("var/cloud/.admin_password.tmp.XyZ789") || sb.exists("var/cloud/.admin_password.rotate") {
		t.Error("leftovers after a rotation")
	}
	entries, _ := os.ReadDir(sb.path("var/cloud"))
	if len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}

	// env and prefix: one assignment line for an environment file.
	if stderr, ok := sb.run(c.Systemd.Services["freecloud-secret-cloud-app_key"].Script); !ok {
		t.Fatal(stderr)
	}
	if key := sb.read("var/cloud/app_key"); !regexp.MustCompile(`^APP_KEY=base64:[A-Za-z0-9+/]{43}=\n$`).MatchString(key) {
		t.Errorf("app_key %q", key)
	}
}

func TestDecryptedSecretScript(t *testing.T) {
	usr, grp := owner(t)
	cipherDir := filepath.Join(t.TempDir(), "secrets", "web1")
	writeCiphertext(t, cipherDir, "git.smtp.age", "host-ed25519")
	writeCiphertext(t, cipherDir, "git.old.age", "host-rsa")
	writeCiphertext(t, cipherDir, "git.other.age", "another-host")
	c, _ := evalSecrets(t, map[string]map[string]map[string]any{"git": {
		"smtp":    {"provided": true, "owner": usr, "group": grp, "mode": "0440"},
		"old":     {"provided": true},
		"other":   {"provided": true},
		"missing": {"provided": true},
	}}, cipherDir)
	// nix-instantiate --eval names a file's store path without copying it
	// there; the sandbox reads the file itself.
	storePath := regexp.MustCompile(`/nix/store/[0-9a-z]{32}-`)
	script := func(name string) string {
		return storePath.ReplaceAllLiteralString(c.Systemd.Services["freecloud-secret-git-"+name].Script, cipherDir+"/")
	}
	sb := newSandbox(t)
	for key, id := range map[string]string{"ssh_host_ed25519_key": "host-ed25519", "ssh_host_rsa_key": "host-rsa"} {
		if err := os.WriteFile(sb.path("etc/ssh/"+key), []byte(id), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Decrypted into the ramfs, with owner and mode, nothing else left.
	sb.touch("run/.keep")
	if stderr, ok := sb.run(script("smtp")); !ok {
		t.Fatalf("the unit failed: %s", stderr)
	}
	if got := sb.read("run/git/smtp"); got != plaintext+"\n" {
		t.Errorf("decrypted %q", got)
	}
	if fi, _ := os.Stat(sb.path("run/git/smtp")); fi.Mode().Perm() != 0o440 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(sb.path("run/git")); fi.Mode().Perm() != 0o711 {
		t.Errorf("directory mode %v", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(sb.path("run/git")); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	// Every start decrypts again, over the previous file.
	if stderr, ok := sb.run(script("smtp")); !ok || sb.read("run/git/smtp") != plaintext+"\n" {
		t.Errorf("second start: %s", stderr)
	}
	if args := sb.read("age.args"); strings.Contains(args, plaintext) || !strings.Contains(args, sb.path("etc/ssh/ssh_host_ed25519_key")) {
		t.Errorf("age ran with %q", args)
	}

	// The rsa key when that is what the ciphertext was sealed to.
	if stderr, ok := sb.run(script("old")); !ok || sb.read("run/git/old") != plaintext+"\n" {
		t.Errorf("rsa: %s", stderr)
	}

	for _, tt := range []struct {
		name, secret string
		env          []string
		want         string
	}{
		{"sealed to another host", "other", nil, "secret git/other is not sealed to this host's key: run 'freecloud secrets rekey' and deploy again"},
		{"not provided", "missing", nil, "secret git/missing was not provided: run 'freecloud secrets set git missing' and deploy again"},
		{"not on a ramfs", "smtp", []string{"FAKE_FSTYPE=ext2/ext3"}, "is not a ramfs; refusing to decrypt onto it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.RemoveAll(sb.path("run/git/" + tt.secret)); err != nil {
				t.Fatal(err)
			}
			stderr, ok := sb.run(script(tt.secret), tt.env...)
			if ok || !strings.Contains(stderr, tt.want) {
				t.Errorf("ok %v, stderr %q; want a failure saying %q", ok, stderr, tt.want)
			}
			if sb.exists("run/git/" + tt.secret) {
				t.Error("a file was left")
			}
			if entries, _ := filepath.Glob(sb.path("run/git/.*.tmp.*")); len(entries) > 0 {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}

	// Without any host key there is nothing to decrypt with.
	for _, key := range []string{"ssh_host_ed25519_key", "ssh_host_rsa_key"} {
		if err := os.Remove(sb.path("etc/ssh/" + key)); err != nil {
			t.Fatal(err)
		}
	}
	if stderr, ok := sb.run(script("smtp")); ok || !strings.Contains(stderr, "this host has no SSH host key") {
		t.Errorf("no host key: ok %v, %q", ok, stderr)
	}
}
