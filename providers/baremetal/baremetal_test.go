package baremetal_test

import (
	"errors"
	"testing"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/baremetal"
	"github.com/freecloud/freecloud/providers/providertest"
)

func TestConformanceWithoutAPI(t *testing.T) {
	machines := []providers.MachineSpec{
		{Name: "nas1", Admins: []string{"ssh-ed25519 AAAA"}, Disks: []providers.DiskSpec{{Name: "data"}}, Ports: []providers.Port{{Protocol: "tcp", Port: 22000}}},
		{Name: "nas2"},
	}
	providertest.RunWithoutAPI(t, baremetal.New(), machines)
}

func TestRefusalsSayWhy(t *testing.T) {
	err := baremetal.New().Delete(t.Context(), &providers.Resource{Kind: "server", Name: "nas1"})
	if !errors.Is(err, baremetal.ErrNoAPI) || err.Error() != "server.nas1: bare metal has no API: its machines exist already and are reached over SSH" {
		t.Errorf("Delete: %v", err)
	}
}
