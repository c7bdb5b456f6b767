package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// collectTimeout bounds reading a host's facts: a few small files.
const collectTimeout = time.Minute

// A FactFile is a public fact a host publishes as a file (profiles.Collect).
type FactFile struct {
	// Key names the fact in state, <service>.<fact>.
	Key  string
	Path string
	// Valid checks the content, trimmed; a host publishing anything else
	// is refused, since the fact goes into other hosts' configuration.
	Valid func(string) bool
}

// ReadFacts reads the facts a host publishes, all in one command. A fact
// whose file does not exist yet is left out of the result: its unit has
// not run (the service failed, or the host runs an older configuration).
// root is Options.Root.
func ReadFacts(ctx context.Context, conn *sshx.Conn, root string, facts []FactFile) (map[string]string, error) {
	const step = "collect"
	ctx, cancel := context.WithTimeout(ctx, collectTimeout)
	defer cancel()
	root = strings.TrimSuffix(root, "/")
	var script strings.Builder
	for i, f := range facts {
		// Each file is framed by its index, so that a file's content can
		// never pass for another's.
		fmt.Fprintf(&script, "if [ -f %s ]; then echo '@@fact %d'; head -c 4096 %s; echo; fi\n", q(root+f.Path), i, q(root+f.Path))
	}
	r, err := conn.Run(ctx, step, script.String())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var bad []string
	for _, part := range strings.Split(string(r.Stdout), "@@fact ")[1:] {
		head, body, _ := strings.Cut(part, "\n")
		var i int
		if _, err := fmt.Sscanf(head, "%d", &i); err != nil || i < 0 || i >= len(facts) {
			return nil, fmt.Errorf("%s: %s: unexpected output %q", conn.Machine(), step, head)
		}
		f := facts[i]
		value := strings.TrimSpace(body)
		if !f.Valid(value) {
			bad = append(bad, fmt.Sprintf("%s (%s)", f.Key, f.Path))
			continue
		}
		out[f.Key] = value
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return out, fmt.Errorf("%s publishes facts that do not have the expected form, so they are not passed on to its peers: %s. Look at the unit that writes them on the host", conn.Machine(), strings.Join(bad, ", "))
	}
	return out, nil
}
