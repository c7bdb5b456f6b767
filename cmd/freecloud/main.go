// Command freecloud turns HCL deployment files into a reproducible NixOS
// flake. The commands live in package cli; this file only hands over the
// command line and the exit code.
package main

import (
	"os"

	"github.com/freecloud/freecloud/cmd/freecloud/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:]))
}
