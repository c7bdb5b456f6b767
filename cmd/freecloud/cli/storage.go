package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/infra"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
	"github.com/freecloud/freecloud/storage/zpool"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/storage"
	"github.com/spf13/cobra"
)

func newStorageCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "storage",
		Short: "Peer storage: contributions, entitlements, placement",
		Example: `  freecloud storage status
  freecloud storage status --format json`,
	}
	var vars []config.VarArg
	var format string
	var live bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Show what each machine contributes, what each pool gets and where its volumes are",
		Long: `status shows, for every storage service (garage, zfs-iscsi-pool), what each
machine contributes, each consumer's entitlement and the placement of its
volumes, what apply has laid out or created, and the pools degraded by a
lost provider with their replacements. It works offline, from the
deployment and its state.

With --live it also asks each machine with a pool apply created for the
pool's health (zpool status over SSH, with the pinned host key): its
state, and the devices that serve no data. A machine that cannot be
reached is reported as such, and the rest of the report stands.`,
		Example: `  freecloud storage status
  freecloud storage status --live
  freecloud -C mycloud storage status --format json | jq '.services[].pools'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format is text or json, not %q", format)
			}
			var r storage.Report
			if live {
				ctx := cmd.Context()
				s, ok := g.connect(ctx, cmd.ErrOrStderr(), vars)
				if !ok {
					return exitError{}
				}
				actual, err := infra.Refresh(ctx, s.dep.Name, s.provs)
				if err != nil {
					return err
				}
				r = storageReport(s.dep, s.state)
				s.poolHealth(ctx, &r, actual)
			} else {
				b, ok := g.build(cmd.ErrOrStderr(), vars)
				if !ok {
					return exitError{}
				}
				r = storageReport(b.dep, b.state)
			}
			switch format {
			case "text":
				r.Text(cmd.OutOrStdout())
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return nil
		},
	}
	addVarFlags(status.Flags(), &vars)
	status.Flags().StringVar(&format, "format", "text", "text or json")
	status.Flags().BoolVar(&live, "live", false, "also read each pool's health on its machine over SSH")
	cmd.AddCommand(status)
	return cmd
}

// storageReport gathers the status of the storage services from the
// deployment and what state recorded (nil before the first apply).
func storageReport(dep *config.Deployment, st *state.State) storage.Report {
	var r storage.Report
	for _, svc := range dep.Services {
		s := storage.Service{Name: svc.Name, Profile: svc.Profile.Name}
		switch svc.Profile.Cluster {
		case generator.GarageCoordinator:
			nodes, replication, diags := generator.GarageNodes(dep, svc)
			s.Nodes, s.Replication = nodes, replication
			if diags.HasErrors() {
				s.Problem = diags[0].Detail
			}
			s.LayoutApplied = st != nil && st.Layouts[svc.Name] == generator.LayoutDigest(nodes, replication)
		case generator.ZpoolCoordinator:
			placement, diags := generator.ZpoolPlacement(dep, svc)
			if diags.HasErrors() {
				s.Problem = diags[0].Detail
			}
			s.Usage = placement.Usage
			for _, p := range placement.Pools {
				created := st != nil && st.Pool(p.Consumer, svc.Name) != nil
				s.Pools = append(s.Pools, storage.Pool{Pool: p, Created: created})
			}
		default:
			continue
		}
		r.Services = append(r.Services, s)
	}
	return r
}

// poolHealth reads the health of every pool apply created on its
// machine, into the report.
func (s *session) poolHealth(ctx context.Context, r *storage.Report, actual map[string][]*providers.Resource) {
	auth := sshx.DefaultAuth()
	defer auth.Close()
	for i := range r.Services {
		for j := range r.Services[i].Pools {
			p := &r.Services[i].Pools[j]
			if !p.Created {
				continue
			}
			m := s.dep.Machine(p.Consumer)
			h, err := withHost(ctx, s, auth, m, actual, func(conn *sshx.Conn) (zpool.Health, error) {
				return deploy.PoolHealth(ctx, conn, deployRoot(m.Name), r.Services[i].Name)
			})
			if err != nil {
				p.HealthError = err.Error()
				continue
			}
			p.Health = &h
		}
	}
}
