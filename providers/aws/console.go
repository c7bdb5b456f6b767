package aws

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"golang.org/x/crypto/ssh"

	"github.com/freecloud/freecloud/providers"
)

var _ providers.HostKeyReporter = (*Provider)(nil)

// The block NixOS's EC2 image (nixos/modules/virtualisation/ec2-data.nix,
// service print-host-key, from 26.05) writes to the console at every
// boot: the host's public keys, one per line, as in cloud-init.
const (
	keysBegin = "-----BEGIN SSH HOST KEY KEYS-----"
	keysEnd   = "-----END SSH HOST KEY KEYS-----"
)

// HostKeys reads the SSH host keys an instance printed on its console.
// The console is written by the instance itself and read through the EC2
// API with the operator's credentials, so the keys are the instance's:
// first contact pins them rather than trusting on first use. Nil while
// the instance has not printed them yet.
func (p *Provider) HostKeys(ctx context.Context, server *providers.Resource) ([]string, error) {
	if server.Kind != "instance" || server.ID == "" {
		return nil, fmt.Errorf("%s is not an instance with an ID", server.Address())
	}
	in := &ec2.GetConsoleOutputInput{InstanceId: awssdk.String(server.ID), Latest: awssdk.Bool(true)}
	out, err := p.client.GetConsoleOutput(ctx, in)
	if errorCode(err) == "UnsupportedOperation" {
		// Only Nitro instances keep the latest output; others give what
		// was buffered around the last boot, which holds the keys too.
		in.Latest = nil
		out, err = p.client.GetConsoleOutput(ctx, in)
	}
	if notVisibleYet(err) {
		return nil, nil
	}
	if err != nil {
		return nil, providers.OpError("read the console of", server, err)
	}
	text, err := base64.StdEncoding.DecodeString(awssdk.ToString(out.Output))
	if err != nil {
		return nil, providers.OpError("read the console of", server, fmt.Errorf("its output is not base64: %w", err))
	}
	return consoleHostKeys(string(text)), nil
}

// consoleHostKeys finds the last complete block of host keys in a
// console's text (each boot prints one) and returns its keys as "type
// base64". Lines that are not keys, such as kernel messages that
// interleave on a console, are skipped; a prefix before a key (a
// timestamp) is not part of it.
func consoleHostKeys(console string) []string {
	var keys, block []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(console))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimRight(sc.Text(), "\r"))
		switch {
		case strings.HasSuffix(line, keysBegin):
			in, block = true, nil
		case strings.HasSuffix(line, keysEnd) && in:
			in, keys = false, block
		case in:
			if pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(fromKeyType(line))); err == nil {
				block = append(block, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))))
			}
		}
	}
	return keys
}

// fromKeyType is line from where a public key's type starts.
func fromKeyType(line string) string {
	for _, typ := range []string{"ssh-", "ecdsa-", "sk-"} {
		if i := strings.Index(line, typ); i >= 0 {
			return line[i:]
		}
	}
	return line
}
