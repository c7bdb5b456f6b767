package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// Facts are what freecloud learns of a machine before touching it.
type Facts struct {
	// OS is the ID of /etc/os-release (nixos, debian, ubuntu…); "" when
	// the file is missing.
	OS string
	// Installer: the machine runs NixOS's installer from RAM (os-release
	// VARIANT_ID=installer), as after the kexec step of an install.
	Installer bool
	// NixOS: the machine runs an installed NixOS, to be deployed to.
	NixOS bool
	// Arch is the machine's architecture as uname -m names it.
	Arch string
	// Root: the login is root, as installing needs.
	Root bool
}

// Describe names the operating system for messages.
func (f Facts) Describe() string {
	switch {
	case f.Installer:
		return "the NixOS installer"
	case f.NixOS:
		return "NixOS"
	case f.OS == "":
		return "an unknown system (no /etc/os-release)"
	}
	return f.OS
}

// readFacts reads the facts in one command. An installed NixOS has both
// /etc/NIXOS (written by its activation) and ID=nixos in os-release; the
// installer has them too, and tells itself apart by VARIANT_ID.
func readFacts(ctx context.Context, conn *sshx.Conn, p paths, step string) (Facts, error) {
	script := fmt.Sprintf(`echo "arch=$(uname -m)"
echo "uid=$(id -u)"
if [ -e %s ]; then echo marker=yes; fi
echo ---
cat %s 2>/dev/null || true`, q(p.nixosMarker()), q(p.osRelease()))
	r, err := conn.Run(ctx, step, script)
	if err != nil {
		return Facts{}, err
	}
	head, release, _ := strings.Cut(string(r.Stdout), "---\n")
	var f Facts
	marker := false
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "arch":
			f.Arch = v
		case "uid":
			f.Root = v == "0"
		case "marker":
			marker = true
		}
	}
	os := parseOSRelease(release)
	f.OS = os["ID"]
	f.Installer = f.OS == "nixos" && os["VARIANT_ID"] == "installer"
	f.NixOS = f.OS == "nixos" && marker && !f.Installer
	return f, nil
}

// parseOSRelease reads os-release(5): KEY=value lines, values optionally
// quoted, # comments.
func parseOSRelease(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
			v = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`").Replace(v)
		}
		out[k] = v
	}
	return out
}
