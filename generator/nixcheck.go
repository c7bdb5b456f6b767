package generator

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// ParseCheck runs the real Nix parser (nix-instantiate --parse) over every
// .nix file of tree, written in dir. checked is false when Nix is not
// installed: the check is a safety net for users who have Nix, not a
// requirement.
func ParseCheck(dir string, tree Tree) (checked bool, err error) {
	bin, lookErr := exec.LookPath("nix-instantiate")
	if lookErr != nil {
		return false, nil
	}
	var files []string
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, ".nix") {
			files = append(files, filepath.Join(dir, filepath.FromSlash(p)))
		}
	}
	// One process per batch keeps a thousand-machine flake fast to check.
	const batch = 256
	for start := 0; start < len(files); start += batch {
		end := min(start+batch, len(files))
		cmd := exec.Command(bin, append([]string{"--parse"}, files[start:end]...)...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return true, fmt.Errorf("%s", strings.TrimSpace(stderr.String()))
			}
			return true, err
		}
	}
	return true, nil
}
