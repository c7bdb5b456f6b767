# What every freecloud machine gets, whatever its provider and services.
#
# Security settings are plain definitions; tunables use lib.mkDefault so a
# host's configuration can change them without lib.mkForce.
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b.
{ lib, ... }:
{
  # Key-only SSH. The generator puts the operator's public keys into
  # users.users.root.openssh.authorizedKeys.keys; there are no passwords.
  services.openssh = {
    enable = true;
    settings = {
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitRootLogin = "prohibit-password";
    };
  };

  # Only SSH (opened by the openssh module) and the ports profiles expose
  # publicly (written by the generator) get through.
  networking.firewall.enable = true;

  nix.settings = {
    experimental-features = [
      "nix-command"
      "flakes"
    ];
    # Services never talk to the Nix daemon; root (a trusted user) always may.
    allowed-users = [ "@wheel" ];
  };

  # Remove old generations and deduplicate the store; deployments push a
  # new closure each time.
  nix.gc = {
    automatic = true;
    dates = lib.mkDefault "weekly";
    options = lib.mkDefault "--delete-older-than 30d";
  };
  nix.optimise.automatic = true;

  time.timeZone = lib.mkDefault "UTC";

  # Bound the journal on small cloud disks.
  services.journald.extraConfig = ''
    SystemMaxUse=1G
  '';

  security.sudo.execWheelOnly = true;
  boot.tmp.cleanOnBoot = true;

  # Unprivileged users may not read the kernel log; ignore ICMP redirects,
  # which a server with a fixed route never needs.
  boot.kernel.sysctl = {
    "kernel.dmesg_restrict" = lib.mkDefault 1;
    "net.ipv4.conf.all.accept_redirects" = lib.mkDefault false;
    "net.ipv4.conf.default.accept_redirects" = lib.mkDefault false;
    "net.ipv4.conf.all.send_redirects" = lib.mkDefault false;
    "net.ipv4.conf.default.send_redirects" = lib.mkDefault false;
    "net.ipv6.conf.all.accept_redirects" = lib.mkDefault false;
    "net.ipv6.conf.default.accept_redirects" = lib.mkDefault false;
  };
}
