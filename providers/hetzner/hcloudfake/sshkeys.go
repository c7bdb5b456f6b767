package hcloudfake

import (
	"bytes"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func (f *Fake) sshKeyRoutes() map[string]handler {
	return map[string]handler{
		"GET /ssh_keys": func(r *http.Request) response {
			fp := r.URL.Query().Get("fingerprint")
			return f.list(f.sshKeys, r, func(id int64) bool { return fp == "" || f.sshKeys.rows[id].Fingerprint == fp })
		},
		"GET /ssh_keys/{id}": f.sshKeys.get,
		"PUT /ssh_keys/{id}": f.sshKeys.update,
		"POST /ssh_keys": func(r *http.Request) response {
			var req schema.SSHKeyCreateRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			key, err := f.createSSHKey(req)
			if err != nil {
				return err.response()
			}
			return created(schema.SSHKeyCreateResponse{SSHKey: *key})
		},
		"DELETE /ssh_keys/{id}": func(r *http.Request) response {
			key, err := f.sshKeys.find(r)
			if err != nil {
				return err.response()
			}
			delete(f.sshKeys.rows, key.ID)
			return noContent()
		},
	}
}

// createSSHKey adds a key; a project holds a public key only once.
func (f *Fake) createSSHKey(req schema.SSHKeyCreateRequest) (*schema.SSHKey, *apiError) {
	if err := checkName(req.Name, f.sshKeys.named(req.Name) != nil); err != nil {
		return nil, err
	}
	labels, err := checkLabels(req.Labels)
	if err != nil {
		return nil, err
	}
	fp, ok := fingerprint(req.PublicKey)
	if !ok {
		return nil, invalidInput("public_key", "not an OpenSSH public key")
	}
	for _, k := range f.sshKeys.rows {
		if k.Fingerprint == fp {
			return nil, uniqueness("SSH key with the same fingerprint already exists")
		}
	}
	f.nextID++
	key := &schema.SSHKey{
		ID: f.nextID, Name: req.Name, Fingerprint: fp, PublicKey: strings.TrimSpace(req.PublicKey),
		Labels: labels, Created: time.Now().UTC(),
	}
	f.sshKeys.add(key)
	return key, nil
}

// fingerprint is the MD5 fingerprint the API shows of an OpenSSH public
// key ("type base64 [comment]"), after checking the key's own encoding.
func fingerprint(publicKey string) (string, bool) {
	fields := strings.Fields(publicKey)
	if len(fields) < 2 {
		return "", false
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil || len(blob) < 4 {
		return "", false
	}
	n := binary.BigEndian.Uint32(blob)
	if int(n) > len(blob)-4 || string(blob[4:4+n]) != fields[0] {
		return "", false
	}
	sum := md5.Sum(blob)
	hex := make([]string, len(sum))
	for i, b := range sum {
		hex[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(hex, ":"), true
}

// PublicKey returns a valid OpenSSH ed25519 public key derived from seed,
// with seed as its comment: distinct seeds give distinct keys. For tests.
func PublicKey(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	pub := ed25519.NewKeyFromSeed(sum[:]).Public().(ed25519.PublicKey)
	var blob bytes.Buffer
	for _, field := range [][]byte{[]byte("ssh-ed25519"), pub} {
		_ = binary.Write(&blob, binary.BigEndian, uint32(len(field)))
		blob.Write(field)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob.Bytes()) + " " + seed
}
