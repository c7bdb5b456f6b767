# Provider layer: Hetzner Cloud VM, x86_64 (CX, CPX, CCX) or aarch64 (CAX).
#
# Disk layout (disko.nix) the installer creates on the server's one disk,
# /dev/sda (GPT):
#   1 MiB    BIOS boot partition (type EF02), for GRUB; x86_64 only
#   512 MiB  EFI system partition, FAT32, filesystem label "boot" -> /boot
#   rest     ext4, filesystem label "nixos"                       -> /
# x86_64 servers boot through legacy BIOS (GRUB on the boot disk); aarch64
# servers boot through UEFI (systemd-boot on the ESP).
#
# Networking: IPv4 by DHCP. Hetzner routes a /64 to each server but offers no
# DHCPv6, so the generator writes the server's address into
# freecloud.hetzner.ipv6Address in hardware.nix; the gateway is fe80::1.
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b.
{
  config,
  lib,
  pkgs,
  modulesPath,
  ...
}:
let
  cfg = config.freecloud.hetzner;
  uefi = pkgs.stdenv.hostPlatform.isAarch64;
in
{
  # virtio drivers (the disk is virtio-scsi); sd_mod and the rest are in
  # NixOS's default initrd module list.
  imports = [
    (modulesPath + "/profiles/qemu-guest.nix")
    ./disko.nix
  ];

  options.freecloud.hetzner = {
    ipv6Address = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "2a01:4f8:c012:43b::1/64";
      description = "Public IPv6 address with prefix length; null leaves the server on IPv4 only.";
    };
    interface = lib.mkOption {
      type = lib.types.str;
      default = "enp1s0 ens3";
      description = ''
        systemd.network Name= patterns of the public interface: enp1s0 on
        current servers, ens3 on older ones. Private-network interfaces
        (enp7s0, ens10, ...) keep plain DHCP.
      '';
    };
  };

  config = {
    # Hetzner decides the disk: the server's own, not a volume.
    freecloud.bootDisk = lib.mkDefault "/dev/sda";
    boot.loader.grub = lib.mkIf (!uefi) {
      # Where the layout put the BIOS boot partition (disko's own GRUB
      # setting is off with enableConfig, see disko.nix). /dev/sda also
      # for a disk laid out by hand (bootDisk null).
      device = lib.defaultTo "/dev/sda" config.freecloud.bootDisk;
      configurationLimit = 10; # kernels live on the small ESP
    };
    boot.loader.systemd-boot = lib.mkIf uefi {
      enable = true;
      configurationLimit = 10;
    };
    # A VM's EFI variables belong to this machine alone.
    boot.loader.efi.canTouchEfiVariables = uefi;

    # networking.useDHCP (default true) adds a DHCP fallback for every other
    # Ethernet interface, so a renamed NIC still gets IPv4.
    networking.useNetworkd = true;
    systemd.network.networks."10-hetzner-public" = {
      name = cfg.interface;
      DHCP = "ipv4";
      address = lib.optional (cfg.ipv6Address != null) cfg.ipv6Address;
      routes = lib.optional (cfg.ipv6Address != null) { Gateway = "fe80::1"; };
    };
  };
}
