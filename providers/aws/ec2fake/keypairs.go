package ec2fake

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// A keyPair is an imported public key.
type keyPair struct {
	meta
	name        string
	keyType     string // rsa or ed25519, the types EC2 imports
	fingerprint string
	publicKey   string // the OpenSSH line as imported
	created     time.Time
}

type keyPairXML struct {
	KeyPairID   string   `xml:"keyPairId"`
	KeyName     string   `xml:"keyName"`
	Fingerprint string   `xml:"keyFingerprint"`
	KeyType     string   `xml:"keyType"`
	PublicKey   string   `xml:"publicKey,omitempty"`
	CreateTime  string   `xml:"createTime"`
	Tags        []tagXML `xml:"tagSet>item"`
}

func (k *keyPair) xml(withPublicKey bool) keyPairXML {
	out := keyPairXML{
		KeyPairID: k.id, KeyName: k.name, Fingerprint: k.fingerprint, KeyType: k.keyType,
		CreateTime: timestamp(k.created), Tags: tagSet(k.tags),
	}
	if withPublicKey {
		out.PublicKey = k.publicKey
	}
	return out
}

var keyPairFilters = filterDefs[*keyPair]{
	"key-pair-id": func(k *keyPair) []string { return one(k.id) },
	"key-name":    func(k *keyPair) []string { return one(k.name) },
	"fingerprint": func(k *keyPair) []string { return one(k.fingerprint) },
	"key-type":    func(k *keyPair) []string { return one(k.keyType) },
}

type describeKeyPairsResponse struct {
	head
	KeyPairs []keyPairXML `xml:"keySet>item"`
}

// describeKeyPairs lists key pairs; EC2 does not paginate them.
func (f *Fake) describeKeyPairs(p params) (any, *apiError) {
	keys, err := selectIDs(f, f.keyPairs, p.list("KeyPairId"))
	if err != nil {
		return nil, err
	}
	if names := p.list("KeyName"); len(names) > 0 {
		var named []*keyPair
		for _, name := range names {
			k := f.keyPairNamed(name)
			if k == nil || !slices.Contains(keys, k) {
				return nil, errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", name)
			}
			named = append(named, k)
		}
		keys = named
	}
	keys, err = filterItems(p, keyPairFilters, tagsOf, keys)
	if err != nil {
		return nil, err
	}
	out := &describeKeyPairsResponse{}
	for _, k := range keys {
		out.KeyPairs = append(out.KeyPairs, k.xml(p.bool("IncludePublicKey")))
	}
	return out, nil
}

func (f *Fake) keyPairNamed(name string) *keyPair {
	for _, k := range f.keyPairs {
		if k.name == name {
			return k
		}
	}
	return nil
}

type importKeyPairResponse struct {
	head
	KeyPairID   string   `xml:"keyPairId"`
	KeyName     string   `xml:"keyName"`
	Fingerprint string   `xml:"keyFingerprint"`
	Tags        []tagXML `xml:"tagSet>item"`
}

// importKeyPair imports an OpenSSH public key. PublicKeyMaterial is a
// blob, which the Query protocol sends base64-encoded.
func (f *Fake) importKeyPair(p params) (any, *apiError) {
	if err := p.require("KeyName", "PublicKeyMaterial"); err != nil {
		return nil, err
	}
	name := p.str("KeyName")
	if len(name) > 255 {
		return nil, invalidValue(name, "KeyName")
	}
	material, err := base64.StdEncoding.DecodeString(p.str("PublicKeyMaterial"))
	if err != nil {
		return nil, errorf("InvalidParameterValue", "Value for parameter PublicKeyMaterial is invalid: it is not base64")
	}
	tags, e := p.tagSpecs("key-pair")
	if e != nil {
		return nil, e
	}
	if f.keyPairNamed(name) != nil {
		return nil, errorf("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", name)
	}
	k, e := f.addKeyPair(name, string(material), tags["key-pair"])
	if e != nil {
		return nil, e
	}
	return &importKeyPairResponse{KeyPairID: k.id, KeyName: k.name, Fingerprint: k.fingerprint, Tags: tagSet(k.tags)}, nil
}

// addKeyPair keeps a public key under a name. The caller holds f.mu.
func (f *Fake) addKeyPair(name, material string, tags map[string]string) (*keyPair, *apiError) {
	pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(material))
	if err != nil {
		return nil, errorf("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
	}
	k := &keyPair{meta: f.newMeta("key-pair", "key", tags), name: name, created: f.now()}
	switch pub.Type() {
	case ssh.KeyAlgoRSA:
		k.keyType = "rsa"
		// EC2 shows an imported RSA key by the MD5 of its DER form.
		der, err := x509.MarshalPKIXPublicKey(pub.(ssh.CryptoPublicKey).CryptoPublicKey())
		if err != nil {
			return nil, errorf("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
		}
		sum := md5.Sum(der)
		hex := make([]string, len(sum))
		for i, b := range sum {
			hex[i] = fmt.Sprintf("%02x", b)
		}
		k.fingerprint = strings.Join(hex, ":")
	case ssh.KeyAlgoED25519:
		k.keyType = "ed25519"
		sum := sha256.Sum256(pub.Marshal())
		k.fingerprint = base64.StdEncoding.EncodeToString(sum[:])
	default:
		return nil, errorf("InvalidKey.Format", "Key type %s is not supported: EC2 imports RSA and ED25519 keys", pub.Type())
	}
	k.publicKey = strings.TrimSpace(strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + comment)
	f.keyPairs[k.id] = k
	f.register(k)
	return k, nil
}

type deleteKeyPairResponse struct {
	head
	Return    bool   `xml:"return"`
	KeyPairID string `xml:"keyPairId,omitempty"`
}

// deleteKeyPair deletes a key pair by ID or name; one that does not
// exist is no error, as at EC2.
func (f *Fake) deleteKeyPair(p params) (any, *apiError) {
	var k *keyPair
	switch {
	case p.str("KeyPairId") != "":
		k = f.keyPairs[p.str("KeyPairId")]
	case p.str("KeyName") != "":
		k = f.keyPairNamed(p.str("KeyName"))
	default:
		return nil, errorf("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
	}
	out := &deleteKeyPairResponse{Return: true}
	if k != nil {
		delete(f.keyPairs, k.id)
		delete(f.objects, k.id)
		out.KeyPairID = k.id
	}
	return out, nil
}
