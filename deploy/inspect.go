package deploy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// A HostStatus is what plan needs to know of a reachable host.
type HostStatus struct {
	// Facts say whether the host runs NixOS, its installer or another
	// system; the rest is known for NixOS only.
	Facts
	// Deployed is the last deploy's record; nil when freecloud never
	// deployed to the host.
	Deployed *Record
	// System is the generation the host runs.
	System string
}

// ChangedByHand reports that the host runs another generation than the
// one freecloud last deployed: someone switched it outside freecloud.
func (s *HostStatus) ChangedByHand() bool {
	return s.Deployed != nil && s.System != s.Deployed.System
}

// Inspect reads a host's status. root is Options.Root.
func Inspect(ctx context.Context, conn *sshx.Conn, root string) (*HostStatus, error) {
	const step = "inspect"
	p := hostPaths(root)
	f, err := readFacts(ctx, conn, p, step)
	if err != nil || !f.NixOS {
		return &HostStatus{Facts: f}, err
	}
	s := &HostStatus{Facts: f}
	r, err := conn.Run(ctx, step, "readlink -f "+q(p.current()))
	if err != nil {
		return nil, err
	}
	s.System = lastLine(r.Stdout)
	data, ok, err := conn.ReadFile(ctx, step, p.deployed())
	if err != nil || !ok {
		return s, err
	}
	s.Deployed = &Record{}
	if err := json.Unmarshal(data, s.Deployed); err != nil {
		return nil, fmt.Errorf("%s: %s on the host is not a deploy record: %v", conn.Machine(), p.deployed(), err)
	}
	return s, nil
}

// isNixOS tells an installed NixOS (not its installer) by its facts.
func isNixOS(ctx context.Context, conn *sshx.Conn, p paths, step string) (bool, error) {
	f, err := readFacts(ctx, conn, p, step)
	return f.NixOS, err
}
