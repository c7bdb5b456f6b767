# The disk layout freecloud installs on machines it partitions itself
# (Hetzner Cloud and bare metal): an ext4 root labelled "nixos" and an EFI
# system partition labelled "boot". Mounting by label keeps the layer free of
# device names, which differ between providers and boots.
{ ... }:
{
  fileSystems."/" = {
    device = "/dev/disk/by-label/nixos";
    fsType = "ext4";
  };
  fileSystems."/boot" = {
    device = "/dev/disk/by-label/boot";
    fsType = "vfat";
    options = [
      "fmask=0077"
      "dmask=0077"
    ];
  };
}
