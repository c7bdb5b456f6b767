package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/spf13/cobra"
)

// scaffold is the deployment `freecloud init` writes: small, valid, and
// commented so that it explains the language as it is read.
const scaffold = `# A freecloud deployment. Every *.fc.hcl file in this directory is read.
# Check it with "freecloud validate", write the NixOS flake with
# "freecloud generate".

# The name labels everything freecloud creates for this deployment.
deployment "%[1]s" {}

variable "domain" {
  description = "The domain your services live under"
  type        = string
  default     = "%[1]s.example.org"
}

# Where machines run. Hetzner reads its API token from HCLOUD_TOKEN.
provider "hetzner" "eu" {}

machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1" # Falkenstein, Germany
  size     = "cx32"

  # SSH public keys allowed to log in as root, e.g. the content of
  # ~/.ssh/id_ed25519.pub:
  admins = [
    # "ssh-ed25519 AAAA... you@laptop",
  ]
}

# Services are profiles from the catalogue, placed on machines.
# The reverse proxy gets TLS certificates from Let's Encrypt.
service "reverse-proxy" {
  profile = "reverse-proxy"
  machine = machine.web1
  with    = { acme_email = "admin@${var.domain}" }
}

# Nextcloud pulls in PostgreSQL on the same machine by itself.
service "cloud" {
  profile = "nextcloud"
  machine = machine.web1
  with    = { domain = "cloud.${var.domain}" }
}
`

func newInitCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a new deployment in DIR",
		Long: `init creates DIR (default: the -C directory) with a small, commented
deployment: one machine with Nextcloud behind a TLS reverse proxy. It never
overwrites existing deployment files.`,
		Example: `  freecloud init mycloud
  cd mycloud && freecloud validate`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := g.dir
			if len(args) == 1 {
				dir = filepath.Join(g.dir, args[0])
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			existing, _ := filepath.Glob(filepath.Join(dir, "*"+config.HCLSuffix))
			if len(existing) > 0 {
				return fmt.Errorf("%s already holds a deployment (%s); init leaves it alone", dir, filepath.Base(existing[0]))
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			name := deploymentName(filepath.Base(abs))
			path := filepath.Join(dir, "main"+config.HCLSuffix)
			if err := os.WriteFile(path, []byte(fmt.Sprintf(scaffold, name)), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created %s for deployment %q.\nNext: add your SSH key to admins, then run freecloud -C %s validate\n", path, name, dir)
			return nil
		},
	}
}

// deploymentName derives a valid deployment name from a directory name.
func deploymentName(base string) string {
	var out []rune
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out = append(out, r)
		case r >= 'A' && r <= 'Z':
			out = append(out, r+'a'-'A')
		case len(out) > 0 && out[len(out)-1] != '-':
			out = append(out, '-')
		}
	}
	if len(out) > 40 {
		out = out[:40]
	}
	for len(out) > 0 && out[len(out)-1] == '-' {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return "mycloud"
	}
	return string(out)
}
