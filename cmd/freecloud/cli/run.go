// Package cli holds freecloud's commands: each parses its flags, calls the
// packages that do the work and prints their results. It is the only place
// that writes to the terminal.
package cli

import (
	"fmt"
	"os"
	"strings"
)

// Run executes the command line and returns the exit code: 0 on success,
// 1 on errors the user can fix, 2 on a bug in freecloud. A panic is
// reported in one short message instead of a Go stack trace.
func Run(args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "freecloud: internal error: %v\nThis is a bug in freecloud. Please report it with the command you ran and, if you can, the deployment files.\n", r)
			code = 2
		}
	}()
	cmd := newRootCommand()
	cmd.SetArgs(terraformStyle(args))
	if err := cmd.Execute(); err != nil {
		if code, ok := err.(exitCode); ok {
			return int(code)
		}
		if _, reported := err.(exitError); !reported {
			fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		}
		return 1
	}
	return 0
}

// exitError is returned by commands that already told the user what went
// wrong (diagnostics were printed); Run only sets the exit code.
type exitError struct{}

func (exitError) Error() string { return "failed" }

// terraformStyle accepts the single-dash spelling of -var and -var-file
// that Terraform users type by habit; pflag would read -var as -v -a -r.
func terraformStyle(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		out[i] = a
		for _, name := range []string{"-var", "-var-file"} {
			if a == name || strings.HasPrefix(a, name+"=") {
				out[i] = "-" + a
			}
		}
	}
	return out
}
