package cli

import (
	"reflect"
	"testing"

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
