# Provider layer: Amazon EC2, through nixpkgs' own EC2 module. It sets the
# boot loader (GRUB; UEFI on aarch64), the root file system (label "nixos",
# as on NixOS AMIs), the ENA driver, the serial console and DHCP, and
# installs the instance's SSH key from the metadata service. No disk layout
# of freecloud's (disko.nix): the AMI comes partitioned and amazon-image.nix
# mounts it, so disko's module, which every generated machine gets, has no
# devices here.
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b.
{ lib, modulesPath, ... }:
{
  imports = [ (modulesPath + "/virtualisation/amazon-image.nix") ];

  # amazon-init runs nixos-rebuild on the EC2 user data at every boot, which
  # would replace the system deployed from the flake.
  virtualisation.amazon-init.enable = false;

  # The SSM agent lets anyone with the right IAM permissions run commands as
  # root. freecloud manages hosts over SSH only (DESIGN.md, principles 4-5).
  services.amazon-ssm-agent.enable = lib.mkForce false;
}
