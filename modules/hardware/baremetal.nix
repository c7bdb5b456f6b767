# Provider layer: a generic x86_64 server (or a VM that looks like one),
# booting through UEFI.
#
# Disk layout (disko.nix) the installer creates on freecloud.bootDisk, the
# machine's boot_disk (hardware.nix sets it), GPT:
#   1 MiB    BIOS boot partition (type EF02), unused when booting via UEFI
#   512 MiB  EFI system partition, FAT32, filesystem label "boot" -> /boot
#   rest     ext4, filesystem label "nixos"                       -> /
# Without boot_disk the disk is expected laid out that way by hand, and
# freecloud cannot install the machine.
#
# Networking: DHCP on every Ethernet interface.
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b.
{ lib, pkgs, ... }:
{
  imports = [ ./disko.nix ];

  # NIC and storage firmware from linux-firmware.
  hardware.enableRedistributableFirmware = true;
  # Microcode for whichever CPU vendor it is; the kernel loads the matching one.
  hardware.cpu.intel.updateMicrocode = lib.mkIf pkgs.stdenv.hostPlatform.isx86 true;
  hardware.cpu.amd.updateMicrocode = lib.mkIf pkgs.stdenv.hostPlatform.isx86 true;

  # Storage controllers beyond NixOS's defaults (SATA, NVMe, USB HID):
  # server RAID/HBA cards, USB disks, and virtio for hypervisors.
  boot.initrd.availableKernelModules = [
    "megaraid_sas"
    "mpt3sas"
    "hpsa"
    "smartpqi"
    "aacraid"
    "usb_storage"
    "uas"
    "virtio_pci"
    "virtio_blk"
    "virtio_scsi"
  ];

  boot.loader.systemd-boot = {
    enable = true;
    configurationLimit = 10; # keep the ESP from filling up
    editor = false; # no init=/bin/sh from the console
  };
  boot.loader.efi.canTouchEfiVariables = true;

  networking.useNetworkd = true;
  networking.useDHCP = true;
}
