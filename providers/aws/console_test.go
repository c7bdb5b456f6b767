package aws

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestConsoleHostKeys(t *testing.T) {
	const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t"
	const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGy7zHZbbGPx6kvI0KE1e6ZUn1B2Ew5tmjWNV+6Qr3vA"
	boot := func(key string) string {
		return "[    1.234] Linux version 6.12\r\n" +
			"<<< NixOS Stage 2 >>>\n" +
			"-----BEGIN SSH HOST KEY FINGERPRINTS-----\n" +
			"256 SHA256:n1Bv9Cv0LhS5l0Ofk3fO2Bi0Iq4kP0ZZs1dYp9wnXfQ root@ip-10-0-1-5 (ED25519)\n" +
			"-----END SSH HOST KEY FINGERPRINTS-----\n" +
			"-----BEGIN SSH HOST KEY KEYS-----\n" +
			key + " root@ip-10-0-1-5\r\n" +
			"[   12.000] random: crng init done\n" +
			"-----END SSH HOST KEY KEYS-----\n"
	}
	for _, tt := range []struct {
		name, console string
		want          []string
	}{
		{"one boot", boot(ed), []string{ed}},
		{"the last boot wins", boot(other) + boot(ed), []string{ed}},
		{"timestamps before the markers", "[ 5.1] -----BEGIN SSH HOST KEY KEYS-----\n[ 5.1] " + ed + "\n[ 5.2] -----END SSH HOST KEY KEYS-----\n", []string{ed}},
		{"not printed yet", "[    1.234] Linux version 6.12\n", nil},
		{"an unfinished block is not trusted", "-----BEGIN SSH HOST KEY KEYS-----\n" + ed + "\n", nil},
		{"an unfinished block after a finished one", boot(ed) + "-----BEGIN SSH HOST KEY KEYS-----\n" + other + "\n", []string{ed}},
		{"fingerprints only (before 26.05)", "-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 SHA256:abc root@x (ED25519)\n-----END SSH HOST KEY FINGERPRINTS-----\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := consoleHostKeys(tt.console); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("consoleHostKeys = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzConsoleHostKeys: whatever a console holds, reading it never fails
// and yields only keys that parse, each once as "type base64".
func FuzzConsoleHostKeys(f *testing.F) {
	const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t"
	f.Add("-----BEGIN SSH HOST KEY KEYS-----\n" + ed + " root@x\n-----END SSH HOST KEY KEYS-----\n")
	f.Add("-----BEGIN SSH HOST KEY KEYS-----\r\n[ 1.0] " + ed + "\r\n-----END SSH HOST KEY KEYS-----")
	f.Add("-----END SSH HOST KEY KEYS-----\n-----BEGIN SSH HOST KEY KEYS-----\n")
	f.Add("ssh-rsa AAAA\n\x00\xff")
	f.Fuzz(func(t *testing.T, console string) {
		for _, key := range consoleHostKeys(console) {
			if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key)); err != nil || strings.Count(key, " ") != 1 {
				t.Errorf("consoleHostKeys returned %q, not a key as type base64", key)
			}
		}
	})
}
