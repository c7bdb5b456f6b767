package zpool

import (
	"os"
	"strings"
	"testing"
)

func readStatus(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

const lostPath = "/dev/disk/by-path/ip-10.77.0.5:3260-iscsi-iqn.2026-11.org.freecloud:vault.p5.nas1-lun-0"

func TestParseHealthOnline(t *testing.T) {
	h, err := ParseHealth(readStatus(t, "status-online.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Pool != "vault" || h.State != "ONLINE" || !h.Healthy() || len(h.Devices) != 8 || h.Errors != "No known data errors" {
		t.Fatalf("%+v", h)
	}
	if !h.Has(lostPath) || h.Devices[0].Path != "/dev/disk/by-path/ip-10.77.0.2:3260-iscsi-iqn.2026-11.org.freecloud:vault.p2.nas1-lun-0" {
		t.Errorf("devices: %+v", h.Devices)
	}
	if len(h.Unavailable()) != 0 {
		t.Errorf("unavailable: %+v", h.Unavailable())
	}
}

func TestParseHealthDegraded(t *testing.T) {
	h, err := ParseHealth(readStatus(t, "status-degraded.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if h.State != "DEGRADED" || h.Healthy() || len(h.Devices) != 8 {
		t.Fatalf("%+v", h)
	}
	u := h.Unavailable()
	if len(u) != 1 || u[0].Name != "9581329846541235412" || u[0].Path != lostPath || u[0].State != "UNAVAIL" || u[0].Replacing {
		t.Errorf("unavailable: %+v", u)
	}
	if !h.Has(lostPath) {
		t.Error("the missing device's former path is not known")
	}
}

func TestParseHealthReplacing(t *testing.T) {
	h, err := ParseHealth(readStatus(t, "status-replacing.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Devices) != 9 || !strings.HasPrefix(h.Scan, "resilver in progress") {
		t.Fatalf("%+v", h)
	}
	var replacing []string
	for _, d := range h.Devices {
		if d.Replacing {
			replacing = append(replacing, d.State+" "+d.Note)
		}
	}
	if strings.Join(replacing, "|") != "UNAVAIL was "+lostPath+"|ONLINE (resilvering)" {
		t.Errorf("replacing: %q", replacing)
	}
	if !h.Has("/dev/disk/by-path/ip-10.77.0.11:3260-iscsi-iqn.2026-11.org.freecloud:vault.p11.nas1-lun-0") {
		t.Error("the new device is not in the pool")
	}
}

func TestParseHealthRefuses(t *testing.T) {
	online := readStatus(t, "status-online.txt")
	for name, tc := range map[string]struct{ in, want string }{
		"empty":      {"", "no \"pool:\" line"},
		"no pool":    {"cannot open 'vault': no such pool\n", "no \"pool:\" line"},
		"odd state":  {strings.Replace(online, "state: ONLINE", "state: SHINY", 1), "no known state"},
		"no config":  {strings.Split(online, "config:")[0], "no \"config:\" section"},
		"no header":  {strings.Replace(online, "NAME", "DEVICE", 1), "no NAME STATE header"},
		"other pool": {strings.Replace(online, "\tvault ", "\ttank  ", 1), "not the pool"},
		"no devices": {strings.Split(online, "\tvault ")[0], "lists no devices"},
		"stateless":  {strings.Replace(online, "lun-0 ONLINE", "lun-0 ", 1), "has no state"},
		"not below":  {strings.Replace(online, "\t  raidz3-0", "raidz3-0", 1), "not below the pool"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseHealth(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzParseHealth: any input is parsed or refused, never a panic, and a
// parsed pool has devices with a path and a state.
func FuzzParseHealth(f *testing.F) {
	for _, name := range []string{"status-online.txt", "status-degraded.txt", "status-replacing.txt"} {
		f.Add(readStatus(f, name))
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ParseHealth(in)
		if err != nil {
			return
		}
		if h.Pool == "" || len(h.Devices) == 0 {
			t.Fatalf("parsed without a pool or devices: %+v", h)
		}
		for _, d := range h.Devices {
			if d.Name == "" || d.Path == "" {
				t.Fatalf("device without a name or path: %+v", d)
			}
		}
	})
}

func BenchmarkParseHealth(b *testing.B) {
	status := readStatus(b, "status-replacing.txt")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHealth(status); err != nil {
			b.Fatal(err)
		}
	}
}
