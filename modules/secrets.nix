# Secrets on the host that uses them (DESIGN.md, principle 4).
#
# A profile's `secret.<name>` is the path of a file on the host. Each secret
# has a oneshot unit, freecloud-secret-<service>-<name>.service, ordered
# before the units that read it, which require it. There are three kinds:
#
# Generated (`generate`): made on the host from /dev/urandom, once, at
#
#   /var/lib/freecloud/secrets/<service>/<name>
#
# and kept across deploys and reboots; owner, group and mode are applied
# on every start. A new value is written to a temporary file in the same
# directory (.<name>.tmp.XXXXXX), flushed and renamed, so a crash leaves
# either the old value or a whole new one; temporary files a crash left
# behind are removed at the next start. An empty file counts as missing.
#
# Rotation: the start after `.<name>.rotate` appeared next to the secret
# (freecloud secrets rotate touches it, then restarts the unit) makes a new
# value the same way and removes the marker once the value is in place.
# The units that read the secret restart with it: they Require= the unit
# (through requiredBy), and systemd.unit(5) says of Requires= that "this
# unit will be stopped (or restarted) if one of the other units is
# explicitly stopped (or restarted)".
#
# Provided (`provided`, set by the operator) and shared (`shared`, made by
# freecloud in memory for every machine of a service): an armored age file
# in the flake, sealed to this host's SSH host key (and to the operator's
# recovery recipients), is decrypted at every start with the host's own
# key into
#
#   /run/freecloud/secrets/<service>/<name>
#
# on a ramfs mounted there, which the kernel never swaps out and which is
# gone at power-off. The ciphertexts are found in
# `freecloud.secretsCiphertexts` (a path in the flake, secrets/<machine>)
# as <service>.<name>.age; only the file's existence is read at
# evaluation, so adding, changing or re-sealing one changes no .nix file.
# A changed ciphertext is a new store path in the unit's script, so the
# switch restarts the unit, and the units that read the secret with it.
#
# No value enters the Nix store, a unit file, an environment variable, a
# command line or the journal: values go from /dev/urandom or from age's
# standard output straight into a file.
#
# The directories are mode 0711: other users may pass through to a file
# that is theirs (owner/group/mode below) but cannot list what is there.
# Consumers that read their secret through systemd's LoadCredential= can
# leave it owned by root.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;

  cfg = config.freecloud.secrets;
  ciphertexts = config.freecloud.secretsCiphertexts;
  secretsDir = "/var/lib/freecloud/secrets";
  providedDir = "/run/freecloud/secrets";
  # systemd's name for the mount unit of providedDir.
  providedMount = "run-freecloud-secrets.mount";

  # The host keys age may decrypt with, in the order the operator's side
  # seals to them: ed25519 when the host has one, else rsa. These are
  # NixOS's default services.openssh.hostKeys.
  hostKeys = [
    "/etc/ssh/ssh_host_ed25519_key"
    "/etc/ssh/ssh_host_rsa_key"
  ];

  # Service and secret names become paths, unit names and shell words.
  nameRe = "[A-Za-z0-9_][A-Za-z0-9_-]*";
  unitName = service: name: "freecloud-secret-${service}-${name}";

  secretOptions = {
    options = {
      generate = mkOption {
        type = types.nullOr (
          types.enum [
            "password"
            "hex"
            "base64"
          ]
        );
        default = null;
        description = ''
          How the value is made:
          `password`: `length` characters from A-Z, a-z and 0-9 (safe in
          URLs and configuration files);
          `hex`: `length` random bytes, hex encoded (`openssl rand -hex`);
          `base64`: `length` random bytes, base64 encoded (`openssl rand -base64`).
          No trailing newline in any case.
        '';
      };
      env = mkOption {
        type = types.nullOr (types.strMatching "[A-Za-z_][A-Za-z0-9_]*");
        default = null;
        example = "APP_KEY";
        description = ''
          Write the file as one environment variable assignment,
          `<env>=<prefix><value>` and a newline, for modules that read an
          environmentFile. Null: the file holds `<prefix><value>` only.
        '';
      };
      prefix = mkOption {
        type = types.strMatching "[^\n\r'\\\\]*";
        default = "";
        example = "base64:";
        description = "Text written before the value (e.g. Laravel's base64: for APP_KEY).";
      };
      provided = mkOption {
        type = types.bool;
        default = false;
        description = ''
          The operator provides the value (`freecloud secrets set`), sealed
          with age to this host's SSH host key, as
          `<freecloud.secretsCiphertexts>/<service>.<name>.age`. The unit
          decrypts it into /run/freecloud/secrets/<service>/<name> (a
          ramfs) with the host's key.
        '';
      };
      shared = mkOption {
        type = types.bool;
        default = false;
        description = ''
          freecloud made the value in memory, because several machines of
          a service need the same one, and sealed it to each of them. On
          the host it is decrypted like a provided secret.
        '';
      };
      length = mkOption {
        type = types.ints.between 16 4096;
        default = 32;
        description = "Characters for `password`, random bytes for `hex` and `base64`.";
      };
      owner = mkOption {
        type = types.str;
        default = "root";
        description = "User owning the file; it must exist when the unit runs.";
      };
      group = mkOption {
        type = types.str;
        default = "root";
        description = "Group owning the file.";
      };
      mode = mkOption {
        type = types.strMatching "0?[0-7]{3}";
        default = "0400";
        description = "File mode.";
      };
      before = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "nextcloud-setup.service" ];
        description = ''
          Units that read the file: they start after it exists, require it,
          and restart when it is rotated or re-decrypted.
        '';
      };
    };
  };

  decrypted = s: s.provided || s.shared;

  # One line of shell printing the value. Every command in these pipelines
  # reads its input to the end, so pipefail never trips on SIGPIPE; tr keeps
  # about a quarter of the random bytes, hence the loop for passwords.
  generateCommand =
    s:
    let
      n = toString s.length;
    in
    {
      password = ''local v=""; while [ "''${#v}" -lt ${n} ]; do v="$v$(head -c 1024 /dev/urandom | tr -dc 'A-Za-z0-9')"; done; printf '%s' "''${v:0:${n}}"'';
      hex = "head -c ${n} /dev/urandom | od -An -v -tx1 | tr -d ' \\n'";
      base64 = "head -c ${n} /dev/urandom | base64 -w 0 | tr -d '\\n'";
    }
    .${s.generate};

  # What the generated and the decrypted scripts share: the temporary
  # file's name, and put, which moves the temporary file into place with
  # its owner and mode. Its text starts a script's line.
  tmpPattern = dir: name: "${dir}/.${name}.tmp.";
  put = dir: s: ''
    put() {
      chown ${lib.escapeShellArg "${s.owner}:${s.group}"} "$tmp"
      chmod ${s.mode} "$tmp"
      sync "$tmp"
      mv -f "$tmp" "$file" # rename(2) within one directory: atomic
      trap - EXIT
      sync ${lib.escapeShellArg dir}
    }
  '';

  # A generated secret: made once, again when the rotation marker is there.
  generatedScript =
    service: name: s:
    let
      dir = "${secretsDir}/${service}";
    in
    ''
      set -euo pipefail
      umask 077
      ${put dir s}
      value() { ${generateCommand s}; }
      generate() {
        ${
          if s.env != null then
            "printf '%s=%s%s\\n' ${s.env} ${lib.escapeShellArg s.prefix} \"$(value)\""
          else
            "printf '%s%s' ${lib.escapeShellArg s.prefix} \"$(value)\""
        }
      }
      file=${lib.escapeShellArg "${dir}/${name}"}
      marker=${lib.escapeShellArg "${dir}/.${name}.rotate"}
      rm -f ${lib.escapeShellArg (tmpPattern dir name)}* # left by a crash, never used
      if [ ! -s "$file" ] || [ -e "$marker" ]; then
        tmp=$(mktemp ${lib.escapeShellArg "${tmpPattern dir name}XXXXXX"})
        trap 'rm -f "$tmp"' EXIT
        generate > "$tmp"
        put
        if [ -e "$marker" ]; then
          # Only now: a crash before the rename leaves the marker, and the
          # next start rotates.
          rm -f "$marker"
          sync ${lib.escapeShellArg dir}
          echo "rotated $file"
        else
          echo "created $file"
        fi
      fi
      chown ${lib.escapeShellArg "${s.owner}:${s.group}"} "$file"
      chmod ${s.mode} "$file"
    '';

  # A provided or shared secret: decrypted at every start, never on disk.
  decryptedScript =
    service: name: s:
    let
      dir = "${providedDir}/${service}";
      what = "secret ${service}/${name}";
      cipherFile = "${service}.${name}.age";
      # pathExists is false for a path under a directory that does not
      # exist, and for no directory at all.
      present = ciphertexts != null && builtins.pathExists (ciphertexts + "/${cipherFile}");
    in
    ''
      set -euo pipefail
      umask 077
    ''
    + (
      if !present then
        ''
          echo ${lib.escapeShellArg "${what} was not provided: run 'freecloud secrets set ${service} ${name}' and deploy again"} >&2
          exit 1
        ''
      else
        put dir s
        + ''
          # Interpolated, the ciphertext is copied into the Nix store: it is
          # sealed, and a new one is a new path, so the unit restarts.
          ciphertext=${lib.escapeShellArg "${ciphertexts + "/${cipherFile}"}"}
          # Plaintext goes to a ramfs only; never to a disk.
          if [ "$(stat -f -c %T ${providedDir})" != ramfs ]; then
            echo ${lib.escapeShellArg "${what}: ${providedDir} is not a ramfs; refusing to decrypt onto it"} >&2
            exit 1
          fi
          identities=()
          for key in ${lib.concatMapStringsSep " " lib.escapeShellArg hostKeys}; do
            if [ -s "$key" ]; then identities+=(-i "$key"); fi
          done
          if [ "''${#identities[@]}" -eq 0 ]; then
            echo ${lib.escapeShellArg "${what}: this host has no SSH host key (${lib.concatStringsSep ", " hostKeys}) to decrypt it with"} >&2
            exit 1
          fi
          mkdir -p ${lib.escapeShellArg dir}
          chmod 0711 ${lib.escapeShellArg dir}
          file=${lib.escapeShellArg "${dir}/${name}"}
          rm -f ${lib.escapeShellArg (tmpPattern dir name)}* # left by a crash, never used
          tmp=$(mktemp ${lib.escapeShellArg "${tmpPattern dir name}XXXXXX"})
          trap 'rm -f "$tmp"' EXIT
          # age detects the armor itself. The plaintext goes from its standard
          # output into the file; only its error message is kept, to tell a
          # ciphertext sealed to another key from a broken one.
          if ! err=$(age --decrypt "''${identities[@]}" "$ciphertext" 2>&1 > "$tmp"); then
            case "$err" in
            *"no identity matched"*)
              echo ${lib.escapeShellArg "${what} is not sealed to this host's key: run 'freecloud secrets rekey' and deploy again"} >&2
              ;;
            *)
              echo ${lib.escapeShellArg "${what} cannot be decrypted:"} "$err" >&2
              ;;
            esac
            exit 1
          fi
          if [ ! -s "$tmp" ]; then
            echo ${lib.escapeShellArg "${what} is empty: run 'freecloud secrets set ${service} ${name}' and deploy again"} >&2
            exit 1
          fi
          put
          echo "decrypted $file"
        ''
    );

  unit =
    service: name: s:
    let
      d = decrypted s;
    in
    {
      description = "freecloud: secret ${service}/${name}";
      wantedBy = [ "multi-user.target" ];
      before = s.before;
      requiredBy = s.before;
      # A decrypted secret needs the ramfs first, and the host key: NixOS
      # makes missing host keys in sshd-keygen.service (when
      # services.openssh.generateHostKeys, as with sshd enabled), a oneshot
      # sshd itself is ordered after the same way.
      requires = lib.optional d providedMount;
      after = lib.optionals d [
        providedMount
        "sshd-keygen.service"
      ];
      wants = lib.optional (d && config.services.openssh.generateHostKeys) "sshd-keygen.service";
      path = lib.optional d pkgs.age ++ [ pkgs.coreutils ];
      script = if d then decryptedScript service name s else generatedScript service name s;
      # A changed unit (a new ciphertext) is restarted by the switch rather
      # than stopped and started, so the restart reaches the units that
      # require it, as a rotation's does.
      stopIfChanged = false;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        UMask = "0077";
        CapabilityBoundingSet = [
          "CAP_CHOWN"
          "CAP_FOWNER"
        ];
        NoNewPrivileges = true;
        PrivateDevices = true; # /dev/urandom stays available
        PrivateNetwork = true;
        PrivateTmp = true;
        ProtectHome = true;
        ProtectSystem = "strict";
      }
      // (
        if d then
          { ReadWritePaths = [ providedDir ]; }
        else
          {
            # systemd creates /var/lib/freecloud/secrets/<service> and keeps its mode.
            StateDirectory = "freecloud/secrets/${service}";
            StateDirectoryMode = "0711";
          }
      );
    };

  allNames = lib.concatLists (
    lib.mapAttrsToList (service: secrets: map (name: { inherit service name; }) (lib.attrNames secrets)) cfg
  );
  unitNames = map (x: unitName x.service x.name) allNames;
  anyDecrypted = lib.any (x: decrypted cfg.${x.service}.${x.name}) allNames;
in
{
  options.freecloud = {
    secrets = mkOption {
      type = types.attrsOf (types.attrsOf (types.submodule secretOptions));
      default = { };
      example = {
        cloud.admin_password = {
          generate = "password";
          before = [ "nextcloud-setup.service" ];
        };
      };
      description = "Secrets of this host, by service name, then secret name.";
    };
    secretsDir = mkOption {
      type = types.str;
      default = secretsDir;
      readOnly = true;
      description = "Directory of the generated secrets: <secretsDir>/<service>/<name>.";
    };
    secretsCiphertexts = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = lib.literalExpression "../../secrets/web1";
      description = ''
        Directory holding this host's sealed secrets, <service>.<name>.age
        (armored age files, sealed to the host's SSH host key): a path in
        the flake, which need not exist. A provided or shared secret whose
        file is not there fails its unit with the command that provides it.
      '';
    };
  };

  config = lib.mkIf (cfg != { }) {
    assertions = [
      {
        assertion = lib.all (x: builtins.match nameRe x.service != null && builtins.match nameRe x.name != null) allNames;
        message = "freecloud.secrets: service and secret names may only contain letters, digits, _ and - (and not start with -).";
      }
      {
        assertion = lib.all (
          x:
          let
            s = cfg.${x.service}.${x.name};
          in
          lib.length (lib.filter (b: b) [
            (s.generate != null)
            s.provided
            s.shared
          ]) == 1
        ) allNames;
        message = "freecloud.secrets: each secret is either generated (generate = ...), provided (provided = true) or shared (shared = true): exactly one of them.";
      }
      {
        assertion = lib.length unitNames == lib.length (lib.unique unitNames);
        message = "freecloud.secrets: two secrets map to the same unit name (e.g. service a-b secret c and service a secret b-c); rename one.";
      }
    ];

    systemd.tmpfiles.settings."10-freecloud-secrets" = {
      "/var/lib/freecloud".d = {
        mode = "0755";
        user = "root";
        group = "root";
      };
      ${secretsDir}.d = {
        mode = "0711";
        user = "root";
        group = "root";
      };
    };

    # ramfs, not tmpfs: its pages are never written to swap.
    systemd.mounts = lib.optional anyDecrypted {
      description = "freecloud: decrypted secrets (ramfs)";
      what = "ramfs";
      where = providedDir;
      type = "ramfs";
      options = "mode=0711,nodev,nosuid,noexec";
    };

    systemd.services = lib.listToAttrs (
      map (x: lib.nameValuePair (unitName x.service x.name) (unit x.service x.name cfg.${x.service}.${x.name})) allNames
    );
  };
}
