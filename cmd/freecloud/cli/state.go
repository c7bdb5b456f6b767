package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/freecloud/freecloud/state"
	"github.com/spf13/cobra"
)

func newStateCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Inspect and edit what freecloud knows of the deployment's resources",
		Long: `state reads the deployment's state file (.freecloud/state.json): the
resources freecloud created at providers and what it learned of each host.
It never holds secrets.`,
		Example: `  freecloud state list
  freecloud state show server.web1
  freecloud state rm volume.web1-data`,
	}
	var lockTimeout time.Duration
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the addresses in state",
		Example: "  freecloud state list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := readState(g)
			if err != nil {
				return err
			}
			for _, addr := range s.Addresses() {
				fmt.Fprintln(cmd.OutOrStdout(), addr)
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use:     "show ADDRESS",
		Short:   "Show one resource or host from state",
		Example: "  freecloud state show server.web1\n  freecloud state show host.web1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := readState(g)
			if err != nil {
				return err
			}
			var v any
			if r := s.Resource(args[0]); r != nil {
				v = r
			} else if len(args[0]) > 5 && args[0][:5] == "host." && s.Host(args[0][5:]) != nil {
				v = s.Host(args[0][5:])
			} else {
				return fmt.Errorf("state has no %s; `freecloud state list` shows what it has", args[0])
			}
			data, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(data))
			return nil
		},
	}
	rm := &cobra.Command{
		Use:   "rm ADDRESS...",
		Short: "Forget resources or hosts without destroying them",
		Long: `rm removes addresses from state. The resources keep running at the provider;
freecloud no longer manages them (a later plan may propose to create them
anew, or to delete them if they still carry the deployment's labels).`,
		Example: "  freecloud state rm volume.web1-data",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := state.ForDeployment(g.dir)
			lock, err := file.Lock(context.Background(), "state rm", lockTimeout)
			if err != nil {
				return err
			}
			defer lock.Release()
			if lock.Stale != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "Note: took over the lock of %s: that process no longer runs.\n", lock.Stale)
			}
			s, err := file.Read()
			if err != nil {
				return err
			}
			if s == nil {
				return fmt.Errorf("there is no state yet (%s)", file.Path)
			}
			for _, addr := range args {
				if !s.Contains(addr) {
					return fmt.Errorf("state has no %s; nothing was removed", addr)
				}
			}
			for _, addr := range args {
				s.Remove(addr)
			}
			if err := file.Write(s); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed %d address(es) from state (serial %d).\n", len(args), s.Serial)
			return nil
		},
	}
	rm.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "how long to wait for another run's lock")
	cmd.AddCommand(list, show, rm)
	return cmd
}

func newForceUnlockCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "force-unlock LOCK_ID",
		Short: "Remove the lock of a run that died without releasing it",
		Long: `force-unlock removes the deployment's lock when the run that took it is gone.
The lock ID is shown by the command that found the deployment locked; only
that lock is removed.`,
		Example: "  freecloud force-unlock 3f2a9c0d1e4b5a6f",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			holder, err := state.ForDeployment(g.dir).ForceUnlock(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Unlocked: the lock of %s is removed.\n", holder)
			return nil
		},
	}
}

func readState(g *globals) (*state.State, error) {
	file := state.ForDeployment(g.dir)
	s, err := file.Read()
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("there is no state yet (%s): it is written by apply", file.Path)
	}
	return s, nil
}
