# The "true cloud" pool: machines lend part of a raw disk to each other as
# iSCSI volumes over the WireGuard mesh, and a consumer builds a RAIDZ3
# pool from eight volumes on eight other machines, so it survives losing
# any three of them. The zfs-pool coordinator (storage/zpool) decides who
# exports what to whom; this module only makes a host do its part.
#
# Provider (freecloud.zpool.provider): the machine's raw data disk holds a
# local ZFS pool of volumes (zvols). freecloud-zvols.service imports it
# and makes sure each listed volume exists with at least its size; then
# the kernel's LIO target (services.target, iscsi-target.service) exports
# each one as its own iSCSI target with one LUN, on the mesh address only,
# to exactly one initiator.
#
# Consumer (freecloud.zpool.consumer): open-iscsi logs into the eight
# targets (freecloud-iscsi-login.service), then freecloud-zpool-import
# imports the pool, and exports it when stopped, before the sessions are
# logged out.
#
# Both pools are created by freecloud's apply, never by the host: the host
# only imports them. Until a pool has been imported here once (a marker,
# /var/lib/freecloud/zpool/<pool>.imported), its absence is expected: the
# units say so and succeed, so that the first deploy, which runs before
# apply can create anything (the ZFS module arrives with it), is not
# rolled back as degraded. Afterwards a pool that cannot be imported fails
# its unit. After creating a pool, apply starts the units again:
# `systemctl restart freecloud-zvols.service iscsi-target.service` on a
# provider, `systemctl start freecloud-iscsi-relogin.service` then
# `systemctl restart freecloud-zpool-import.service` on a consumer.
#
# Neither pool is in boot.zfs.extraPools. NixOS's zfs-import-<pool>.service
# fails while the pool does not exist (the first deploy again), and for
# the consumer it would be a cycle: it is ordered before zfs-import.target,
# hence before local-fs.target, while the iSCSI login needs the network,
# which comes after local-fs.target.
#
# No CHAP: the mesh authenticates machines (WireGuard keys), the portal
# listens on the mesh address only, the firewall opens 3260 on the mesh
# interface only, and each target's ACL admits one initiator name. A CHAP
# secret would add a shared secret to manage without adding a party that
# could be kept out.
#
# Nothing here destroys data: volumes are created and grown, never shrunk
# or removed; a volume no longer listed is left in place and logged. Login
# and import units are not restarted by a deploy (restartIfChanged = false):
# a switch must never take a mounted pool away.
#
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b:
# boot.zfs.extraPools and zfs-import-<pool>.service (not used, see above) in
# nixos/modules/tasks/filesystems/zfs.nix; boot.supportedFilesystems
# (attrsOf bool, a list coerces) in nixos/modules/tasks/filesystems.nix;
# networking.hostId (nullOr str) in nixos/modules/tasks/network-interfaces.nix;
# services.target.{enable,config} and iscsi-target.service (targetctl
# restore of /etc/target/saveconfig.json) in
# nixos/modules/services/networking/iscsi/target.nix; services.openiscsi
# in nixos/modules/services/networking/iscsi/initiator.nix;
# networking.firewall.interfaces.<name>.allowedTCPPorts in
# nixos/modules/services/networking/firewall.nix; wireguard-<name>.service
# and wireguard-<name>.target in nixos/modules/services/networking/wireguard.nix.
# The saveconfig.json format is rtslib-fb v2.2.4's (doc/saveconfig.json.5).
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;
  cfg = config.freecloud.zpool;
  zfs = config.boot.zfs.package;
  iscsi = config.services.openiscsi.package;

  portalPort = 3260;
  # RAIDZ3 over exactly this many volumes: three of them are parity.
  width = 8;
  parity = 3;

  iqn = types.strMatching "iqn\\.[0-9]{4}-[0-9]{2}\\.[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[A-Za-z0-9._:-]+)?";
  ipv4 = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";
  poolName = types.strMatching "[A-Za-z][A-Za-z0-9_.-]*";
  interfaceName = types.strMatching "[A-Za-z0-9_.-]{1,15}";

  # zfs and zpool are in sbin, mount.zfs and iscsiadm in bin.
  binPath = packages: lib.concatStringsSep ":" (lib.concatMap (p: [ "${p}/bin" "${p}/sbin" ]) packages);
  script =
    name: packages: text:
    pkgs.writeShellScript name ''
      set -euo pipefail
      export PATH=${binPath packages}
      ${text}
    '';

  # Sizes are whole GB (10^9 bytes). A zvol's size must be a multiple of
  # its block size, which is at most 1 MiB: round up to whole MiB. ZFS's
  # own "G" suffix would mean GiB.
  volumeBytes = gb: builtins.mul (builtins.div (gb * 1000000000 + 1048575) 1048576) 1048576;

  # A T10 unit serial derived from the target name, so the disk keeps its
  # identity (/dev/disk/by-id) across restarts of the target; rtslib would
  # otherwise make a random one at every restore.
  unitSerial =
    target:
    let
      h = builtins.hashString "sha256" target;
      part = start: len: builtins.substring start len h;
    in
    "${part 0 8}-${part 8 4}-${part 12 4}-${part 16 4}-${part 20 12}";

  volumeOptions = {
    options = {
      name = mkOption {
        type = types.strMatching "[A-Za-z0-9][A-Za-z0-9_.-]*";
        example = "vault-nas1";
        description = "Name of the zvol (<pool>/<name>) and of its LIO block backstore.";
      };
      sizeGB = mkOption {
        type = types.ints.positive;
        example = 200;
        description = ''
          Size in GB (10^9 bytes). The volume is created with this size and
          grown when it is smaller, never shrunk: the consumer's pool has
          data across all of it.
        '';
      };
      target = mkOption {
        type = iqn;
        example = "iqn.2026-11.org.freecloud:vault.web1.nas1";
        description = "iSCSI name of the target exporting the volume (one target per volume, LUN 0).";
      };
      initiator = mkOption {
        type = iqn;
        example = "iqn.2026-11.org.freecloud:vault.nas1";
        description = "The one initiator the target's ACL admits: the consumer's services.openiscsi.name.";
      };
    };
  };

  providerOptions = {
    options = {
      pool = mkOption {
        type = poolName;
        default = "fcvols";
        description = ''
          Local ZFS pool holding the volumes. freecloud's apply creates it on
          the machine's raw disk once; the host only imports it.
        '';
      };
      listen = mkOption {
        type = types.strMatching ipv4;
        example = "10.77.0.1";
        description = ''
          The machine's mesh address (IPv4). The iSCSI portal listens only
          there, on port ${toString portalPort}, so volumes are reachable
          over the mesh and nowhere else.
        '';
      };
      interface = mkOption {
        type = interfaceName;
        default = "wg-mesh";
        description = ''
          The mesh's WireGuard interface: the firewall opens port
          ${toString portalPort} on it only, and the target starts after it
          has its address.
        '';
      };
      volumes = mkOption {
        type = types.listOf (types.submodule volumeOptions);
        default = [ ];
        description = "The volumes this machine lends, one iSCSI target each.";
      };
    };
  };

  remoteVolumeOptions = {
    options = {
      portal = mkOption {
        type = types.strMatching "${ipv4}:[0-9]{1,5}";
        example = "10.77.0.2:3260";
        description = "Mesh address and port of the provider's portal.";
      };
      target = mkOption {
        type = iqn;
        example = "iqn.2026-11.org.freecloud:vault.web1.nas1";
        description = "iSCSI name of the volume's target.";
      };
    };
  };

  consumerOptions = {
    options = {
      pool = mkOption {
        type = poolName;
        example = "vault";
        description = ''
          The RAIDZ3 pool built from the volumes. freecloud's apply creates
          it; the host imports it, and its datasets mount where their
          mountpoint property says (zpool create's default: /<pool>).
        '';
      };
      initiator = mkOption {
        type = iqn;
        example = "iqn.2026-11.org.freecloud:vault.nas1";
        description = "This machine's iSCSI initiator name, the one the providers' ACLs admit.";
      };
      interface = mkOption {
        type = interfaceName;
        default = "wg-mesh";
        description = "The mesh's WireGuard interface: logins start after its peers are configured.";
      };
      volumes = mkOption {
        type = types.listOf (types.submodule remoteVolumeOptions);
        description = "Exactly ${toString width} volumes, each on another provider: the pool's disks.";
      };
      deviceTimeoutSec = mkOption {
        type = types.ints.between 0 3600;
        default = 60;
        description = ''
          How long the login waits for the volumes' disks to appear
          (/dev/disk/by-path/ip-<portal>-iscsi-<target>-lun-0). With more
          than ${toString parity} missing after that, the pool cannot be
          imported and the unit fails (and is retried a few times); with
          fewer, it is imported degraded.
        '';
      };
    };
  };

  # ZFS refuses to import a pool last used by another host id; deriving it
  # from the host name keeps it stable across reinstalls.
  hostIdOf = name: builtins.substring 0 8 (builtins.hashString "sha256" name);

  # Written when a pool is found imported: from then on, a pool that
  # cannot be imported is an error rather than one apply has yet to create.
  markerDir = "/var/lib/freecloud/zpool";
  markerOf = pool: "${markerDir}/${pool}.imported";
  markPool = pool: ''
    mkdir -p ${markerDir}
    touch ${lib.escapeShellArg (markerOf pool)}
  '';

  ##### Provider

  provider = cfg.provider;
  providerPool = provider.pool;

  zvolsScript =
    let
      ds = v: "${providerPool}/${v.name}";
      ensure = v: "ensure ${lib.escapeShellArg v.name} ${toString (volumeBytes v.sizeGB)} ${toString v.sizeGB}";
      listed = " " + lib.concatMapStringsSep " " ds provider.volumes + " ";
    in
    script "freecloud-zvols" [ zfs pkgs.coreutils ] ''
      pool=${lib.escapeShellArg providerPool}
      if ! zpool list -H -o name "$pool" >/dev/null 2>&1; then
        # -N: the pool holds volumes only.
        if ! out=$(zpool import -N "$pool" 2>&1); then
          if [ -e ${lib.escapeShellArg (markerOf providerPool)} ]; then
            echo "freecloud-zvols: cannot import pool $pool, which this machine imported before: $out (is its disk there? 'zpool import' lists the pools it sees)" >&2
            exit 1
          fi
          echo "pool $pool is not there yet ($out): freecloud apply creates it on this machine's raw disk"
          exit 0
        fi
        echo "imported pool $pool"
      fi
      ${markPool providerPool}
      failed=0
      # ensure <name> <bytes> <GB>: the volume exists with at least <bytes>.
      ensure() {
        local ds="$pool/$1" bytes="$2" gb="$3" cur
        if ! cur=$(zfs get -Hp -o value volsize "$ds" 2>/dev/null); then
          # Not sparse: the volume's refreservation holds its whole size, so
          # a pool without room fails here, at deploy, rather than as write
          # errors on the consumer later. volmode=dev: this host never scans
          # the partitions the consumer's ZFS writes onto the volume.
          if zfs create -V "$bytes" -o volmode=dev "$ds"; then
            echo "created $ds: $gb GB"
          else
            echo "freecloud-zvols: cannot create $ds ($gb GB); is the pool full? (zfs list -o space $pool)" >&2
            failed=1
          fi
          return 0
        fi
        case "$cur" in
        "" | *[!0-9]*)
          echo "freecloud-zvols: $ds exists and is not a volume; rename or remove it" >&2
          failed=1
          ;;
        *)
          if [ "$cur" -lt "$bytes" ]; then
            if zfs set volsize="$bytes" "$ds"; then
              echo "grew $ds from $cur to $bytes bytes ($gb GB)"
            else
              echo "freecloud-zvols: cannot grow $ds to $gb GB; is the pool full? (zfs list -o space $pool)" >&2
              failed=1
            fi
          elif [ "$cur" -gt "$bytes" ]; then
            echo "$ds has $cur bytes, more than the $gb GB asked: volumes are never shrunk"
          fi
          ;;
        esac
      }
      ${lib.concatMapStringsSep "\n" ensure provider.volumes}
      # Volumes no longer listed keep their data: only a person destroys one.
      listed=${lib.escapeShellArg listed}
      zfs list -H -o name -t volume -r "$pool" | while IFS= read -r ds; do
        case "$listed" in
        *" $ds "*) ;;
        *) echo "$ds is no longer exported; it is kept: destroy it with 'zfs destroy $ds' once its data is not needed" ;;
        esac
      done
      exit "$failed"
    '';

  # /etc/target/saveconfig.json: one block backstore, one target, one TPG
  # with one LUN, one portal and one ACL per volume.
  lio = {
    storage_objects = map (v: {
      name = v.name;
      plugin = "block";
      dev = "/dev/zvol/${providerPool}/${v.name}";
      wwn = unitSerial v.target;
    }) provider.volumes;
    targets = map (v: {
      wwn = v.target;
      fabric = "iscsi";
      tpgs = [
        {
          tag = 1;
          enable = true;
          # Only the ACL's initiator gets in (generate_node_acls = 0), with
          # no CHAP (authentication = 0, see the header).
          attributes = {
            authentication = 0;
            generate_node_acls = 0;
            cache_dynamic_acls = 0;
            demo_mode_write_protect = 1;
          };
          luns = [
            {
              index = 0;
              storage_object = "/backstores/block/${v.name}";
            }
          ];
          portals = [
            {
              ip_address = provider.listen;
              port = portalPort;
            }
          ];
          node_acls = [
            {
              node_wwn = v.initiator;
              mapped_luns = [
                {
                  index = 0;
                  tpg_lun = 0;
                  write_protect = false;
                }
              ];
            }
          ];
        }
      ];
    }) provider.volumes;
  };

  ##### Consumer

  consumer = cfg.consumer;
  devicePath = v: "/dev/disk/by-path/ip-${v.portal}-iscsi-${v.target}-lun-0";

  # retry = false: the boot login, which waits for the disks and fails when
  # the pool cannot be imported. retry = true: the periodic one, which logs
  # into volumes whose provider was down at boot and never fails.
  loginScript =
    retry:
    script (if retry then "freecloud-iscsi-relogin" else "freecloud-iscsi-login")
      [
        iscsi
        pkgs.coreutils
      ]
      ''
        # login <portal> <target>: a session exists afterwards; one that
        # already did is fine.
        login() {
          local portal="$1" target="$2" rc=0 out
          if ! iscsiadm -m node -T "$target" -p "$portal" >/dev/null 2>&1; then
            if ! out=$(iscsiadm -m node -T "$target" -p "$portal" -o new 2>&1); then
              echo "freecloud-iscsi-login: cannot record $target at $portal: $out" >&2
              return 1
            fi
          fi
          out=$(iscsiadm -m node -T "$target" -p "$portal" --login 2>&1) || rc=$?
          case "$rc" in
          0) echo "logged in to $target at $portal" ;;
          15) ;; # ISCSI_ERR_SESS_EXISTS: already logged in
          *)
            echo "freecloud-iscsi-login: cannot log in to $target at $portal (iscsiadm exit $rc): $out" >&2
            return 1
            ;;
          esac
        }
        ${lib.concatMapStringsSep "\n" (
          v: "login ${lib.escapeShellArg v.portal} ${lib.escapeShellArg v.target} || true"
        ) consumer.volumes}
        devices=(${lib.concatMapStringsSep " " (v: lib.escapeShellArg (devicePath v)) consumer.volumes})
        timeout=${toString consumer.deviceTimeoutSec}
        deadline=$((SECONDS + timeout))
        while :; do
          missing=()
          for dev in "''${devices[@]}"; do
            if [ ! -e "$dev" ]; then missing+=("$dev"); fi
          done
          if [ "''${#missing[@]}" -eq 0 ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
          sleep 1
        done
        for dev in "''${missing[@]}"; do
          echo "freecloud-iscsi-login: no disk $dev after ''${timeout}s: is its provider up and reachable over the mesh? (iscsiadm -m session lists the sessions)" >&2
        done
        pool=${lib.escapeShellArg consumer.pool}
        ${
          if retry then
            ''
              exit 0
            ''
          else
            ''
              if [ "''${#missing[@]}" -gt ${toString parity} ] && [ ! -e ${lib.escapeShellArg (markerOf consumer.pool)} ]; then
                echo "pool $pool: ''${#missing[@]} of ${toString width} volumes are missing, and the pool was never imported here: taken as not made yet (freecloud apply makes it once all ${toString width} are attached)"
                exit 0
              fi
              if [ "''${#missing[@]}" -gt ${toString parity} ]; then
                echo "freecloud-iscsi-login: pool $pool: ''${#missing[@]} of ${toString width} volumes are missing and RAIDZ3 survives ${toString parity}; it is not imported" >&2
                exit 1
              fi
              if [ "''${#missing[@]}" -gt 0 ]; then
                echo "pool $pool: ''${#missing[@]} of ${toString width} volumes missing; it is imported degraded"
              fi
            ''
        }
      '';

  # Logs out of the volumes' sessions, unless the pool is still imported:
  # taking its disks away would suspend it.
  logoutScript =
    script "freecloud-iscsi-logout"
      [
        iscsi
        zfs
        pkgs.coreutils
      ]
      ''
        pool=${lib.escapeShellArg consumer.pool}
        if zpool list -H -o name "$pool" >/dev/null 2>&1; then
          echo "freecloud-iscsi-logout: pool $pool is still imported; not logging out of its volumes (stop freecloud-zpool-import.service first)" >&2
          exit 1
        fi
        failed=0
        logout() {
          local portal="$1" target="$2" rc=0
          iscsiadm -m node -T "$target" -p "$portal" --logout >/dev/null 2>&1 || rc=$?
          case "$rc" in
          0) echo "logged out of $target at $portal" ;;
          21) ;; # ISCSI_ERR_NO_OBJS_FOUND: no session
          *)
            echo "freecloud-iscsi-logout: cannot log out of $target at $portal (iscsiadm exit $rc)" >&2
            failed=1
            ;;
          esac
        }
        ${lib.concatMapStringsSep "\n" (
          v: "logout ${lib.escapeShellArg v.portal} ${lib.escapeShellArg v.target}"
        ) consumer.volumes}
        exit "$failed"
      '';

  importScript =
    script "freecloud-zpool-import"
      [
        zfs
        pkgs.gawk
        pkgs.coreutils
      ]
      ''
        pool=${lib.escapeShellArg consumer.pool}
        if zpool list -H -o name "$pool" >/dev/null 2>&1; then
          echo "pool $pool is imported"
          ${markPool consumer.pool}
          exit 0
        fi
        # zpool import without a name lists the importable pools; it fails
        # when there is none.
        if ! { zpool import -d /dev/disk/by-path 2>/dev/null || true; } | awk -v p="$pool" '$1 == "pool:" && $2 == p { found = 1 } END { exit !found }'; then
          if [ -e ${lib.escapeShellArg (markerOf consumer.pool)} ]; then
            echo "freecloud-zpool-import: pool $pool, imported here before, is not on the attached volumes (iscsiadm -m session; zpool import -d /dev/disk/by-path)" >&2
            exit 1
          fi
          echo "pool $pool is not on the volumes yet: freecloud apply creates it once all ${toString width} are attached"
          exit 0
        fi
        # Without -N: the datasets mount where their mountpoint says.
        if ! zpool import -d /dev/disk/by-path "$pool"; then
          echo "freecloud-zpool-import: cannot import pool $pool (see above). If it was last used under another host id (this machine renamed or reinstalled), 'zpool import -f $pool' takes it over." >&2
          exit 1
        fi
        echo "imported pool $pool"
        ${markPool consumer.pool}
      '';

  exportScript = script "freecloud-zpool-export" [ zfs pkgs.coreutils ] ''
    pool=${lib.escapeShellArg consumer.pool}
    if zpool list -H -o name "$pool" >/dev/null 2>&1; then
      zpool export "$pool"
      echo "exported pool $pool"
    fi
  '';

  consumerTargets = map (v: v.target) consumer.volumes;

  common = {
    boot.supportedFilesystems.zfs = true;
    networking.hostId = lib.mkDefault (hostIdOf config.networking.hostName);
  };

  providerConfig = {
    assertions = [
      {
        assertion = lib.length (lib.unique (map (v: v.name) provider.volumes)) == lib.length provider.volumes;
        message = "freecloud.zpool.provider.volumes: two volumes have the same name; each is its own zvol.";
      }
      {
        assertion = lib.length (lib.unique (map (v: v.target) provider.volumes)) == lib.length provider.volumes;
        message = "freecloud.zpool.provider.volumes: two volumes have the same target name; each volume is its own target.";
      }
    ];

    systemd.services.freecloud-zvols = {
      description = "freecloud: volumes lent to the pool's consumers";
      after = [ "systemd-modules-load.service" ];
      # The target still starts when a volume could not be made: the
      # others are served, and the failed unit shows in systemctl --failed.
      before = [ "iscsi-target.service" ];
      wantedBy = [
        "multi-user.target"
        "iscsi-target.service"
      ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = zvolsScript;
      };
    };

    services.target = {
      enable = true;
      config = lio;
    };

    systemd.services.iscsi-target = {
      # The portal binds the mesh address, which the interface's unit sets.
      after = [
        "freecloud-zvols.service"
        "wireguard-${provider.interface}.service"
        "network-online.target"
      ];
      wants = [ "network-online.target" ];
      # NixOS does not restart the target when saveconfig.json changes; a
      # restart clears and restores it, so a new volume is exported at the
      # deploy that adds it. The consumers' sessions reconnect within
      # open-iscsi's replacement timeout.
      restartTriggers = [ (builtins.toJSON lio) ];
    };

    networking.firewall.interfaces.${provider.interface}.allowedTCPPorts = [ portalPort ];
  };

  consumerConfig = {
    assertions = [
      {
        assertion = lib.length consumer.volumes == width;
        message = "freecloud.zpool.consumer.volumes: the pool is RAIDZ3 over exactly ${toString width} volumes, got ${toString (lib.length consumer.volumes)}; the zfs-pool coordinator places ${toString width} per consumer (are enough providers in the service?).";
      }
      {
        assertion = lib.length (lib.unique consumerTargets) == lib.length consumerTargets;
        message = "freecloud.zpool.consumer.volumes: a target is listed twice; each of the pool's disks is a different volume.";
      }
    ];

    services.openiscsi = {
      enable = true;
      name = consumer.initiator;
    };

    systemd.services.freecloud-iscsi-login = {
      description = "freecloud: log into the volumes of pool ${consumer.pool}";
      wantedBy = [ "multi-user.target" ];
      # wireguard-<interface>.target comes after the interface's peers are
      # configured (the scripted backend); without it, network-online.
      after = [
        "network-online.target"
        "iscsid.service"
        "wireguard-${consumer.interface}.service"
        "wireguard-${consumer.interface}.target"
      ];
      wants = [
        "network-online.target"
        "iscsid.service"
      ];
      restartIfChanged = false;
      # A provider booting at the same time: retried, at most 5 times in 10
      # minutes.
      unitConfig = {
        StartLimitIntervalSec = 600;
        StartLimitBurst = 5;
      };
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = loginScript false;
        ExecStop = logoutScript;
        Restart = "on-failure";
        RestartSec = 30;
      };
    };

    # Volumes whose provider was down at boot: logged into when it is back;
    # ZED brings the returning disk back into the pool.
    systemd.services.freecloud-iscsi-relogin = {
      description = "freecloud: log into the volumes of pool ${consumer.pool} that are not attached";
      after = [ "freecloud-iscsi-login.service" ];
      serviceConfig = {
        Type = "oneshot";
        ExecStart = loginScript true;
      };
    };
    systemd.timers.freecloud-iscsi-relogin = {
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnBootSec = "5min";
        OnUnitActiveSec = "5min";
      };
    };

    systemd.services.freecloud-zpool-import = {
      description = "freecloud: import pool ${consumer.pool}";
      wantedBy = [ "multi-user.target" ];
      after = [ "freecloud-iscsi-login.service" ];
      requires = [ "freecloud-iscsi-login.service" ];
      restartIfChanged = false;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = importScript;
        # Before the sessions go (stop runs in reverse order).
        ExecStop = exportScript;
      };
    };
  };
in
{
  options.freecloud.zpool = {
    provider = mkOption {
      type = types.nullOr (types.submodule providerOptions);
      default = null;
      description = ''
        This machine lends volumes of its local pool to consumers over
        iSCSI on the mesh. Null: it lends none.
      '';
    };
    consumer = mkOption {
      type = types.nullOr (types.submodule consumerOptions);
      default = null;
      description = ''
        This machine imports a RAIDZ3 pool built from ${toString width}
        volumes lent by other machines. Null: it has none.
      '';
    };
  };

  config = lib.mkMerge [
    (lib.mkIf (cfg.provider != null || cfg.consumer != null) common)
    (lib.mkIf (cfg.provider != null) providerConfig)
    (lib.mkIf (cfg.consumer != null) consumerConfig)
  ];
}
