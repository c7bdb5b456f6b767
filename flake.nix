# freecloud's own flake: builds the CLI, pins the nixpkgs that the profiles
# and the generated flakes target, and exports modules/ as nixosModules.
#
#   nix build              # ./result/bin/freecloud
#   nix run . -- version
#   nix develop            # Go, gopls, Nix and the tools the tests use
{
  description = "freecloud: a few HCL files to a running, sovereign NixOS cloud";

  # The same branches, and in flake.lock the same revisions, as every flake
  # that freecloud generates (generator/pin.go); tests/repo_test.go keeps
  # them equal. disko lays out the boot disk when NixOS is installed.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.disko.url = "github:nix-community/disko/master";
  inputs.disko.inputs.nixpkgs.follows = "nixpkgs";

  outputs =
    {
      self,
      nixpkgs,
      disko,
    }:
    let
      inherit (nixpkgs) lib;

      # The platforms freecloud's machines run on; the CLI is built for both.
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      version = "0.1.0-dev";
      # `freecloud version` also names the commit it was built from.
      revision = self.shortRev or self.dirtyShortRev or "dirty";

      freecloud =
        pkgs:
        pkgs.buildGoModule {
          pname = "freecloud";
          inherit version;

          # The repository without what cannot change the binary, so that
          # editing the flake, CI scripts, docs or examples does not rebuild
          # it. Every Go package stays in, tests/ included: `go mod vendor`
          # also vendors what the tests import, and vendorHash covers exactly
          # that set.
          src = lib.fileset.toSource {
            root = ./.;
            fileset = lib.fileset.difference ./. (
              lib.fileset.unions [
                ./flake.nix
                ./flake.lock
                ./.ci
                ./README.md
                ./docs
                ./examples
              ]
            );
          };

          # The hash of `go mod vendor` (vendor/ including modules.txt) for
          # go.mod and go.sum. TestRepoVendorHash recomputes it and prints the
          # new value when the dependencies change.
          vendorHash = "sha256-gwCYZjDLcUtjDSglMLKSDv5CyjfDS7qcqbvlcYMUMYI=";

          subPackages = [ "cmd/freecloud" ];

          # Pure Go: a static binary, which also runs outside NixOS.
          env.CGO_ENABLED = 0;

          ldflags = [
            "-s"
            "-w"
            "-X github.com/freecloud/freecloud/cmd/freecloud/cli.version=${version}+${revision}"
          ];

          # The Go tests do not run here. Most of them check generated Nix
          # with the real nix-instantiate, which the build sandbox lacks (they
          # would be skipped, not run), TestRepoVendorHash needs the module
          # cache that the sandbox does not have, and with subPackages set the
          # default checkPhase would only test cmd/freecloud itself. CI runs
          # the whole suite with Nix installed (tests/run).
          doCheck = false;

          # What does run: the installed binary must report this version,
          # which also proves that the -X flag above names a real variable.
          nativeInstallCheckInputs = [ pkgs.versionCheckHook ];
          doInstallCheck = true;
          versionCheckProgramArg = "version";

          meta = {
            description = "Turns a few HCL files into a running, sovereign NixOS cloud";
            homepage = "https://github.com/freecloud/freecloud";
            mainProgram = "freecloud";
          };
        };
    in
    {
      packages = forAllSystems (pkgs: {
        freecloud = freecloud pkgs;
        default = self.packages.${pkgs.stdenv.hostPlatform.system}.freecloud;
      });

      # `nix flake check` builds the CLI.
      checks = forAllSystems (pkgs: {
        inherit (self.packages.${pkgs.stdenv.hostPlatform.system}) freecloud;
      });

      # The modules that every generated flake carries a copy of, for use in
      # a hand-written NixOS configuration. Paths, not imported functions, so
      # that the module system reports errors with the file name and imports
      # each file only once however often it is listed.
      #
      # The layers with freecloud's disk layout set disko's options, so they
      # come with disko's NixOS module, which generated flakes give every
      # machine; disko's module is a path too, imported once however many
      # of them are used.
      nixosModules =
        let
          withDisko = module: {
            imports = [
              disko.nixosModules.disko
              module
            ];
          };
        in
        {
          base = ./modules/base.nix;
          secrets = ./modules/secrets.nix;
          web = ./modules/web.nix;
          databases = ./modules/databases.nix;
          backup = ./modules/backup.nix;
          zpool = ./modules/zpool.nix;
          hardware-aws = ./modules/hardware/aws.nix;
          hardware-baremetal = withDisko ./modules/hardware/baremetal.nix;
          hardware-hetzner = withDisko ./modules/hardware/hetzner.nix;
          # The boot-disk layout (freecloud.bootDisk) that hardware-hetzner
          # and hardware-baremetal import, for a provider layer of one's own.
          hardware-disko = withDisko ./modules/hardware/disko.nix;

          # What every freecloud machine gets (base, secrets, web routes,
          # databases); add one hardware-* module.
          default = ./modules/default.nix;
        };

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            # The Go of buildGoModule, so that the shell builds what the
            # package builds.
            self.packages.${pkgs.stdenv.hostPlatform.system}.freecloud.go
            pkgs.gopls
            pkgs.gotools # goimports and friends
            pkgs.git # tests/run lists the Go files with git ls-files
            pkgs.nix # nix-instantiate checks the generated Nix in the tests
            pkgs.nixfmt
            pkgs.openssh
            pkgs.postgresql
          ];
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixfmt-tree);
    };
}
