package cli

import (
	"encoding/json"
	"fmt"

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
	status := &cobra.Command{
		Use:   "status",
		Short: "Show what each machine contributes, what each pool gets and where its volumes are",
		Long: `status shows, for every storage service (garage, zfs-iscsi-pool), what each
machine contributes, each consumer's entitlement and the placement of its
volumes, what apply has laid out or created, and the pools degraded by a
lost provider with their replacements. It works offline, from the
deployment and its state.`,
		Example: `  freecloud storage status
  freecloud -C mycloud storage status --format json | jq '.services[].pools'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, ok := g.build(cmd.ErrOrStderr(), vars)
			if !ok {
				return exitError{}
			}
			r := storageReport(b)
			switch format {
			case "text":
				r.Text(cmd.OutOrStdout())
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			default:
				return fmt.Errorf("--format is text or json, not %q", format)
			}
			return nil
		},
	}
	addVarFlags(status.Flags(), &vars)
	status.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.AddCommand(status)
	return cmd
}

// storageReport gathers the status of the storage services from the
// deployment and what state recorded.
func storageReport(b built) storage.Report {
	var r storage.Report
	for _, svc := range b.dep.Services {
		s := storage.Service{Name: svc.Name, Profile: svc.Profile.Name}
		switch svc.Profile.Cluster {
		case generator.GarageCoordinator:
			nodes, replication, diags := generator.GarageNodes(b.dep, svc)
			s.Nodes, s.Replication = nodes, replication
			if diags.HasErrors() {
				s.Problem = diags[0].Detail
			}
			s.LayoutApplied = b.state != nil && b.state.Layouts[svc.Name] == generator.LayoutDigest(nodes, replication)
		case generator.ZpoolCoordinator:
			placement, diags := generator.ZpoolPlacement(b.dep, svc)
			if diags.HasErrors() {
				s.Problem = diags[0].Detail
			}
			s.Usage = placement.Usage
			for _, p := range placement.Pools {
				created := b.state != nil && b.state.Pool(p.Consumer, svc.Name) != nil
				s.Pools = append(s.Pools, storage.Pool{Pool: p, Created: created})
			}
		default:
			continue
		}
		r.Services = append(r.Services, s)
	}
	return r
}
