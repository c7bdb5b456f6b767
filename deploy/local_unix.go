//go:build unix

package deploy

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup makes a local command the leader of a process group
// that is sent SIGTERM when its context ends: nix stops its builders
// itself on SIGTERM, and a script's children go with it. (Terminal
// interrupts then reach the command through freecloud cancelling the
// context.)
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
}
