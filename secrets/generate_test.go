package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestGeneratePassword(t *testing.T) {
	for _, n := range []int{1, 16, 32, 100} {
		v, err := Generate("password", n)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != n {
			t.Fatalf("length %d: got %d characters", n, len(v))
		}
		for _, c := range v {
			if !strings.ContainsRune(alphabet, rune(c)) {
				t.Fatalf("character %q is not in A-Za-z0-9", c)
			}
		}
	}
	// Every character of the alphabet turns up in a long value.
	v, _ := Generate("password", maxLength)
	for _, c := range alphabet {
		if !bytes.ContainsRune(v, c) {
			t.Errorf("%q never drawn in %d characters", c, maxLength)
		}
	}
}

func TestGenerateEncodings(t *testing.T) {
	h, err := Generate("hex", 32)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := hex.DecodeString(string(h)); err != nil || len(raw) != 32 || string(h) != strings.ToLower(string(h)) {
		t.Fatalf("hex value %q: %v", h, err)
	}
	b, err := Generate("base64", 32)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.StdEncoding.DecodeString(string(b)); err != nil || len(raw) != 32 {
		t.Fatalf("base64 value %q: %v", b, err)
	}
	for _, v := range [][]byte{h, b} {
		if bytes.ContainsAny(v, "\r\n") {
			t.Fatalf("value %q has a newline", v)
		}
	}
}

func TestGenerateDiffers(t *testing.T) {
	for _, rule := range []string{"password", "hex", "base64"} {
		a, _ := Generate(rule, 32)
		b, _ := Generate(rule, 32)
		if bytes.Equal(a, b) {
			t.Errorf("%s: two values are equal", rule)
		}
	}
}

func TestGenerateRefuses(t *testing.T) {
	if _, err := Generate("pin", 8); err == nil || !strings.Contains(err.Error(), "password, hex or base64") {
		t.Errorf("unknown rule: %v", err)
	}
	for _, n := range []int{0, -1, maxLength + 1} {
		if _, err := Generate("hex", n); err == nil {
			t.Errorf("length %d accepted", n)
		}
	}
}
