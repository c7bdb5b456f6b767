# The boot disk's layout, for the provider layers where freecloud installs
# NixOS itself (Hetzner Cloud, bare metal). Installing runs disko
# (github:nix-community/disko, whose NixOS module every generated flake
# adds to each machine): config.system.build.diskoScript ERASES
# freecloud.bootDisk, partitions and formats it, and mounts it under /mnt
# for nixos-install. Data disks are never part of it.
#
# GPT on freecloud.bootDisk:
#   1 MiB    BIOS boot partition (type EF02), x86_64 only: GRUB's core image
#            when the machine boots through legacy BIOS
#   512 MiB  EFI system partition, FAT32, filesystem label "boot" -> /boot
#   rest     ext4, filesystem label "nixos"                       -> /
#
# The running system mounts both file systems by label, whether disko laid
# the disk out or a person did by hand following the same labels (then
# freecloud.bootDisk is null and disko has nothing to do): a machine
# installed before this layout existed keeps booting, and the mounts do
# not depend on device names, which change between providers and boots.
# So disko writes no NixOS configuration of its own (enableConfig = false):
# its file systems would be /dev/disk/by-partlabel/disk-main-*.
#
# Checked against disko's sources at 878ec37d6a8f52c6c801d0e2a2ad554c75b9353c
# (2026-03-14, the newest available; the pinned ff8702b4 was not): flake.nix
# (nixosModules.disko = ./module.nix), module.nix (disko.devices;
# disko.enableConfig gating the fileSystems, boot and swapDevices it derives;
# system.build from devices._scripts), lib/default.nix (_scripts:
# diskoScript = destroy + format + mount without asking, formatScript,
# mountScript; mounts under rootMountPoint, /mnt), lib/types/disk.nix
# (device, content), lib/types/gpt.nix (partitions.<name>.size, type,
# priority; partitions created by ascending priority; device
# /dev/disk/by-partlabel/disk-<disk>-<partition>; an EF02 partition derives
# boot.loader.grub.devices), lib/types/filesystem.nix (format, extraArgs
# given to mkfs.<format>, mountpoint, mountOptions). At the pinned revision,
# nix-community/nixos-anywhere 0ef0fa48 (whose flake.lock is where the pin
# comes from) uses nixosModules.disko and system.build.<mode>Script
# (diskoScript, formatScript, mountScript) the same way.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  bootDisk = config.freecloud.bootDisk;
  # The filesystem labels the running system mounts by.
  rootLabel = "nixos";
  espLabel = "boot";
  # Kernels and the boot loader's random seed are root's alone.
  espOptions = [ "umask=0077" ];
in
{
  options.freecloud.bootDisk = lib.mkOption {
    type = lib.types.nullOr lib.types.str;
    default = null;
    example = "/dev/disk/by-id/nvme-SAMSUNG_MZVL2512HCJQ-00B00_S675NX0T123456";
    description = ''
      The whole disk that installing NixOS erases and lays out (GPT: BIOS
      boot partition on x86_64, ESP labelled "boot", ext4 root labelled
      "nixos"). A /dev/disk/by-id/ path names the same disk on every boot.
      null: the disk was laid out by hand with those labels; disko defines
      no devices and there is nothing to install.
    '';
  };

  config = {
    fileSystems."/" = {
      device = "/dev/disk/by-label/${rootLabel}";
      fsType = "ext4";
    };
    fileSystems."/boot" = {
      device = "/dev/disk/by-label/${espLabel}";
      fsType = "vfat";
      options = espOptions;
    };

    # The mounts above, not disko's by-partlabel ones; the provider layer
    # points its boot loader at the boot disk itself.
    disko.enableConfig = false;

    # The names (disk "main"; partitions "bios", "ESP", "root") are fixed,
    # not taken from the device, so the partition labels disko writes
    # (disk-main-ESP, ...) are the same on every machine.
    disko.devices = lib.mkIf (bootDisk != null) {
      disk.main = {
        type = "disk";
        device = bootDisk;
        content = {
          type = "gpt";
          partitions = {
            bios = lib.mkIf pkgs.stdenv.hostPlatform.isx86_64 {
              size = "1M";
              type = "EF02";
              priority = 1;
            };
            ESP = {
              size = "512M";
              type = "EF00";
              priority = 2;
              content = {
                type = "filesystem";
                format = "vfat";
                extraArgs = [
                  "-F"
                  "32"
                  "-n"
                  espLabel
                ];
                mountpoint = "/boot";
                mountOptions = espOptions;
              };
            };
            root = {
              size = "100%";
              priority = 3;
              content = {
                type = "filesystem";
                format = "ext4";
                extraArgs = [
                  "-L"
                  rootLabel
                ];
                mountpoint = "/";
              };
            };
          };
        };
      };
    };
  };
}
