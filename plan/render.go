package plan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// symbols mark actions the way Terraform does, which operators know.
var symbols = map[Action]string{Create: "+", Update: "~", Replace: "-/+", Delete: "-"}

var verbs = map[Action]string{
	Create:  "will be created",
	Update:  "will be updated in place",
	Replace: "must be replaced",
	Delete:  "will be deleted",
}

// Text renders the plan for people: each change with its attributes, and a
// summary line.
func (p *Plan) Text() string {
	var b strings.Builder
	if p.Empty() {
		b.WriteString("No changes. The infrastructure matches the deployment.\n")
		writeSecretNotes(&b, p.Secrets)
		return b.String()
	}
	b.WriteString("freecloud will perform these actions:\n")
	if len(p.Adopt) > 0 {
		fmt.Fprintf(&b, "\n  # found at the providers but not in state (an apply was cut off, or state was lost); apply records them:\n")
		for _, addr := range p.Adopt {
			fmt.Fprintf(&b, "  = %s\n", addr)
		}
	}
	for _, c := range p.Changes {
		b.WriteString("\n")
		note := ""
		if c.DataLoss {
			note = " — DATA LOSS: everything stored on it is lost"
		}
		fmt.Fprintf(&b, "  # %s %s (%s)%s\n", c.Address, verbs[c.Action], c.Provider, note)
		if c.Drift != "" {
			fmt.Fprintf(&b, "  # drift: %s\n", c.Drift)
		}
		fmt.Fprintf(&b, "  %s %s\n", symbols[c.Action], c.Address)
		switch c.Action {
		case Create:
			writeAttrs(&b, c.After.Attrs)
		case Delete:
			if c.Before.ID != "" {
				fmt.Fprintf(&b, "      id = %q\n", c.Before.ID)
			}
		default:
			width := 0
			for _, d := range c.Diffs {
				width = max(width, len(d.Attr))
			}
			for _, d := range c.Diffs {
				forces := ""
				if d.Forces {
					forces = " (forces replacement)"
				}
				fmt.Fprintf(&b, "      %-*s = %q -> %q%s\n", width, d.Attr, d.Old, d.New, forces)
			}
		}
	}
	for _, d := range p.Deploys {
		writeDeploy(&b, d)
	}
	writeCluster(&b, p.Cluster)
	counts := p.Counts()
	fmt.Fprintf(&b, "\nPlan: %d to create, %d to update, %d to replace, %d to delete, %d to deploy.\n",
		counts[Create], counts[Update], counts[Replace], counts[Delete], len(p.Deploys))
	if loss, erased := p.DataLoss(), p.Erases(); len(loss)+len(erased) > 0 {
		var addrs []string
		for _, c := range loss {
			addrs = append(addrs, c.Address)
		}
		for _, d := range erased {
			addrs = append(addrs, "host."+d.Machine+" (install)")
		}
		fmt.Fprintf(&b, "Data loss: %s. apply refuses this unless you confirm it (--allow-data-loss).\n", strings.Join(addrs, ", "))
	}
	writeSecretNotes(&b, p.Secrets)
	return b.String()
}

// writeCluster lists the cluster work, by service.
func writeCluster(b *strings.Builder, steps []ClusterStep) {
	if len(steps) == 0 {
		return
	}
	b.WriteString("\n  # cluster work after the deploys:\n")
	for _, st := range steps {
		where := ""
		if st.Machine != "" {
			where = " on host." + st.Machine
		}
		fmt.Fprintf(b, "  > service.%s%s: %s %s\n", st.Service, where, st.Action, st.Detail)
	}
}

// writeSecretNotes lists the sealed secrets that need the operator, after
// the plan: apply does not mend them, but a host without its secret fails
// to start the services that read it.
func writeSecretNotes(b *strings.Builder, notes []SecretNote) {
	if len(notes) == 0 {
		return
	}
	b.WriteString("\nSecrets the hosts cannot use yet (apply does not change them):\n")
	for _, n := range notes {
		fmt.Fprintf(b, "  ! %s: %s %s\n      %s\n", n.Machine, n.Secret, n.Problem, n.Fix)
	}
}

// writeDeploy shows one host: what happens to it, why, and how its host
// key is learnt.
func writeDeploy(b *strings.Builder, d *Deploy) {
	verb, note := "will be deployed", ""
	if d.Install {
		verb = "will have NixOS installed, then be deployed"
	}
	if d.Erases {
		note = " — DATA LOSS: the install erases its boot disk"
	}
	fmt.Fprintf(b, "\n  # host.%s %s (%s)%s\n", d.Machine, verb, d.Reason, note)
	if d.Drift != "" {
		fmt.Fprintf(b, "  # drift: %s\n", d.Drift)
	}
	if d.Unreachable != "" {
		fmt.Fprintf(b, "  # not reachable now (%s): planned from state\n", d.Unreachable)
	}
	fmt.Fprintf(b, "  ~ host.%s\n", d.Machine)
	fmt.Fprintf(b, "      configuration = %q -> %q\n", short(d.Previous), short(d.Hash))
	if d.Install {
		b.WriteString("      # install: kexec into NixOS's installer, partition and format with the flake's disk layout, nixos-install, reboot with a host key generated on the machine\n")
	}
	switch {
	case !d.FirstContact:
	case d.HostKey != "" && d.HostKeyFromProvider:
		fmt.Fprintf(b, "      # first contact: it presents host key %s, as its provider reports it; apply pins it\n", keyFingerprint(d.HostKey))
	case d.HostKey != "":
		fmt.Fprintf(b, "      # first contact: it presents host key %s, which apply pins; compare it with the machine's console if you can\n", keyFingerprint(d.HostKey))
	case d.HostKeyFromProvider:
		b.WriteString("      # first contact: apply reads the host keys the machine reports through its provider's API (its console) and pins them\n")
	case d.Install && !d.Erases:
		b.WriteString("      # first contact: the new server's host key will be trusted on first use (its provider offers no way to learn it first); the install then replaces it with one read back over that connection\n")
	default:
		b.WriteString("      # first contact: its host key will be trusted on first use and pinned in state\n")
	}
}

// keyFingerprint shows a host key as ssh-keygen -l does, with its type.
func keyFingerprint(authorizedKey string) string {
	typ, _, _ := strings.Cut(strings.TrimSpace(authorizedKey), " ")
	return sshx.Fingerprint(authorizedKey) + " (" + typ + ")"
}

// short abbreviates a configuration hash for people, as git does commits.
func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

func writeAttrs(b *strings.Builder, attrs map[string]string) {
	keys := make([]string, 0, len(attrs))
	width := 0
	for k, v := range attrs {
		if v == "" {
			continue // unset: nothing to show on a new resource
		}
		keys = append(keys, k)
		width = max(width, len(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "      %-*s = %q\n", width, k, attrs[k])
	}
}

// jsonPlan is the documented JSON form of a plan (plan --json, and saved
// plan files): the Plan's fields plus a summary.
type jsonPlan struct {
	*Plan
	Summary map[string]int `json:"summary"`
}

// JSON encodes the plan in its stable JSON schema.
func (p *Plan) JSON() ([]byte, error) {
	counts := p.Counts()
	summary := map[string]int{"create": counts[Create], "update": counts[Update], "replace": counts[Replace], "delete": counts[Delete], "deploy": len(p.Deploys)}
	data, err := json.MarshalIndent(jsonPlan{p, summary}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Decode reads a saved plan.
func Decode(data []byte) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not a freecloud plan: %w", err)
	}
	if p.Version != FormatVersion {
		return nil, fmt.Errorf("plan format version %d; this freecloud reads version %d", p.Version, FormatVersion)
	}
	for _, c := range p.Changes {
		if c == nil || symbols[c.Action] == "" || (c.Action != Create && c.Before == nil) || (c.Action != Delete && c.After == nil) {
			return nil, fmt.Errorf("the plan holds an invalid change")
		}
	}
	for _, d := range p.Deploys {
		if d == nil || d.Machine == "" || d.Hash == "" {
			return nil, fmt.Errorf("the plan holds an invalid deploy")
		}
	}
	return &p, nil
}
