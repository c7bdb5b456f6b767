package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/storage/garage"
)

// layoutTimeout bounds reading and applying a Garage layout: a few CLI
// calls over the cluster's RPC.
const layoutTimeout = 2 * time.Minute

// ErrLayoutWaits: the nodes that have joined do not make a layout Garage
// can run safely yet; the others join on a later apply.
var ErrLayoutWaits = errors.New("the layout waits for nodes that have not joined")

// GarageLayout moves a Garage cluster's layout to the declared nodes by
// running the garage CLI on one of them (conn): it reads the layout and
// the nodes the cluster knows, leaves out the nodes that have not joined
// yet (assigning them would fail), checks the layout the change leads to,
// and runs the commands. An empty plan changes nothing.
func GarageLayout(ctx context.Context, conn *sshx.Conn, nodes []garage.Node, replication int) (garage.Plan, error) {
	const step = "garage layout"
	ctx, cancel := context.WithTimeout(ctx, layoutTimeout)
	defer cancel()
	r, err := conn.Run(ctx, step, "garage status")
	if err != nil {
		return garage.Plan{}, err
	}
	status, err := garage.ParseStatus(string(r.Stdout))
	if err != nil {
		return garage.Plan{}, err
	}
	joined := make([]garage.Node, len(nodes))
	for i, n := range nodes {
		if n.ID != "" && !status.Knows(n.ID) {
			n.ID = ""
		}
		joined[i] = n
	}
	if r, err = conn.Run(ctx, step, "garage layout show"); err != nil {
		return garage.Plan{}, err
	}
	layout, err := garage.ParseLayout(string(r.Stdout))
	if err != nil {
		return garage.Plan{}, err
	}
	plan := garage.Changes(layout, joined)
	if err := plan.Check(joined, replication); err != nil {
		if len(plan.Waiting) > 0 {
			return plan, fmt.Errorf("%w: %v", ErrLayoutWaits, err)
		}
		return plan, err
	}
	if plan.Empty() {
		return plan, nil
	}
	_, err = conn.Run(ctx, step, plan.Script())
	return plan, err
}
