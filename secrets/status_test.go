package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
)

// TestTagMatchesAge checks the tag computed here against the one age
// itself writes into ssh-ed25519 and ssh-rsa stanzas.
func TestTagMatchesAge(t *testing.T) {
	for name, host := range map[string]sshKey{"ed25519": newEd25519(t, "root@web1"), "rsa": newRSA(t)} {
		t.Run(name, func(t *testing.T) {
			r, err := agessh.ParseRecipient(host.public)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			a := armor.NewWriter(&buf)
			w, err := age.Encrypt(a, r)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(secret))
			w.Close()
			a.Close()
			st, err := Status(buf.Bytes(), host.public, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.HostKey || !st.Current() {
				t.Fatalf("Status of a file age sealed to the host key = %+v, want sealed to it", st)
			}
			stanzas, err := parseHeader(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			_, key, err := parseHostKey(host.public)
			if err != nil {
				t.Fatal(err)
			}
			if got := stanzas[0].Args[0]; got != key.tag || stanzas[0].Type != "ssh-"+name {
				t.Fatalf("age wrote -> %s %s, we compute %s", stanzas[0].Type, got, key.tag)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	host, oldHost := newEd25519(t, "root@web1"), newEd25519(t, "root@old")
	alice := newEd25519(t, "alice@laptop")
	bob := newAgeKey(t).Recipient().String()
	carol := newAgeKey(t).Recipient().String()
	recovery := []string{alice.public, bob}

	tests := []struct {
		name     string
		ct       []byte
		hostKey  string
		recovery []string
		host     bool
		complete bool
		current  bool
		unknown  int
		missing  []string
		x25519   int
		nStanzas int
	}{
		{"current", mustSeal(t, secret, host.public, recovery...), host.public, recovery, true, true, true, 0, nil, 1, 3},
		{"old host key", mustSeal(t, secret, oldHost.public, recovery...), host.public, recovery, false, true, false, 1, nil, 1, 3},
		{"no host key yet", mustSeal(t, secret, "", recovery...), "", recovery, false, true, false, 0, nil, 1, 2},
		{"host only, recovery added since", mustSeal(t, secret, host.public), host.public, recovery, true, false, false, 0, []string{alice.public}, 0, 1},
		{"recovery recipient removed since", mustSeal(t, secret, host.public, alice.public, bob, carol), host.public, recovery, true, true, false, 1, nil, 2, 4},
		{"ssh recovery removed since", mustSeal(t, secret, host.public, alice.public), host.public, nil, true, true, false, 1, nil, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Status(tt.ct, tt.hostKey, tt.recovery)
			if err != nil {
				t.Fatal(err)
			}
			if st.HostKey != tt.host || st.RecoveryComplete() != tt.complete || st.Current() != tt.current || st.Unknown != tt.unknown || st.X25519 != tt.x25519 || len(st.Stanzas) != tt.nStanzas {
				t.Errorf("Status = %+v: HostKey %v RecoveryComplete %v Current %v; want %v %v %v, unknown %d, X25519 %d, %d stanzas",
					st, st.HostKey, st.RecoveryComplete(), st.Current(), tt.host, tt.complete, tt.current, tt.unknown, tt.x25519, tt.nStanzas)
			}
			if strings.Join(st.MissingRecovery, "|") != strings.Join(tt.missing, "|") {
				t.Errorf("MissingRecovery = %q, want %q", st.MissingRecovery, tt.missing)
			}
		})
	}
}

func TestStatusBadKeys(t *testing.T) {
	ct := mustSeal(t, secret, newEd25519(t, "").public)
	if _, err := Status(ct, "ssh-ed25519 nonsense", nil); err == nil {
		t.Error("Status with a malformed host key succeeded")
	}
	if _, err := Status(ct, "", []string{"ecdsa-sha2-nistp256 AAAA"}); err == nil {
		t.Error("Status with a malformed recovery recipient succeeded")
	}
}

func TestStatusGarbage(t *testing.T) {
	valid := mustSeal(t, secret, newEd25519(t, "").public)
	bin, err := binary(valid)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty":            nil,
		"plaintext":        []byte(secret + "\n"),
		"intro only":       []byte("age-encryption.org/v1\n"),
		"no stanza":        []byte("age-encryption.org/v1\n--- " + strings.Repeat("A", 43) + "\n" + strings.Repeat("x", 32)),
		"truncated":        bin[:len(bin)/2],
		"no payload":       bin[:bytes.Index(bin, []byte("\n---"))+48],
		"bad mac":          bytes.Replace(bin, []byte("\n--- "), []byte("\n--- !"), 1),
		"bad stanza":       bytes.Replace(bin, []byte("-> ssh-ed25519 "), []byte("-> ssh-ed25519  "), 1),
		"armor, no footer": valid[:len(valid)-len(armor.Footer)-1],
		"armor, junk":      append(append([]byte{}, valid...), "junk\n"...),
		"armor header":     []byte(armor.Header + "\n"),
		"CRLF":             bytes.ReplaceAll(bin, []byte("\n"), []byte("\r\n")),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Status(data, "", nil)
			if err == nil {
				t.Fatal("Status succeeded")
			}
			if !errors.Is(err, errNotAge) {
				t.Errorf("err = %v, want errNotAge", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the input: %v", err)
			}
		})
	}
}

func TestStatusAgreesWithAge(t *testing.T) {
	id := newAgeKey(t)
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, id.Recipient(), newAgeKey(t).Recipient())
	w.Write([]byte(secret))
	w.Close()
	st, err := Status(buf.Bytes(), "", []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if st.X25519 != 2 || st.WantX25519 != 1 || st.Unknown != 1 {
		t.Fatalf("Status = %+v", st)
	}
}

// FuzzStatus checks that no input makes the header parser panic, and that
// whatever it accepts has a well-formed header age accepts too.
func FuzzStatus(f *testing.F) {
	host := newEd25519(f, "root@web1")
	id := newAgeKey(f)
	valid := mustSeal(f, secret, host.public, id.Recipient().String())
	bin, err := binary(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(bin)
	f.Add([]byte{})
	f.Add([]byte(secret))
	f.Add([]byte("age-encryption.org/v1\n"))
	f.Add([]byte("age-encryption.org/v1\n-> X25519\n\n--- " + strings.Repeat("A", 43) + "\n"))
	f.Add([]byte("age-encryption.org/v1\n-> \n\n---\n"))
	f.Add([]byte(armor.Header + "\n" + armor.Footer + "\n"))
	f.Add([]byte(armor.Header + "\n!!!!\n" + armor.Footer + "\n"))
	f.Add(bin[:len(bin)-20])
	f.Add(valid[:len(valid)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Status(data, host.public, []string{id.Recipient().String()})
		if err != nil {
			if !errors.Is(err, errNotAge) {
				t.Fatalf("a parse error that is not errNotAge: %v", err)
			}
			return
		}
		if len(st.Stanzas) == 0 {
			t.Fatal("accepted a header without stanzas")
		}
		b, err := binary(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := age.ExtractHeader(bytes.NewReader(b)); err != nil {
			t.Fatalf("Status accepted a header age refuses: %v", err)
		}
	})
}
