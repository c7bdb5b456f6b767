package hcloudfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
)

// get does a raw request and decodes the JSON answer.
func get(t *testing.T, f *hcloudfake.Fake, token, path string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("%s: %s is not JSON: %v", path, data, err)
	}
	return resp.StatusCode, resp.Header, body
}

func client(f *hcloudfake.Fake) *hcloud.Client {
	return hcloud.NewClient(hcloud.WithEndpoint(f.URL()), hcloud.WithToken(f.Token()),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: hcloud.ConstantBackoff(time.Millisecond)}),
		hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: hcloud.ConstantBackoff(time.Millisecond), MaxRetries: 3}))
}

func TestWireFormat(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{MaxPerPage: 2})
	status, _, body := get(t, f, "wrong", "/servers")
	if e := body["error"].(map[string]any); status != 401 || e["code"] != "unauthorized" {
		t.Errorf("a wrong token: %d %v", status, body)
	}
	status, h, body := get(t, f, f.Token(), "/locations?page=2&per_page=50")
	pg := body["meta"].(map[string]any)["pagination"].(map[string]any)
	if status != 200 || len(body["locations"].([]any)) != 2 || pg["per_page"] != 2.0 || pg["previous_page"] != 1.0 ||
		pg["next_page"] != 3.0 || pg["last_page"] != 3.0 || pg["total_entries"] != 6.0 {
		t.Errorf("page 2 of 6 locations by 2: %d %v", status, body)
	}
	if h.Get("RateLimit-Limit") != "3600" || h.Get("RateLimit-Remaining") == "" || h.Get("RateLimit-Reset") == "" {
		t.Errorf("no RateLimit headers: %v", h)
	}
	_, _, body = get(t, f, f.Token(), "/locations?page=3")
	if pg := body["meta"].(map[string]any)["pagination"].(map[string]any); pg["next_page"] != nil {
		t.Errorf("the last page has a next page: %v", pg)
	}
	status, _, body = get(t, f, f.Token(), "/no/such/thing")
	if status != 404 || body["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("an unknown route: %d %v", status, body)
	}
}

func TestLabelSelectors(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{MaxPerPage: 2})
	for name, labels := range map[string]map[string]string{
		"a": {"freecloud/deployment": "acme", "tier": "web"},
		"b": {"freecloud/deployment": "acme", "tier": "db"},
		"c": {"freecloud/deployment": "other"},
		"d": nil,
	} {
		f.Add("ssh_keys", name, labels)
	}
	ctx := context.Background()
	for sel, want := range map[string]string{
		"freecloud/deployment=acme":                "a,b",
		"freecloud/deployment==acme,tier=db":       "b",
		"freecloud/deployment!=acme":               "c,d",
		"tier":                                     "a,b",
		"!freecloud/deployment":                    "d",
		"freecloud/deployment in (acme,other)":     "a,b,c",
		"tier notin (web), freecloud/deployment":   "b,c",
		"freecloud/deployment in (other), !tier  ": "c",
	} {
		keys, err := client(f).SSHKey.AllWithOpts(ctx, hcloud.SSHKeyListOpts{ListOpts: hcloud.ListOpts{LabelSelector: sel}})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, k := range keys {
			names = append(names, k.Name)
		}
		slices.Sort(names)
		if got := strings.Join(names, ","); got != want {
			t.Errorf("%q selects %s, want %s", sel, got, want)
		}
	}
	if _, err := client(f).SSHKey.AllWithOpts(ctx, hcloud.SSHKeyListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "a b=c"}}); !hcloud.IsError(err, hcloud.ErrorCodeInvalidInput) {
		t.Errorf("a bad selector: %v", err)
	}
}

func TestErrors(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{})
	c, ctx := client(f), context.Background()
	server := func(name, typ, image, location string) error {
		_, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{
			Name: name, ServerType: &hcloud.ServerType{Name: typ}, Image: &hcloud.Image{Name: image}, Location: &hcloud.Location{Name: location},
		})
		return err
	}
	for _, tt := range []struct {
		err  error
		code hcloud.ErrorCode
		says string
	}{
		{server("a", "cx22", "debian-12", "fsn1"), "", ""},
		{server("a", "cx22", "debian-12", "fsn1"), hcloud.ErrorCodeUniquenessError, "name is already used"},
		{server("b", "cx99", "debian-12", "fsn1"), hcloud.ErrorCodeInvalidInput, "unknown server type"},
		{server("b", "cx22", "debian-99", "fsn1"), hcloud.ErrorCodeInvalidInput, "no image"},
		{server("b", "cx22", "debian-12", "fsn9"), hcloud.ErrorCodeInvalidInput, "unknown location"},
		{server("b", "cx22", "debian-12", "ash"), hcloud.ErrorCodeResourceUnavailable, "not available in ash"},
		{server("b_1", "cx22", "debian-12", "fsn1"), hcloud.ErrorCodeInvalidInput, "not a valid hostname"},
	} {
		if tt.code == "" && tt.err != nil || tt.code != "" && (!hcloud.IsError(tt.err, tt.code) || !strings.Contains(tt.err.Error(), tt.says)) {
			t.Errorf("err = %v, want %s saying %q", tt.err, tt.code, tt.says)
		}
	}
	_, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{Name: "c", ServerType: &hcloud.ServerType{Name: "cx99"}, Image: &hcloud.Image{Name: "debian-12"}})
	var apiErr hcloud.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("not an API error: %v", err)
	}
	if details, ok := apiErr.Details.(hcloud.ErrorDetailsInvalidInput); !ok || details.Fields[0].Name != "server_type" {
		t.Errorf("invalid input without details of the field: %#v", apiErr.Details)
	}
	key := hcloudfake.PublicKey("k")
	if _, _, err := c.SSHKey.Create(ctx, hcloud.SSHKeyCreateOpts{Name: "k1", PublicKey: key}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.SSHKey.Create(ctx, hcloud.SSHKeyCreateOpts{Name: "k2", PublicKey: key}); !hcloud.IsError(err, hcloud.ErrorCodeUniquenessError) {
		t.Errorf("the same key twice: %v", err)
	}
}

// Actions run for a while; the server is locked meanwhile and usable after.
func TestActionsTakeTime(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{ActionDuration: 50 * time.Millisecond})
	c, ctx := client(f), context.Background()
	res, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{Name: "s", ServerType: &hcloud.ServerType{Name: "cx22"}, Image: &hcloud.Image{Name: "debian-12"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != hcloud.ActionStatusRunning || res.Server.Status != hcloud.ServerStatusInitializing || !f.Busy("servers", res.Server.ID) {
		t.Errorf("a new server: action %s, server %s", res.Action.Status, res.Server.Status)
	}
	if _, _, err := c.Server.Poweroff(ctx, res.Server); !hcloud.IsError(err, hcloud.ErrorCodeLocked) {
		t.Errorf("an action on a busy server: %v", err)
	}
	if err := c.Action.WaitFor(ctx, append(res.NextActions, res.Action)...); err != nil {
		t.Fatal(err)
	}
	s, _, _ := c.Server.GetByID(ctx, res.Server.ID)
	if s.Status != hcloud.ServerStatusRunning || f.Busy("servers", s.ID) {
		t.Errorf("after its actions the server is %s", s.Status)
	}
	f.FailActions("stop_server", 1)
	a, _, _ := c.Server.Poweroff(ctx, s)
	if err := c.Action.WaitFor(ctx, a); err == nil || !strings.Contains(err.Error(), "stop_server failed") {
		t.Errorf("a failed action: %v", err)
	}
}

func TestFaults(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{})
	c, ctx := client(f), context.Background()

	f.FailNext("GET /volumes", 1, http.StatusTooManyRequests)
	status, h, body := get(t, f, f.Token(), "/volumes")
	if status != 429 || body["error"].(map[string]any)["code"] != "rate_limit_exceeded" || h.Get("RateLimit-Remaining") != "0" {
		t.Errorf("an injected 429: %d %v %v", status, h, body)
	}
	f.FailNext("GET /volumes", 2, http.StatusServiceUnavailable)
	if _, err := c.Volume.All(ctx); err == nil {
		t.Error("hcloud-go retried a 503, which it does not")
	}

	f.LoseNext("POST /ssh_keys", 1)
	if _, _, err := c.SSHKey.Create(ctx, hcloud.SSHKeyCreateOpts{Name: "lost", PublicKey: hcloudfake.PublicKey("x")}); err == nil {
		t.Error("a lost answer came back")
	}
	if objs := f.Objects("ssh_keys"); len(objs) != 1 || objs[0].Name != "lost" {
		t.Errorf("the key whose answer was lost: %v", objs)
	}

	f.HangNext("GET /networks", 1)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Network.All(short); err == nil {
		t.Error("a hanging request answered")
	}

	f.ResetRequests()
	_, _ = c.Firewall.All(ctx)
	_, _ = c.Firewall.All(ctx)
	if f.Requests() != 2 || f.RequestsTo("GET /firewalls") != 2 {
		t.Errorf("counted %d, by route %v", f.Requests(), f.RequestCounts())
	}
}

func TestRateLimit(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{RateLimit: 2})
	for i, want := range []int{200, 200, 429} {
		status, h, _ := get(t, f, f.Token(), "/locations")
		if status != want {
			t.Errorf("request %d: %d, want %d (%v)", i, status, want, h)
		}
	}
}

// Deleting a server frees what it held: volumes are detached, primary IPs
// without auto_delete are kept unassigned, the others go.
func TestServerDeleteFreesWhatItHeld(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{})
	c, ctx := client(f), context.Background()
	ip, _, err := c.PrimaryIP.Create(ctx, hcloud.PrimaryIPCreateOpts{Name: "ip", Type: "ipv4", Location: "nbg1", AssigneeType: "server", AutoDelete: hcloud.Ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	vol, _, _ := c.Volume.Create(ctx, hcloud.VolumeCreateOpts{Name: "v", Size: 10, Location: &hcloud.Location{Name: "nbg1"}})
	res, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{
		Name: "s", ServerType: &hcloud.ServerType{Name: "cax11"}, Image: &hcloud.Image{Name: "debian-12"}, Location: &hcloud.Location{Name: "nbg1"},
		Volumes: []*hcloud.Volume{vol.Volume}, PublicNet: &hcloud.ServerCreatePublicNet{EnableIPv4: true, EnableIPv6: true, IPv4: ip.PrimaryIP},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Server.PublicNet.IPv4.ID != ip.PrimaryIP.ID || res.Server.Image.Architecture != hcloud.ArchitectureARM || len(f.Objects("primary_ips")) != 2 {
		t.Errorf("server %+v", res.Server)
	}
	del, _, err := c.Server.DeleteWithResult(ctx, res.Server)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Action.WaitFor(ctx, del.Action)
	ips, vols := f.Objects("primary_ips"), f.Objects("volumes")
	v, _, _ := c.Volume.GetByID(ctx, vol.Volume.ID)
	if len(ips) != 1 || ips[0].Name != "ip" || len(vols) != 1 || v.Server != nil || len(f.Objects("servers")) != 0 {
		t.Errorf("after the delete: primary IPs %v, volumes %v", ips, vols)
	}
}
