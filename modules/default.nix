# Everything freecloud adds to a machine besides its services and its
# provider layer. Each host's configuration.nix imports this one file; the
# modules below do nothing until their options are set.
{
  imports = [
    ./base.nix
    ./secrets.nix
    ./web.nix
    ./databases.nix
    ./backup.nix
    ./zpool.nix
  ];
}
