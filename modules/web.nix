# Web routes of a machine's services, served by nginx with HTTPS only and
# certificates from Let's Encrypt. The generator fills freecloud.web from the
# profiles' `expose { protocol = "http" }` blocks; the reverse-proxy profile
# enables nginx and ACME.
#
#   freecloud.web."git.example.org".locations."/".port = 3000;
#     -> a virtual host proxying / to 127.0.0.1:3000 (websockets included)
#   freecloud.web."cloud.example.org" = { };
#     -> the virtual host a NixOS module defines itself (nextcloud), made
#        HTTPS-only with a certificate
#
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b:
# services.nginx.virtualHosts.<name>.{forceSSL,enableACME,locations} in
# nixos/modules/services/web-servers/nginx/vhost-options.nix and
# locations.<name>.{proxyPass,proxyWebsockets} in location-options.nix.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;

  location = {
    options.port = mkOption {
      type = types.port;
      description = "Local port on 127.0.0.1 the path is proxied to.";
    };
  };

  site = {
    options.locations = mkOption {
      type = types.attrsOf (types.submodule location);
      default = { };
      description = "Paths of the site proxied to local ports; empty when the NixOS module serves the site itself.";
    };
  };
in
{
  options.freecloud.web = mkOption {
    type = types.attrsOf (types.submodule site);
    default = { };
    description = "Web routes by domain.";
  };

  config.services.nginx.virtualHosts = lib.mapAttrs (domain: site: {
    forceSSL = true;
    enableACME = true;
    locations = lib.mapAttrs (path: loc: {
      proxyPass = "http://127.0.0.1:${toString loc.port}";
      proxyWebsockets = true;
    }) site.locations;
  }) config.freecloud.web;
}
