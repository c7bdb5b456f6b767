package modules

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator/nix/nixtest"
)

// zpoolHarness evaluates zpool.nix without nixpkgs, as harness does for
// secrets.nix, with nixStubLib as lib; pkgs.writeShellScript keeps the
// script's name and text so the tests can run it. The module's config is
// returned with mkIf and mkMerge resolved (lists concatenate, attribute
// sets merge, as NixOS does) and mkDefault kept as an override record, so
// a test sees which values the host may change.
const zpoolHarness = `{ module, zpool, hostName }:
let
  lib = ` + nixStubLib + `;
  pkgs = {
    coreutils = "/nix/store/stub-coreutils";
    gawk = "/nix/store/stub-gawk";
    writeShellScript = name: text: { script = name; inherit text; };
  };
  eval = config: import module { inherit config lib pkgs; };
  options = (eval (throw "the options need no config")).options.freecloud.zpool;

  # A value of an option type with the submodules' defaults filled in; an
  # attribute the submodule does not declare is an error, as in NixOS.
  fill = type: v:
    if type.name == "nullOr" then (if v == null then null else fill type.t v)
    else if type.name == "listOf" then map (fill type.t) v
    else if type.name == "submodule" then
      let unknown = builtins.filter (n: !(type.options ? ${n})) (builtins.attrNames v); in
      if unknown != [ ] then throw "unknown options: ${toString unknown}"
      else builtins.mapAttrs (n: o: if v ? ${n} then fill o.type v.${n} else o.default) type.options
    else v;

  resolve = v:
    if builtins.isAttrs v then
      if (v._type or null) == "if" then (if v.condition then resolve v.content else null)
      else if (v._type or null) == "merge" then
        builtins.foldl' merge { } (builtins.filter (x: x != null) (map resolve v.contents))
      else if (v._type or null) == "override" then v // { content = resolve v.content; }
      else
        let r = builtins.mapAttrs (n: resolve) v; in
        builtins.removeAttrs r (builtins.filter (n: r.${n} == null) (builtins.attrNames r))
    else if builtins.isList v then map resolve v
    else v;
  merge = a: b: a // builtins.mapAttrs (n: bv:
    if !(a ? ${n}) then bv
    else if builtins.isList bv then a.${n} ++ bv
    else if builtins.isAttrs bv && !(bv ? _type) then merge a.${n} bv
    else if a.${n} == bv then bv
    else throw "conflicting definitions of ${n}") b;

  config = {
    freecloud.zpool = {
      provider = fill options.provider.type (zpool.provider or null);
      consumer = fill options.consumer.type (zpool.consumer or null);
    };
    networking.hostName = hostName;
    boot.zfs.package = "/nix/store/stub-zfs";
    services.openiscsi.package = "/nix/store/stub-openiscsi";
  };
in
resolve (eval config).config
`

type zpoolScript struct {
	Script string `json:"script"`
	Text   string `json:"text"`
}

type zpoolUnit struct {
	Description      string
	After, Before    []string
	Requires, Wants  []string
	WantedBy         []string `json:"wantedBy"`
	RestartTriggers  []string `json:"restartTriggers"`
	RestartIfChanged *bool    `json:"restartIfChanged"`
	UnitConfig       map[string]any
	ServiceConfig    struct {
		Type            string
		RemainAfterExit bool
		ExecStart       zpoolScript
		ExecStop        *zpoolScript
		Restart         string
		RestartSec      int
	} `json:"serviceConfig"`
}

type zpoolConfig struct {
	Assertions []struct {
		Assertion bool   `json:"assertion"`
		Message   string `json:"message"`
	} `json:"assertions"`
	Boot struct {
		SupportedFilesystems map[string]bool `json:"supportedFilesystems"`
		Zfs                  struct {
			ExtraPools []string `json:"extraPools"`
		} `json:"zfs"`
	} `json:"boot"`
	Networking struct {
		HostID *struct {
			Type     string `json:"_type"`
			Priority int    `json:"priority"`
			Content  string `json:"content"`
		} `json:"hostId"`
		Firewall map[string]json.RawMessage `json:"firewall"`
	} `json:"networking"`
	Services struct {
		Target *struct {
			Enable bool            `json:"enable"`
			Config json.RawMessage `json:"config"`
		} `json:"target"`
		Openiscsi *struct {
			Enable bool   `json:"enable"`
			Name   string `json:"name"`
		} `json:"openiscsi"`
	} `json:"services"`
	Systemd struct {
		Services map[string]zpoolUnit `json:"services"`
		Timers   map[string]struct {
			WantedBy    []string          `json:"wantedBy"`
			TimerConfig map[string]string `json:"timerConfig"`
		} `json:"timers"`
	} `json:"systemd"`
}

// evalZpool evaluates zpool.nix with freecloud.zpool set to zpool (the
// keys provider and consumer; missing options take their defaults) on a
// host named hostName. It returns the config and its JSON text.
func evalZpool(t *testing.T, zpool map[string]any, hostName string) (zpoolConfig, string) {
	t.Helper()
	nixtest.Require(t)
	dir := t.TempDir()
	module, err := filepath.Abs("zpool.nix")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(zpool)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"harness.nix": zpoolHarness,
		"zpool.json":  string(data),
		"case.nix": `import ./harness.nix {
  module = /. + ` + strconvQuote(module) + `;
  zpool = builtins.fromJSON (builtins.readFile ./zpool.json);
  hostName = ` + strconvQuote(hostName) + `;
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := nixtest.EvalJSON(t, filepath.Join(dir, "case.nix"))
	var c zpoolConfig
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return c, string(out)
}

func (c zpoolConfig) failed() []string {
	var out []string
	for _, a := range c.Assertions {
		if !a.Assertion {
			out = append(out, a.Message)
		}
	}
	return out
}

func (c zpoolConfig) unit(t *testing.T, name string) zpoolUnit {
	t.Helper()
	u, ok := c.Systemd.Services[name]
	if !ok {
		t.Fatalf("no unit %s; units: %v", name, keys(c.Systemd.Services))
	}
	return u
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

const (
	providerIQN  = "iqn.2026-11.org.freecloud:vault.web1."
	consumerIQN  = "iqn.2026-11.org.freecloud:vault.nas1"
	consumerIQN2 = "iqn.2026-11.org.freecloud:vault.nas2"
)

func providerSettings() map[string]any {
	return map[string]any{
		"listen": "10.77.0.1",
		"volumes": []map[string]any{
			{"name": "vault-nas1", "sizeGB": 200, "target": providerIQN + "nas1", "initiator": consumerIQN},
			{"name": "vault-nas2", "sizeGB": 150, "target": providerIQN + "nas2", "initiator": consumerIQN2},
		},
	}
}

// remoteVolumes returns n volumes on providers 10.77.0.2, .3, ...
func remoteVolumes(n int) []map[string]any {
	var out []map[string]any
	for i := 0; i < n; i++ {
		out = append(out, map[string]any{
			"portal": fmt.Sprintf("10.77.0.%d:3260", i+2),
			"target": fmt.Sprintf("iqn.2026-11.org.freecloud:vault.m%d.nas1", i+2),
		})
	}
	return out
}

func consumerSettings(n int) map[string]any {
	return map[string]any{"pool": "vault", "initiator": consumerIQN, "volumes": remoteVolumes(n), "deviceTimeoutSec": 0}
}

// volumeBytes is sizes in GB as the module writes them: 10^9 bytes per GB,
// rounded up to whole MiB.
func volumeBytes(gb int64) int64 {
	const mib = 1 << 20
	return (gb*1_000_000_000 + mib - 1) / mib * mib
}

func TestZpoolNothingSet(t *testing.T) {
	_, text := evalZpool(t, map[string]any{}, "web1")
	if strings.TrimSpace(text) != "{}" {
		t.Errorf("a host with neither role gets %s", text)
	}
}

func TestZpoolProviderConfig(t *testing.T) {
	c, _ := evalZpool(t, map[string]any{"provider": providerSettings()}, "web1")
	if failed := c.failed(); len(failed) > 0 {
		t.Fatalf("assertions failed: %v", failed)
	}

	// Imported by freecloud-zvols, which tolerates a pool apply has yet to
	// create; NixOS's import unit would fail the first deploy.
	if !c.Boot.SupportedFilesystems["zfs"] || len(c.Boot.Zfs.ExtraPools) != 0 {
		t.Errorf("boot: %+v", c.Boot)
	}
	sum := sha256.Sum256([]byte("web1"))
	if h := c.Networking.HostID; h == nil || h.Type != "override" || h.Priority != 1000 || h.Content != hex.EncodeToString(sum[:])[:8] {
		t.Errorf("hostId %+v: want mkDefault of the first 8 hex digits of sha256(web1)", h)
	}

	// 3260 on the mesh interface, and nothing else opened.
	fw, _ := json.Marshal(c.Networking.Firewall)
	if string(fw) != `{"interfaces":{"wg-mesh":{"allowedTCPPorts":[3260]}}}` {
		t.Errorf("firewall: %s", fw)
	}

	// The LIO configuration targetctl restores: one backstore, target, LUN,
	// portal and ACL per volume; no CHAP, no generated ACLs.
	if c.Services.Target == nil || !c.Services.Target.Enable {
		t.Fatalf("services.target: %+v", c.Services.Target)
	}
	var lio struct {
		StorageObjects []map[string]any `json:"storage_objects"`
		Targets        []struct {
			WWN    string
			Fabric string
			TPGs   []struct {
				Tag        int
				Enable     bool
				Attributes map[string]int
				LUNs       []map[string]any
				Portals    []map[string]any
				NodeACLs   []struct {
					NodeWWN    string           `json:"node_wwn"`
					MappedLUNs []map[string]any `json:"mapped_luns"`
				} `json:"node_acls"`
			}
		}
	}
	if err := json.Unmarshal(c.Services.Target.Config, &lio); err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if len(lio.StorageObjects) != 2 || len(lio.Targets) != 2 {
		t.Fatalf("lio: %s", c.Services.Target.Config)
	}
	for i, name := range []string{"nas1", "nas2"} {
		so := lio.StorageObjects[i]
		if so["name"] != "vault-"+name || so["plugin"] != "block" || so["dev"] != "/dev/zvol/fcvols/vault-"+name || !uuid.MatchString(fmt.Sprint(so["wwn"])) {
			t.Errorf("storage object %d: %v", i, so)
		}
		tg := lio.Targets[i]
		if tg.WWN != providerIQN+name || tg.Fabric != "iscsi" || len(tg.TPGs) != 1 {
			t.Fatalf("target %d: %+v", i, tg)
		}
		tpg := tg.TPGs[0]
		if !tpg.Enable || !reflect.DeepEqual(tpg.Attributes, map[string]int{"authentication": 0, "generate_node_acls": 0, "cache_dynamic_acls": 0, "demo_mode_write_protect": 1}) {
			t.Errorf("tpg %d: %+v", i, tpg)
		}
		if len(tpg.LUNs) != 1 || tpg.LUNs[0]["storage_object"] != "/backstores/block/vault-"+name || tpg.LUNs[0]["index"] != 0.0 {
			t.Errorf("luns %d: %v", i, tpg.LUNs)
		}
		if len(tpg.Portals) != 1 || tpg.Portals[0]["ip_address"] != "10.77.0.1" || tpg.Portals[0]["port"] != 3260.0 {
			t.Errorf("portals %d: %v", i, tpg.Portals)
		}
		wantACL := map[string]string{"nas1": consumerIQN, "nas2": consumerIQN2}[name]
		if len(tpg.NodeACLs) != 1 || tpg.NodeACLs[0].NodeWWN != wantACL || len(tpg.NodeACLs[0].MappedLUNs) != 1 ||
			tpg.NodeACLs[0].MappedLUNs[0]["tpg_lun"] != 0.0 || tpg.NodeACLs[0].MappedLUNs[0]["write_protect"] != false {
			t.Errorf("node acls %d: %+v", i, tpg.NodeACLs)
		}
	}
	if lio.StorageObjects[0]["wwn"] == lio.StorageObjects[1]["wwn"] {
		t.Error("two volumes share a unit serial")
	}
	for _, bad := range []string{"userid", "password", "chap"} {
		if strings.Contains(string(c.Services.Target.Config), bad) {
			t.Errorf("the LIO configuration has %q: %s", bad, c.Services.Target.Config)
		}
	}
	// The same evaluation again gives the same serials: they follow the
	// target names.
	again, _ := evalZpool(t, map[string]any{"provider": providerSettings()}, "web1")
	if string(again.Services.Target.Config) != string(c.Services.Target.Config) {
		t.Error("the LIO configuration is not deterministic")
	}

	zvols := c.unit(t, "freecloud-zvols")
	if strings.Join(zvols.After, " ") != "systemd-modules-load.service" || len(zvols.Requires) != 0 ||
		strings.Join(zvols.Before, " ") != "iscsi-target.service" || !contains(zvols.WantedBy, "iscsi-target.service") {
		t.Errorf("freecloud-zvols ordering: %+v", zvols)
	}
	if zvols.ServiceConfig.Type != "oneshot" || !zvols.ServiceConfig.RemainAfterExit || zvols.ServiceConfig.ExecStart.Script != "freecloud-zvols" {
		t.Errorf("freecloud-zvols serviceConfig: %+v", zvols.ServiceConfig)
	}
	if !strings.Contains(zvols.ServiceConfig.ExecStart.Text, "export PATH=/nix/store/stub-zfs/bin:/nix/store/stub-zfs/sbin:/nix/store/stub-coreutils/bin:") {
		t.Errorf("freecloud-zvols does not set its PATH:\n%s", zvols.ServiceConfig.ExecStart.Text)
	}

	target := c.unit(t, "iscsi-target")
	for _, want := range []string{"freecloud-zvols.service", "wireguard-wg-mesh.service", "network-online.target"} {
		if !contains(target.After, want) {
			t.Errorf("iscsi-target is not after %s: %v", want, target.After)
		}
	}
	// A changed export list restarts the target at the deploy.
	var restored any
	if len(target.RestartTriggers) != 1 || json.Unmarshal([]byte(target.RestartTriggers[0]), &restored) != nil {
		t.Fatalf("iscsi-target restartTriggers: %v", target.RestartTriggers)
	}
	var lioAny any
	_ = json.Unmarshal(c.Services.Target.Config, &lioAny)
	if !reflect.DeepEqual(restored, lioAny) {
		t.Errorf("the restart trigger is not the LIO configuration")
	}

	if c.Services.Openiscsi != nil || c.Systemd.Services["freecloud-iscsi-login"].Description != "" {
		t.Error("a provider gets the consumer's units")
	}
}

func TestZpoolProviderAssertions(t *testing.T) {
	p := providerSettings()
	vols := p["volumes"].([]map[string]any)
	vols[1]["name"] = "vault-nas1"
	c, _ := evalZpool(t, map[string]any{"provider": p}, "web1")
	if failed := c.failed(); len(failed) != 1 || !strings.Contains(failed[0], "two volumes have the same name") {
		t.Errorf("duplicate name: %v", failed)
	}
	vols[1]["name"], vols[1]["target"] = "vault-nas2", vols[0]["target"]
	c, _ = evalZpool(t, map[string]any{"provider": p}, "web1")
	if failed := c.failed(); len(failed) != 1 || !strings.Contains(failed[0], "the same target name") {
		t.Errorf("duplicate target: %v", failed)
	}
}

func TestZpoolConsumerConfig(t *testing.T) {
	c, _ := evalZpool(t, map[string]any{"consumer": consumerSettings(8)}, "nas1")
	if failed := c.failed(); len(failed) > 0 {
		t.Fatalf("assertions failed: %v", failed)
	}
	if o := c.Services.Openiscsi; o == nil || !o.Enable || o.Name != consumerIQN {
		t.Errorf("openiscsi: %+v", o)
	}
	if !c.Boot.SupportedFilesystems["zfs"] || c.Networking.HostID == nil {
		t.Errorf("ZFS support: %+v %+v", c.Boot, c.Networking.HostID)
	}
	// Imported by freecloud-zpool-import, not by NixOS's early-boot import.
	if len(c.Boot.Zfs.ExtraPools) != 0 || c.Services.Target != nil || len(c.Networking.Firewall) != 0 {
		t.Errorf("a consumer gets %+v, %+v, firewall %v", c.Boot.Zfs, c.Services.Target, c.Networking.Firewall)
	}

	login := c.unit(t, "freecloud-iscsi-login")
	for _, want := range []string{"network-online.target", "iscsid.service", "wireguard-wg-mesh.target"} {
		if !contains(login.After, want) {
			t.Errorf("login is not after %s: %v", want, login.After)
		}
	}
	if !contains(login.Wants, "network-online.target") || !contains(login.WantedBy, "multi-user.target") {
		t.Errorf("login wants %v, wanted by %v", login.Wants, login.WantedBy)
	}
	sc := login.ServiceConfig
	if sc.Type != "oneshot" || !sc.RemainAfterExit || sc.Restart != "on-failure" || sc.RestartSec <= 0 ||
		sc.ExecStart.Script != "freecloud-iscsi-login" || sc.ExecStop == nil || sc.ExecStop.Script != "freecloud-iscsi-logout" {
		t.Errorf("login serviceConfig: %+v", sc)
	}
	if login.UnitConfig["StartLimitBurst"] != 5.0 || login.UnitConfig["StartLimitIntervalSec"] != 600.0 {
		t.Errorf("login retries are not bounded: %v", login.UnitConfig)
	}
	imp := c.unit(t, "freecloud-zpool-import")
	if strings.Join(imp.After, " ") != "freecloud-iscsi-login.service" || strings.Join(imp.Requires, " ") != "freecloud-iscsi-login.service" ||
		imp.ServiceConfig.ExecStop == nil || imp.ServiceConfig.ExecStop.Script != "freecloud-zpool-export" {
		t.Errorf("import unit: %+v", imp)
	}
	for name, u := range map[string]zpoolUnit{"login": login, "import": imp} {
		if u.RestartIfChanged == nil || *u.RestartIfChanged {
			t.Errorf("a deploy may restart the %s unit, taking the pool away", name)
		}
	}
	relogin := c.unit(t, "freecloud-iscsi-relogin")
	if relogin.ServiceConfig.ExecStart.Script != "freecloud-iscsi-relogin" || relogin.ServiceConfig.RemainAfterExit {
		t.Errorf("relogin: %+v", relogin.ServiceConfig)
	}
	if timer := c.Systemd.Timers["freecloud-iscsi-relogin"]; timer.TimerConfig["OnUnitActiveSec"] == "" || !contains(timer.WantedBy, "timers.target") {
		t.Errorf("relogin timer: %+v", timer)
	}
}

func TestZpoolConsumerAssertions(t *testing.T) {
	for _, n := range []int{7, 9} {
		c, _ := evalZpool(t, map[string]any{"consumer": consumerSettings(n)}, "nas1")
		want := fmt.Sprintf("the pool is RAIDZ3 over exactly 8 volumes, got %d", n)
		if failed := c.failed(); len(failed) != 1 || !strings.Contains(failed[0], want) {
			t.Errorf("%d volumes: failed assertions %v, want one saying %q", n, failed, want)
		}
	}
	s := consumerSettings(8)
	vols := s["volumes"].([]map[string]any)
	vols[7]["target"] = vols[0]["target"]
	c, _ := evalZpool(t, map[string]any{"consumer": s}, "nas1")
	if failed := c.failed(); len(failed) != 1 || !strings.Contains(failed[0], "a target is listed twice") {
		t.Errorf("duplicate target: %v", failed)
	}
}

// Both roles on one machine: the settings they share agree.
func TestZpoolBothRoles(t *testing.T) {
	c, _ := evalZpool(t, map[string]any{"provider": providerSettings(), "consumer": consumerSettings(8)}, "nas1")
	if failed := c.failed(); len(failed) > 0 {
		t.Fatalf("assertions failed: %v", failed)
	}
	for _, u := range []string{"freecloud-zvols", "freecloud-iscsi-login", "freecloud-zpool-import"} {
		c.unit(t, u)
	}
	if len(c.Boot.Zfs.ExtraPools) != 0 || c.Networking.HostID == nil {
		t.Errorf("extraPools %v, hostId %v", c.Boot.Zfs.ExtraPools, c.Networking.HostID)
	}
}

// zpoolSandbox runs the module's scripts with bash against fake zfs, zpool
// and iscsiadm, which keep their state in files below root:
//
//	zfs/<pool>/<name>         a volume holding its size in bytes (a
//	                          directory: a file system dataset)
//	zpool/available/<pool>    a pool the disks hold; zpool/imported/<pool>
//	marks/<pool>.imported     /var/lib/freecloud/zpool's markers
//	iscsi/nodes/<target>@<portal>, iscsi/sessions/<target>@<portal>
//	dev/disk/by-path/...      the disks udev would make
//
// Every command the fakes run is logged to <tool>.log.
type zpoolSandbox struct{ sandboxDir }

const fakeZfs = `#!/usr/bin/env bash
set -eu
echo "$*" >> "$SANDBOX/zfs.log"
root="$SANDBOX/zfs"
case "$1" in
list)
  if [ "$5" = -t ]; then
    for f in "$root/$8"/*; do [ -f "$f" ] && echo "$8/$(basename "$f")"; done
    exit 0
  fi
  [ -d "$root/$5" ] || { echo "cannot open '$5': dataset does not exist" >&2; exit 1; }
  echo "$5" ;;
get)
  ds="$6"
  if [ -f "$root/$ds" ]; then cat "$root/$ds"; elif [ -d "$root/$ds" ]; then echo -; else
    echo "cannot open '$ds': dataset does not exist" >&2; exit 1; fi ;;
create)
  if [ -n "${FAKE_ZFS_FULL:-}" ]; then echo "cannot create '$6': out of space" >&2; exit 1; fi
  echo -n "$3" > "$root/$6" ;;
set)
  echo -n "${2#volsize=}" > "$root/$3" ;;
*) echo "fake zfs: unexpected $*" >&2; exit 2 ;;
esac
`

const fakeZpool = `#!/usr/bin/env bash
set -eu
echo "$*" >> "$SANDBOX/zpool.log"
root="$SANDBOX/zpool"
case "$1" in
list) [ -e "$root/imported/$5" ] ;;
import)
  if [ "$2" = -d ] && [ $# -eq 3 ]; then
    found=0
    for p in "$root/available"/*; do
      [ -e "$p" ] || continue
      found=1
      printf '   pool: %s\n     id: 1234\n  state: ONLINE\n' "$(basename "$p")"
    done
    if [ $found = 0 ]; then echo "no pools available to import" >&2; exit 1; fi
    exit 0
  fi
  pool="${!#}"
  [ -e "$root/available/$pool" ] || { echo "cannot import '$pool': no such pool available" >&2; exit 1; }
  touch "$root/imported/$pool" ;;
export) rm "$root/imported/$2" ;;
*) echo "fake zpool: unexpected $*" >&2; exit 2 ;;
esac
`

// fakeIscsiadm: a target listed in $FAKE_ISCSI_DOWN refuses logins; one in
// $FAKE_ISCSI_NODEV logs in but its disk never appears.
const fakeIscsiadm = `#!/usr/bin/env bash
set -eu
echo "$*" >> "$SANDBOX/iscsiadm.log"
target="$4" portal="$6" op="${7:-}"
rec="$target@$portal"
nodes="$SANDBOX/iscsi/nodes" sessions="$SANDBOX/iscsi/sessions"
dev="$SANDBOX/dev/disk/by-path/ip-$portal-iscsi-$target-lun-0"
case "$op" in
"") [ -e "$nodes/$rec" ] || { echo "iscsiadm: No records found" >&2; exit 21; } ;;
-o) touch "$nodes/$rec" ;;
--login)
  [ -e "$nodes/$rec" ] || { echo "iscsiadm: No records found" >&2; exit 21; }
  if [ -e "$sessions/$rec" ]; then echo "iscsiadm: default: 1 session requested, but 1 already present." >&2; exit 15; fi
  case " ${FAKE_ISCSI_DOWN:-} " in *" $target "*)
    echo "iscsiadm: Could not login to [iface: default, target: $target, portal: $portal]." >&2; exit 8 ;;
  esac
  touch "$sessions/$rec"
  echo "Login to [iface: default, target: $target, portal: $portal] successful."
  case " ${FAKE_ISCSI_NODEV:-} " in *" $target "*) ;; *) touch "$dev" ;; esac ;;
--logout)
  [ -e "$sessions/$rec" ] || { echo "iscsiadm: No matching sessions found" >&2; exit 21; }
  rm -f "$sessions/$rec" "$dev" ;;
*) echo "fake iscsiadm: unexpected $*" >&2; exit 2 ;;
esac
`

func newZpoolSandbox(t *testing.T) *zpoolSandbox {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "zfs", "zpool/available", "zpool/imported", "iscsi/nodes", "iscsi/sessions", "dev/disk/by-path", "marks"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{"zfs": fakeZfs, "zpool": fakeZpool, "iscsiadm": fakeIscsiadm} {
		if err := os.WriteFile(filepath.Join(root, "bin", name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &zpoolSandbox{sandboxDir{t: t, root: root}}
}

var pathLine = regexp.MustCompile(`(?m)^export PATH=.*$`)

// run runs a script with its PATH pointing at the fakes (then the
// system's tools) and /dev/disk/by-path moved into the sandbox. It returns
// stdout, stderr and whether the script succeeded.
func (s *zpoolSandbox) run(sc zpoolScript, env ...string) (string, string, bool) {
	s.t.Helper()
	if !pathLine.MatchString(sc.Text) {
		s.t.Fatalf("script %s sets no PATH:\n%s", sc.Script, sc.Text)
	}
	text := pathLine.ReplaceAllLiteralString(sc.Text, "export PATH="+s.path("bin")+":"+os.Getenv("PATH"))
	text = strings.ReplaceAll(text, "/dev/disk/by-path", s.path("dev/disk/by-path"))
	text = strings.ReplaceAll(text, "/var/lib/freecloud/zpool", s.path("marks"))
	cmd := exec.Command("bash", "-c", text)
	cmd.Env = append(append(os.Environ(), "SANDBOX="+s.root), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			s.t.Fatal(err)
		}
	}
	return stdout.String(), stderr.String(), err == nil
}

func (s *zpoolSandbox) write(p, text string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Dir(s.path(p)), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(s.path(p), []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *zpoolSandbox) count(dir string) int {
	entries, err := os.ReadDir(s.path(dir))
	if err != nil {
		s.t.Fatal(err)
	}
	return len(entries)
}

func TestZvolsScript(t *testing.T) {
	p := providerSettings()
	p["volumes"] = append(p["volumes"].([]map[string]any),
		map[string]any{"name": "vault-nas3", "sizeGB": 100, "target": providerIQN + "nas3", "initiator": consumerIQN},
		map[string]any{"name": "vault-nas4", "sizeGB": 100, "target": providerIQN + "nas4", "initiator": consumerIQN})
	c, _ := evalZpool(t, map[string]any{"provider": p}, "web1")
	script := c.unit(t, "freecloud-zvols").ServiceConfig.ExecStart
	sb := newZpoolSandbox(t)

	// Before apply created the pool: said, and not a failure.
	stdout, stderr, ok := sb.run(script)
	if !ok || !strings.Contains(stdout, "pool fcvols is not there yet (cannot import 'fcvols': no such pool available): freecloud apply creates it") {
		t.Errorf("no pool yet: ok %v, %q, %q", ok, stdout, stderr)
	}
	if sb.exists("marks/fcvols.imported") || sb.exists("zfs.log") {
		t.Error("a pool that is not there was marked or used")
	}
	// The pool appears (apply made it, here exported): imported and marked.
	if err := os.MkdirAll(sb.path("zfs/fcvols"), 0o755); err != nil {
		t.Fatal(err)
	}
	sb.write("zpool/available/fcvols", "")

	// nas1 is missing, nas2 smaller than asked, nas3 larger, nas4 exact;
	// old is no longer listed.
	big := fmt.Sprint(volumeBytes(100) + 1<<20)
	sb.write("zfs/fcvols/vault-nas2", "1048576")
	sb.write("zfs/fcvols/vault-nas3", big)
	sb.write("zfs/fcvols/vault-nas4", fmt.Sprint(volumeBytes(100)))
	sb.write("zfs/fcvols/old", "4096")
	stdout, stderr, ok = sb.run(script)
	if !ok {
		t.Fatalf("the unit failed: %s", stderr)
	}
	if !strings.Contains(stdout, "imported pool fcvols") || !sb.exists("zpool/imported/fcvols") || !sb.exists("marks/fcvols.imported") ||
		!strings.Contains(sb.read("zpool.log"), "import -N fcvols\n") {
		t.Errorf("the pool was not imported and marked: %q", stdout)
	}
	for file, want := range map[string]int64{"vault-nas1": volumeBytes(200), "vault-nas2": volumeBytes(150), "vault-nas4": volumeBytes(100)} {
		if got := sb.read("zfs/fcvols/" + file); got != fmt.Sprint(want) {
			t.Errorf("%s: %s bytes, want %d", file, got, want)
		}
	}
	if got := sb.read("zfs/fcvols/vault-nas3"); got != big {
		t.Errorf("vault-nas3 was shrunk to %s", got)
	}
	if got := sb.read("zfs/fcvols/old"); got != "4096" {
		t.Errorf("the unlisted volume changed: %s", got)
	}
	log := sb.read("zfs.log")
	if !strings.Contains(log, fmt.Sprintf("create -V %d -o volmode=dev fcvols/vault-nas1\n", volumeBytes(200))) {
		t.Errorf("vault-nas1 not created thick with volmode=dev:\n%s", log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, " -s ") || strings.HasPrefix(line, "destroy") ||
			strings.HasPrefix(line, "set ") && strings.HasSuffix(line, " fcvols/vault-nas3") ||
			strings.HasSuffix(line, " fcvols/old") && !strings.HasPrefix(line, "list") {
			t.Errorf("sparse, destroyed, shrunk or touched an unlisted volume: %q", line)
		}
	}
	for _, want := range []string{
		"created fcvols/vault-nas1: 200 GB",
		fmt.Sprintf("grew fcvols/vault-nas2 from 1048576 to %d bytes (150 GB)", volumeBytes(150)),
		"fcvols/vault-nas3 has " + big + " bytes, more than the 100 GB asked: volumes are never shrunk",
		"fcvols/old is no longer exported; it is kept: destroy it with 'zfs destroy fcvols/old' once its data is not needed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "vault-nas4") {
		t.Errorf("a volume of the right size was touched:\n%s", stdout)
	}

	// A second start changes nothing.
	before := sb.read("zfs.log")
	if _, stderr, ok := sb.run(script); !ok {
		t.Fatalf("second start: %s", stderr)
	}
	if added := strings.TrimPrefix(sb.read("zfs.log"), before); strings.Contains(added, "create") || strings.Contains(added, "set ") {
		t.Errorf("the second start changed volumes:\n%s", added)
	}

	// A failure on one volume fails the unit, after the others were seen to.
	if err := os.Remove(sb.path("zfs/fcvols/vault-nas1")); err != nil {
		t.Fatal(err)
	}
	sb.write("zfs/fcvols/vault-nas2", "1048576")
	_, stderr, ok = sb.run(script, "FAKE_ZFS_FULL=1")
	if ok || !strings.Contains(stderr, "cannot create fcvols/vault-nas1 (200 GB); is the pool full? (zfs list -o space fcvols)") {
		t.Errorf("full pool: ok %v, %q", ok, stderr)
	}
	if got := sb.read("zfs/fcvols/vault-nas2"); got != fmt.Sprint(volumeBytes(150)) {
		t.Errorf("a failed volume stopped the others: vault-nas2 has %s", got)
	}

	// A pool imported before that is gone now is an error.
	for _, f := range []string{"zpool/imported/fcvols", "zpool/available/fcvols"} {
		if err := os.Remove(sb.path(f)); err != nil {
			t.Fatal(err)
		}
	}
	_, stderr, ok = sb.run(script)
	if ok || !strings.Contains(stderr, "cannot import pool fcvols, which this machine imported before: cannot import 'fcvols': no such pool available (is its disk there?") {
		t.Errorf("lost pool: ok %v, %q", ok, stderr)
	}
	sb.write("zpool/imported/fcvols", "")

	// A file system where a volume should be is an error, never replaced.
	if err := os.Mkdir(sb.path("zfs/fcvols/vault-nas1"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, stderr, ok = sb.run(script)
	if ok || !strings.Contains(stderr, "fcvols/vault-nas1 exists and is not a volume; rename or remove it") {
		t.Errorf("not a volume: ok %v, %q", ok, stderr)
	}
}

func TestIscsiLoginScripts(t *testing.T) {
	c, _ := evalZpool(t, map[string]any{"consumer": consumerSettings(8)}, "nas1")
	login := c.unit(t, "freecloud-iscsi-login").ServiceConfig
	relogin := c.unit(t, "freecloud-iscsi-relogin").ServiceConfig.ExecStart
	target := func(i int) string { return fmt.Sprintf("iqn.2026-11.org.freecloud:vault.m%d.nas1", i+2) }
	device := func(i int) string {
		return fmt.Sprintf("dev/disk/by-path/ip-10.77.0.%d:3260-iscsi-%s-lun-0", i+2, target(i))
	}

	t.Run("all up, twice", func(t *testing.T) {
		sb := newZpoolSandbox(t)
		stdout, stderr, ok := sb.run(login.ExecStart)
		if !ok || stderr != "" {
			t.Fatalf("ok %v, stderr %q", ok, stderr)
		}
		if n := strings.Count(stdout, "logged in to "); n != 8 || sb.count("iscsi/sessions") != 8 {
			t.Errorf("%d logins, %d sessions:\n%s", n, sb.count("iscsi/sessions"), stdout)
		}
		for i := 0; i < 8; i++ {
			if !sb.exists(device(i)) {
				t.Errorf("no %s", device(i))
			}
		}
		if !strings.Contains(sb.read("iscsiadm.log"), "-m node -T "+target(0)+" -p 10.77.0.2:3260 -o new\n") {
			t.Errorf("no node record made:\n%s", sb.read("iscsiadm.log"))
		}
		// Already logged in is fine: no new session, no record made again.
		before := sb.read("iscsiadm.log")
		stdout, stderr, ok = sb.run(login.ExecStart)
		if !ok || stderr != "" || strings.Contains(stdout, "logged in") {
			t.Errorf("second run: ok %v, stdout %q, stderr %q", ok, stdout, stderr)
		}
		if added := strings.TrimPrefix(sb.read("iscsiadm.log"), before); strings.Contains(added, "-o new") || sb.count("iscsi/sessions") != 8 {
			t.Errorf("second run:\n%s", added)
		}

		// Logging out refuses while the pool is imported, then logs out,
		// and again finds nothing to do.
		sb.write("zpool/imported/vault", "")
		_, stderr, ok = sb.run(*login.ExecStop)
		if ok || !strings.Contains(stderr, "pool vault is still imported; not logging out of its volumes") || sb.count("iscsi/sessions") != 8 {
			t.Errorf("logout under an imported pool: ok %v, %q", ok, stderr)
		}
		if err := os.Remove(sb.path("zpool/imported/vault")); err != nil {
			t.Fatal(err)
		}
		if stdout, stderr, ok := sb.run(*login.ExecStop); !ok || strings.Count(stdout, "logged out of") != 8 || sb.count("iscsi/sessions") != 0 {
			t.Errorf("logout: ok %v, %q, %q", ok, stdout, stderr)
		}
		if stdout, stderr, ok := sb.run(*login.ExecStop); !ok || stdout != "" {
			t.Errorf("second logout: ok %v, %q, %q", ok, stdout, stderr)
		}
	})

	t.Run("a disk that never appears", func(t *testing.T) {
		sb := newZpoolSandbox(t)
		stdout, stderr, ok := sb.run(login.ExecStart, "FAKE_ISCSI_NODEV="+target(3))
		want := "freecloud-iscsi-login: no disk " + sb.path(device(3)) + " after 0s: is its provider up and reachable over the mesh?"
		if !ok || !strings.Contains(stderr, want) || strings.Count(stderr, "no disk") != 1 {
			t.Errorf("ok %v, stderr %q; want success (a degraded pool) and %q", ok, stderr, want)
		}
		if !strings.Contains(stdout, "pool vault: 1 of 8 volumes missing; it is imported degraded") {
			t.Errorf("stdout %q", stdout)
		}
	})

	// The first deploy: no provider exports yet, and the pool was never
	// imported here, so it is taken as not made yet.
	t.Run("before the pool exists", func(t *testing.T) {
		sb := newZpoolSandbox(t)
		all := make([]string, 8)
		for i := range all {
			all[i] = target(i)
		}
		stdout, stderr, ok := sb.run(login.ExecStart, "FAKE_ISCSI_DOWN="+strings.Join(all, " "))
		if !ok || !strings.Contains(stdout, "pool vault: 8 of 8 volumes are missing, and the pool was never imported here: taken as not made yet") ||
			strings.Count(stderr, "cannot log in to ") != 8 {
			t.Errorf("ok %v, stdout %q, stderr %q", ok, stdout, stderr)
		}
	})

	t.Run("more missing than RAIDZ3 survives", func(t *testing.T) {
		sb := newZpoolSandbox(t)
		sb.write("marks/vault.imported", "")
		down := strings.Join([]string{target(0), target(1), target(2)}, " ")
		_, stderr, ok := sb.run(login.ExecStart, "FAKE_ISCSI_DOWN="+down, "FAKE_ISCSI_NODEV="+target(7))
		if ok || !strings.Contains(stderr, "pool vault: 4 of 8 volumes are missing and RAIDZ3 survives 3; it is not imported") {
			t.Errorf("ok %v, stderr %q", ok, stderr)
		}
		if !strings.Contains(stderr, "cannot log in to "+target(0)+" at 10.77.0.2:3260 (iscsiadm exit 8): iscsiadm: Could not login") {
			t.Errorf("the failed login is not reported: %q", stderr)
		}
		if sb.count("iscsi/sessions") != 5 {
			t.Errorf("%d sessions: a failed login stopped the others", sb.count("iscsi/sessions"))
		}
		// The periodic retry reports the same and never fails; once the
		// providers are back it logs into them.
		_, stderr, ok = sb.run(relogin, "FAKE_ISCSI_DOWN="+down)
		if !ok || !strings.Contains(stderr, "cannot log in to "+target(1)) {
			t.Errorf("relogin: ok %v, %q", ok, stderr)
		}
		stdout, _, ok := sb.run(relogin)
		if !ok || strings.Count(stdout, "logged in to ") != 3 || sb.count("iscsi/sessions") != 8 {
			t.Errorf("relogin after recovery: ok %v, %q", ok, stdout)
		}
	})
}

func TestZpoolImportScripts(t *testing.T) {
	c, _ := evalZpool(t, map[string]any{"consumer": consumerSettings(8)}, "nas1")
	unit := c.unit(t, "freecloud-zpool-import").ServiceConfig
	sb := newZpoolSandbox(t)

	// Before apply created the pool: said, and not a failure.
	stdout, stderr, ok := sb.run(unit.ExecStart)
	if !ok || !strings.Contains(stdout, "pool vault is not on the volumes yet: freecloud apply creates it") {
		t.Errorf("no pool yet: ok %v, %q, %q", ok, stdout, stderr)
	}
	sb.write("zpool/available/other", "")
	if stdout, _, ok := sb.run(unit.ExecStart); !ok || !strings.Contains(stdout, "not on the volumes yet") {
		t.Errorf("another pool is not this one: %q", stdout)
	}

	if sb.exists("marks/vault.imported") {
		t.Error("a pool not there was marked")
	}

	sb.write("zpool/available/vault", "")
	if stdout, stderr, ok := sb.run(unit.ExecStart); !ok || !strings.Contains(stdout, "imported pool vault") || !sb.exists("zpool/imported/vault") || !sb.exists("marks/vault.imported") {
		t.Errorf("import: ok %v, %q, %q", ok, stdout, stderr)
	}
	if !strings.Contains(sb.read("zpool.log"), "import -d "+sb.path("dev/disk/by-path")+" vault\n") {
		t.Errorf("zpool ran:\n%s", sb.read("zpool.log"))
	}
	if stdout, _, ok := sb.run(unit.ExecStart); !ok || !strings.Contains(stdout, "pool vault is imported") {
		t.Errorf("second start: %q", stdout)
	}

	if stdout, stderr, ok := sb.run(*unit.ExecStop); !ok || !strings.Contains(stdout, "exported pool vault") || sb.exists("zpool/imported/vault") {
		t.Errorf("export: ok %v, %q, %q", ok, stdout, stderr)
	}
	if stdout, _, ok := sb.run(*unit.ExecStop); !ok || stdout != "" {
		t.Errorf("second export: %q", stdout)
	}

	// Once imported here, a pool missing from the volumes is an error.
	if err := os.Remove(sb.path("zpool/available/vault")); err != nil {
		t.Fatal(err)
	}
	if _, stderr, ok := sb.run(unit.ExecStart); ok || !strings.Contains(stderr, "pool vault, imported here before, is not on the attached volumes") {
		t.Errorf("lost pool: ok %v, %q", ok, stderr)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
