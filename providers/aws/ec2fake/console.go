package ec2fake

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// A boot is what an instance printed on its serial console when it
// booted, visible once it has run for the operation time.
type boot struct {
	ready time.Time
	text  string
}

// consoleLimit is how much console output EC2 keeps: the last 64 KiB.
const consoleLimit = 64 << 10

// newHostKey is an instance's own ed25519 SSH host key, drawn from the
// fake's seed. The caller holds f.mu.
func (f *Fake) newHostKey() ssh.Signer {
	var seed [ed25519.SeedSize]byte
	for i := 0; i < len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], f.rng.Uint64())
	}
	signer, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		panic(err) // an ed25519 key always makes a signer
	}
	return signer
}

// boot records an instance booting at a time: from the operation time
// later, its console shows a boot log with its host keys.
func (f *Fake) boot(i *instance, at time.Time) {
	i.boots = append(i.boots, boot{ready: at.Add(f.opTime), text: f.bootLog(i)})
}

// hostname is the name an instance gives itself, from its private
// address, as NixOS's EC2 image does.
func hostname(i *instance) string {
	return "ip-" + strings.ReplaceAll(i.privateIP.String(), ".", "-")
}

// bootLog is what NixOS 26.05's EC2 image prints on its console at boot:
// kernel and systemd lines and, from its print-host-key service
// (nixos/modules/virtualisation/ec2-data.nix), the fingerprints and the
// public keys of its SSH host keys, written straight to /dev/console.
// Lines end in CR LF, as on a serial console.
func (f *Fake) bootLog(i *instance) string {
	name := hostname(i)
	pub := i.publicHostKey()
	key := pub.Type() + " " + base64.StdEncoding.EncodeToString(pub.Marshal())
	system := "x86_64-linux"
	if i.arch == "arm64" {
		system = "aarch64-linux"
	}
	release := "26.05"
	if img := f.images[i.image]; img != nil {
		if rest, ok := strings.CutPrefix(img.name, "nixos/"); ok {
			release, _, _ = strings.Cut(rest, "-")
		}
	}
	lines := []string{
		"[    0.000000] Linux version 6.12.41 (nixbld@localhost) (gcc (GCC) 14.3.0, GNU ld (GNU Binutils) 2.44) #1-NixOS SMP PREEMPT_DYNAMIC Tue Jan  1 00:00:00 UTC 1980",
		"[    0.000000] Command line: BOOT_IMAGE=(hd0,gpt2)/boot/kernels/linux-6.12.41-bzImage init=/nix/var/nix/profiles/system/init console=ttyS0,115200n8 random.trust_cpu=on nvme_core.io_timeout=4294967295 loglevel=4",
		"[    0.000000] KERNEL supported cpus:",
		"[    0.000000] DMI: Amazon EC2 " + i.itype + "/, BIOS 1.0 10/16/2017",
		"[    0.000000] Hypervisor detected: KVM",
		"[    0.412345] nvme nvme0: pci function 0000:00:04.0",
		"[    0.420111] nvme nvme0: 2/0/0 default/read/poll queues",
		"[    0.431207]  nvme0n1: p1 p2",
		"",
		"<<< NixOS Stage 1 >>>",
		"",
		"loading module dm_mod...",
		"running udev...",
		"Starting systemd-udevd version 257.6",
		"starting device mapper and LVM...",
		"checking /dev/disk/by-label/nixos...",
		"mounting /dev/disk/by-label/nixos on /...",
		"",
		"<<< NixOS Stage 2 >>>",
		"",
		"running activation script...",
		"setting up /etc...",
		"[    2.803512] systemd[1]: Inserted module 'autofs4'",
		"[    2.851147] systemd[1]: systemd 257.6 running in system mode (+PAM +AUDIT -SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBCRYPTSETUPPLUGINS +LIBFDISK +PCRE2 +PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD +BPF_FRAMEWORK +BTF -XKBCOMMON +UTMP -SYSVINIT +LIBARCHIVE)",
		"[    2.851503] systemd[1]: Detected virtualization amazon.",
		fmt.Sprintf("[    2.851590] systemd[1]: Detected architecture %s.", strings.TrimSuffix(system, "-linux")),
		fmt.Sprintf("[    2.903311] systemd[1]: Hostname set to <%s>.", name),
		"[    4.120448] ena 0000:00:05.0: Elastic Network Adapter (ENA) v2.13.0g",
		"[    4.310582] ena 0000:00:05.0 ens5: renamed from eth0",
		"-----BEGIN SSH HOST KEY FINGERPRINTS-----",
		fmt.Sprintf("256 %s root@%s (ED25519)", ssh.FingerprintSHA256(pub), name),
		"-----END SSH HOST KEY FINGERPRINTS-----",
		"-----BEGIN SSH HOST KEY KEYS-----",
		key + " root@" + name,
		"-----END SSH HOST KEY KEYS-----",
		"",
		"",
		fmt.Sprintf("<<< Welcome to NixOS %s (%s) - ttyS0 >>>", release, strings.TrimSuffix(system, "-linux")),
		"",
		"Run 'nixos-help' for the NixOS manual.",
		"",
		name + " login: ",
	}
	return strings.Join(lines, "\r\n")
}

// consoleText is what an instance's console shows now: the boot logs of
// the boots that have printed theirs, at most the last 64 KiB, or what a
// test set.
func (f *Fake) consoleText(i *instance, now time.Time) string {
	if i.override != nil {
		return *i.override
	}
	var b strings.Builder
	for _, bt := range i.boots {
		if !now.Before(bt.ready) {
			b.WriteString(bt.text)
			b.WriteString("\r\n")
		}
	}
	text := b.String()
	if len(text) > consoleLimit {
		text = text[len(text)-consoleLimit:]
	}
	return text
}

type consoleOutputResponse struct {
	head
	InstanceID string `xml:"instanceId"`
	Timestamp  string `xml:"timestamp"`
	Output     string `xml:"output,omitempty"`
}

// getConsoleOutput answers an instance's console output, base64-encoded;
// no output at all until the instance has printed something.
func (f *Fake) getConsoleOutput(p params) (any, *apiError) {
	if err := p.require("InstanceId"); err != nil {
		return nil, err
	}
	i, err := find(f, f.instances, p.str("InstanceId"))
	if err != nil {
		return nil, err
	}
	now := f.now()
	out := &consoleOutputResponse{InstanceID: i.id, Timestamp: timestamp(now)}
	if text := f.consoleText(i, now); text != "" {
		out.Output = base64.StdEncoding.EncodeToString([]byte(text))
	}
	return out, nil
}

// HostKey is an instance's SSH host key, the one its console shows, for
// tests that run an SSH server in its place; nil for an unknown instance
// or one launched after SetHostKey, whose private half the fake lacks.
func (f *Fake) HostKey(instanceID string) ssh.Signer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.instances[instanceID]; i != nil && i.hostPub == nil {
		return i.hostKey
	}
	return nil
}

// SetHostKey makes the instances launched from now on show pub as their
// host key: that of a test's stand-in SSH server, which then answers for
// them. nil goes back to a key of their own.
func (f *Fake) SetHostKey(pub ssh.PublicKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hostPub = pub
}

// publicHostKey is the host key an instance shows.
func (i *instance) publicHostKey() ssh.PublicKey {
	if i.hostPub != nil {
		return i.hostPub
	}
	return i.hostKey.PublicKey()
}

// SetConsoleOutput makes an instance's console show text (not
// base64-encoded) from now on, whatever it booted with: for tests of
// consoles without keys, with keys of another host, or garbled.
func (f *Fake) SetConsoleOutput(instanceID, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.instances[instanceID]
	if i == nil {
		f.t.Fatalf("ec2fake: SetConsoleOutput: no instance %s", instanceID)
		return
	}
	i.override = &text
}
