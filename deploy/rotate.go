package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/profiles"
)

// rotateTimeout bounds the restart of a secret's unit and of the units
// that read it: restarting a service may take a while (migrations), but a
// rotation that hangs must end.
const rotateTimeout = 5 * time.Minute

// A Rotation is what rotating one generated secret on a host did.
type Rotation struct {
	Unit string
	// Restarted lists the units that read the secret, each with its state
	// after the restart as systemctl tells it ("active", "failed"…).
	Restarted map[string]string
}

// RotateSecret makes a host generate a new value of one of its generated
// secrets. The value is made on the host by the secret's own unit
// (modules/secrets.nix), so it never passes through the operator's side:
// freecloud only leaves the rotation marker the unit looks for and
// restarts the unit. Restarting it restarts the units that read the secret
// too (they Require= it); consumers lists them so that their state can be
// reported. root is Options.Root.
//
// A unit that keeps the marker did not rotate: the host runs a
// configuration older than rotation, which an apply brings up to date.
func RotateSecret(ctx context.Context, conn *sshx.Conn, root, service, name string, consumers []string) (*Rotation, error) {
	const step = "rotate"
	ctx, cancel := context.WithTimeout(ctx, rotateTimeout)
	defer cancel()
	unit := profiles.SecretUnit(service, name)
	marker := strings.TrimSuffix(root, "/") + profiles.RotateMarker(service, name)
	file := strings.TrimSuffix(root, "/") + profiles.SecretsDir + "/" + service + "/" + name
	check := fmt.Sprintf("test -s %s || { echo 'the host has no secret %s/%s yet: deploy first' >&2; exit 1; }", q(file), service, name)
	if _, err := conn.Run(ctx, step, check); err != nil {
		return nil, err
	}
	if _, err := conn.Run(ctx, step, "touch "+q(marker)+" && systemctl restart "+q(unit)); err != nil {
		// Leave no marker behind: the next start of the unit, at a boot,
		// would otherwise rotate when nobody asked.
		_, _ = conn.Run(context.WithoutCancel(ctx), step, "rm -f "+q(marker))
		return nil, err
	}
	r, err := conn.Run(ctx, step, "if [ -e "+q(marker)+" ]; then echo kept; fi")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(r.Stdout)) == "kept" {
		_, _ = conn.Run(ctx, step, "rm -f "+q(marker))
		return nil, fmt.Errorf("%s: %s ran but did not make a new value of %s/%s: the host runs a configuration from before rotation; run freecloud apply, then rotate again",
			conn.Machine(), unit, service, name)
	}
	out := &Rotation{Unit: unit, Restarted: map[string]string{}}
	for _, c := range consumers {
		r, _ := conn.Run(ctx, step, "systemctl is-active "+q(c))
		out.Restarted[c] = lastLine(r.Stdout)
	}
	return out, nil
}
