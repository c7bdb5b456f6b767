# Secrets made on the host that uses them (DESIGN.md, principle 4).
#
# A profile's `secret.<name>` is the path of a file on the host:
#
#   /var/lib/freecloud/secrets/<service>/<name>
#
# For each secret, freecloud-secret-<service>-<name>.service creates that
# file once from /dev/urandom and re-applies owner, group and mode on every
# start. The value never enters the Nix store, a unit file, an environment
# variable, a command line or the journal. A new file is written to a
# temporary name in the same directory, flushed and renamed, so a crash
# leaves either no secret or a whole one. An existing secret is never
# replaced; an empty file counts as missing.
#
# The directories are mode 0711: other users may pass through to a file
# that is theirs (owner/group/mode below) but cannot list what is there.
# Consumers that read their secret through systemd's LoadCredential= can
# leave it owned by root.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;

  cfg = config.freecloud.secrets;
  secretsDir = "/var/lib/freecloud/secrets";
  providedDir = "/run/freecloud/secrets";

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
          The operator provides the value (`freecloud secrets set`); it is
          decrypted with the host's key into
          /run/freecloud/secrets/<service>/<name> (a tmpfs) at activation.
          The unit only checks that it is there and fixes its ownership.
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
        description = "Units that read the file: they start after it exists and require it.";
      };
    };
  };

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

  # A provided secret is put in place at activation; its unit fails loudly,
  # naming the command to run, when it is missing.
  providedScript = service: name: s: ''
    set -euo pipefail
    file=${lib.escapeShellArg "${providedDir}/${service}/${name}"}
    if [ ! -s "$file" ]; then
      echo "secret ${service}/${name} was not provided: run 'freecloud secrets set ${service} ${name}' and deploy again" >&2
      exit 1
    fi
    chown ${lib.escapeShellArg "${s.owner}:${s.group}"} "$file"
    chmod ${s.mode} "$file"
  '';

  script =
    service: name: s:
    let
      dir = "${secretsDir}/${service}";
      file = "${dir}/${name}";
    in
    ''
      set -euo pipefail
      umask 077
      value() { ${generateCommand s}; }
      generate() {
        ${
          if s.env != null then
            "printf '%s=%s%s\\n' ${s.env} ${lib.escapeShellArg s.prefix} \"$(value)\""
          else
            "printf '%s%s' ${lib.escapeShellArg s.prefix} \"$(value)\""
        }
      }
      file=${lib.escapeShellArg file}
      rm -f ${lib.escapeShellArg "${dir}/.${name}."}* # left by a crash, never used
      if [ ! -s "$file" ]; then
        tmp=$(mktemp ${lib.escapeShellArg "${dir}/.${name}.XXXXXX"})
        trap 'rm -f "$tmp"' EXIT
        generate > "$tmp"
        sync "$tmp"
        mv -f "$tmp" "$file" # rename(2) within one directory: atomic
        trap - EXIT
        sync ${lib.escapeShellArg dir}
        echo "created $file"
      fi
      chown ${lib.escapeShellArg "${s.owner}:${s.group}"} "$file"
      chmod ${s.mode} "$file"
    '';

  unit = service: name: s: {
    description = "freecloud: secret ${service}/${name}";
    wantedBy = [ "multi-user.target" ];
    before = s.before;
    requiredBy = s.before;
    path = [ pkgs.coreutils ];
    script = if s.provided then providedScript service name s else script service name s;
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
      UMask = "0077";
    }
    // (
      if s.provided then
        {
          # "-": a missing directory is the error the script reports.
          ReadWritePaths = [ "-${providedDir}/${service}" ];
        }
      else
        {
          # systemd creates /var/lib/freecloud/secrets/<service> and keeps its mode.
          StateDirectory = "freecloud/secrets/${service}";
          StateDirectoryMode = "0711";
        }
    )
    // {
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
    };
  };

  allNames = lib.concatLists (
    lib.mapAttrsToList (service: secrets: map (name: { inherit service name; }) (lib.attrNames secrets)) cfg
  );
  unitNames = map (x: unitName x.service x.name) allNames;
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
      description = "Secrets to generate on this host, by service name, then secret name.";
    };
    secretsDir = mkOption {
      type = types.str;
      default = secretsDir;
      readOnly = true;
      description = "Directory of the generated secrets: <secretsDir>/<service>/<name>.";
    };
  };

  config = lib.mkIf (cfg != { }) {
    assertions = [
      {
        assertion = lib.all (x: builtins.match nameRe x.service != null && builtins.match nameRe x.name != null) allNames;
        message = "freecloud.secrets: service and secret names may only contain letters, digits, _ and - (and not start with -).";
      }
      {
        assertion = lib.all (x: (cfg.${x.service}.${x.name}.generate != null) != cfg.${x.service}.${x.name}.provided) allNames;
        message = "freecloud.secrets: each secret is either generated (generate = ...) or provided (provided = true), not both or neither.";
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

    systemd.services = lib.listToAttrs (
      map (x: lib.nameValuePair (unitName x.service x.name) (unit x.service x.name cfg.${x.service}.${x.name})) allNames
    );
  };
}
