//go:build !unix

package deploy

import "os/exec"

// ownProcessGroup leaves the command as it is: without process groups,
// the context's end kills the command alone.
func ownProcessGroup(cmd *exec.Cmd) {}
