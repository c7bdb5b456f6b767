package tests

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
	"github.com/freecloud/freecloud/tests/sshhost"
	"golang.org/x/crypto/ssh"
)

// TestSecretsNeverLeak runs a deployment's whole life with canary values
// for every kind of secret — the provider's API token, a sensitive
// variable, values the operator provides — then looks for them in every
// file freecloud wrote (the deployment directory, the generated flake, the
// operator's home, the host's files), in everything it printed and in
// every request the provider's API received. A canary may only be inside
// age ciphertext (and the token in the Authorization header the API needs).
// The hosts' secrets must still be usable: the host decrypts its
// ciphertexts with its own key.
func TestSecretsNeverLeak(t *testing.T) {
	canary := func(what string) string {
		var b [12]byte
		rand.Read(b[:])
		return "CANARY-" + what + "-" + hex.EncodeToString(b[:])
	}
	token := canary("token")
	variable := canary("variable")
	pushEnv := "GOTIFY_DEFAULTUSER_PASS=" + canary("provided")
	backupPassword := canary("backup")
	canaries := []string{token, variable, pushEnv, backupPassword}

	fake := hcloudfake.New(t, hcloudfake.Options{Token: token, ActionDuration: 10 * time.Millisecond})
	api := newRecordingProxy(t, fake.URL())
	h := sshhost.Start(t)
	h.BecomeDebian()
	op := newOperator(t, h, "HCLOUD_ENDPOINT="+api.URL()+"/v1", "HCLOUD_TOKEN="+token, "HCLOUD_POLL_INTERVAL=10ms",
		"FREECLOUD_VAR_smtp_password="+variable)

	recovery, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	identity := filepath.Join(op.home, "recovery.agekey")
	if err := os.WriteFile(identity, []byte(recovery.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(h.ClientKey.PublicKey())))
	op.write(fmt.Sprintf(`deployment "canary" {
  recovery_recipients = [%q]
}
variable "smtp_password" {
  type      = string
  sensitive = true
}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
  admins   = [%q]
  address  = "127.0.0.1"
  port     = %d
  user     = %q
}
backup {
  repository = "sftp:backup@127.0.0.1:/srv/backup"
  country    = "DE"
  operator   = "self"
}
service "proxy" {
  profile = "reverse-proxy"
  machine = machine.web1
  with    = { acme_email = "hostmaster@canary.example" }
}
service "push" {
  profile = "gotify"
  machine = machine.web1
  with    = { domain = "push.canary.example" }
}
service "dash" {
  profile = "grafana"
  machine = machine.web1
  with    = { domain = "dash.canary.example" }
}
output "smtp" {
  value     = var.smtp_password
  sensitive = true
}
`, recovery.Recipient().String(), admin, h.Port, h.User))

	var printed bytes.Buffer
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, code := op.runInput(h, stdin, args...)
		printed.WriteString(out)
		if code != 0 {
			t.Fatalf("freecloud %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	run("", "validate")
	run("", "generate", "--out", filepath.Join(op.dir, "out"))
	// Before the machine exists, the values are sealed to the recovery
	// recipient only.
	run(pushEnv+"\n", "secrets", "set", "push", "env")
	run(backupPassword, "secrets", "set", "backup", "password")
	out := run("", "plan")
	for _, want := range []string{"push/env is not sealed to the host key the machine will have", "secrets rekey"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan does not say %q:\n%s", want, out)
		}
	}
	run("", "apply", "--auto-approve", "--installer", op.installer())
	// Now the host has a key: seal to it with the recovery identity and
	// deploy the new ciphertexts.
	out = run("", "secrets", "list")
	if !strings.Contains(out, "stale") {
		t.Errorf("secrets list does not show the ciphertexts sealed before the install as stale:\n%s", out)
	}
	run("", "apply", "--auto-approve", "--identity", identity)
	out = run("", "secrets", "list", "--format", "json")
	if strings.Contains(out, "stale") || strings.Contains(out, "missing") {
		t.Errorf("after apply --identity every ciphertext is current:\n%s", out)
	}
	run("", "plan", "--detailed-exitcode")

	// A generated secret is rotated on the host: freecloud leaves the
	// marker its unit looks for and restarts the unit, which restarts
	// what reads it. (The stand-in's systemctl plays the unit.)
	generated := "var/lib/freecloud/secrets/dash/admin_password"
	if err := os.MkdirAll(filepath.Join(h.Root, filepath.Dir(generated)), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.Root, generated), []byte("made-on-the-host"), 0o400); err != nil {
		t.Fatal(err)
	}
	out = run("", "secrets", "rotate", "dash", "admin_password")
	for _, want := range []string{"web1: made a new dash/admin_password", "grafana.service: active"} {
		if !strings.Contains(out, want) {
			t.Errorf("rotate does not say %q:\n%s", want, out)
		}
	}
	if h.Exists("var/lib/freecloud/secrets/dash/.admin_password.rotate") {
		t.Error("the rotation marker is left on the host")
	}
	if !strings.Contains(strings.Join(h.Commands(), "\n"), "systemctl restart freecloud-secret-dash-admin_password.service") {
		t.Errorf("rotate did not restart the secret's unit: %q", h.Commands())
	}
	// A host whose unit knows no rotation keeps the marker: refused, and
	// the marker is removed so that no later boot rotates unasked.
	h.On("systemctl restart *", sshhost.Reply{})
	out, code := op.runInput(h, "", "secrets", "rotate", "dash", "admin_password")
	op.expect(out, code, 1, "did not make a new value of dash/admin_password", "run freecloud apply, then rotate again")
	if h.Exists("var/lib/freecloud/secrets/dash/.admin_password.rotate") {
		t.Error("a failed rotation leaves its marker")
	}
	out, code = op.runInput(h, "", "secrets", "rotate", "push", "env")
	op.expect(out, code, 1, "push/env on web1 is provided by the operator", "freecloud secrets set push env")

	run("", "state", "list")
	run("", "state", "show", "host.web1")
	for _, format := range []string{"md", "json", "html"} {
		run("", "report", "--format", format, "--out", filepath.Join(op.dir, "report."+format))
		run("", "report", "--format", format)
	}

	// The host can use what it got: its own key opens its ciphertexts.
	hostKey, err := os.ReadFile(h.HostKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	hostIdentity, err := agessh.ParseIdentity(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"push.env.age": pushEnv, "backup.password.age": backupPassword} {
		sealed := h.ReadFile(filepath.Join("var/lib/freecloud/flake/secrets/web1", file))
		r, err := age.Decrypt(armor.NewReader(bytes.NewReader(sealed)), hostIdentity)
		if err != nil {
			t.Fatalf("the host cannot open its %s: %v", file, err)
		}
		got, _ := io.ReadAll(r)
		if string(got) != want {
			t.Errorf("%s holds %q, want %q", file, got, want)
		}
	}

	// Nothing anywhere holds a canary in clear, nor encoded.
	leaks := func(where string, data []byte) {
		t.Helper()
		for _, c := range canaries {
			for _, enc := range []string{c, base64.StdEncoding.EncodeToString([]byte(c)), hex.EncodeToString([]byte(c)), url.QueryEscape(c)} {
				if bytes.Contains(data, []byte(enc)) {
					t.Errorf("%s holds canary %s", where, c)
				}
			}
		}
	}
	leaks("freecloud's output", printed.Bytes())
	for _, root := range []string{op.dir, op.home, h.Root} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			if path == identity {
				return nil // the operator's recovery key, theirs to keep
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil // a socket or a file the stand-in keeps to itself
			}
			leaks(path, data)
			return nil
		})
	}
	requests := api.requests()
	if len(requests) == 0 {
		t.Fatal("the API received no requests")
	}
	for i, r := range requests {
		if got := r.Header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("request %d (%s %s): Authorization %q, want the bearer token", i, r.Method, r.URL, got)
		}
		r.Header.Del("Authorization")
		var head bytes.Buffer
		r.Header.Write(&head)
		leaks(fmt.Sprintf("request %d (%s %s)", i, r.Method, r.URL), append([]byte(r.URL.String()+"\n"+head.String()), r.Body...))
	}
}

// runInput is run with stdin.
func (o *operator) runInput(host *sshhost.Host, stdin string, args ...string) (string, int) {
	o.t.Helper()
	cmd := exec.Command(o.bin, append([]string{"-C", o.dir}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+o.home, "SSH_AUTH_SOCK=", "NO_COLOR=1", "FREECLOUD_DEPLOY_ROOT="+host.Root)
	cmd.Env = append(cmd.Env, o.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			o.t.Fatal(err)
		}
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// A recordingProxy stands between freecloud and a fake API and keeps
// every request as it arrived, body included.
type recordingProxy struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []recordedRequest
}

type recordedRequest struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	p := &recordingProxy{}
	forward := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		p.seen = append(p.seen, recordedRequest{Method: r.Method, URL: r.URL, Header: r.Header.Clone(), Body: body})
		p.mu.Unlock()
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *recordingProxy) URL() string { return p.srv.URL }

func (p *recordingProxy) requests() []recordedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]recordedRequest(nil), p.seen...)
}
