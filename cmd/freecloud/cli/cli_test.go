package cli

import (
	"reflect"
	"testing"

	"github.com/freecloud/freecloud/plan"
	"github.com/spf13/cobra"
)

// Every command's --help shows an example: operators learn by copying.
func TestEveryCommandHasAnExample(t *testing.T) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" && c.Name() != "help" && c.Name() != "completion" {
			t.Errorf("%q has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand())
}

func TestTerraformStyleFlags(t *testing.T) {
	got := terraformStyle([]string{"validate", "-var", "a=b", "-var=c=d", "-var-file", "x", "-C", "dir", "--", "-var"})
	want := []string{"validate", "--var", "a=b", "--var=c=d", "--var-file", "x", "-C", "dir", "--", "-var"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDeploymentName(t *testing.T) {
	for in, want := range map[string]string{
		"mycloud":    "mycloud",
		"My Cloud_2": "my-cloud-2",
		"---":        "mycloud",
		"Ünïcode":    "n-code",
	} {
		if got := deploymentName(in); got != want {
			t.Errorf("deploymentName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A saved plan deploys exactly the hashes it showed, or is refused.
func TestSavedPlanRefusedWhenDeploysChanged(t *testing.T) {
	saved := &plan.Plan{Deployment: "lab", Deploys: []*plan.Deploy{{Machine: "nas1", Hash: "h1", FirstContact: true}}}
	same := &plan.Plan{Deployment: "lab", Deploys: []*plan.Deploy{{Machine: "nas1", Hash: "h1", FirstContact: true}}}
	if err := stillValid(saved, same, nil); err != nil {
		t.Fatalf("an unchanged plan is refused: %v", err)
	}
	for name, fresh := range map[string]*plan.Plan{
		"new hash":    {Deployment: "lab", Deploys: []*plan.Deploy{{Machine: "nas1", Hash: "h2", FirstContact: true}}},
		"key pinned":  {Deployment: "lab", Deploys: []*plan.Deploy{{Machine: "nas1", Hash: "h1"}}},
		"other key":   {Deployment: "lab", Deploys: []*plan.Deploy{{Machine: "nas1", Hash: "h1", FirstContact: true, HostKey: "ssh-ed25519 AAAA"}}},
		"install now": {Deployment: "lab", Deploys: []*plan.Deploy{{Machine: "nas1", Hash: "h1", FirstContact: true, Install: true, Erases: true}}},
		"no deploy":   {Deployment: "lab"},
		"another one": {Deployment: "lab", Deploys: []*plan.Deploy{saved.Deploys[0], {Machine: "nas2", Hash: "h3"}}},
	} {
		if err := stillValid(saved, fresh, nil); err == nil {
			t.Errorf("%s: the saved plan is accepted", name)
		}
	}
}
