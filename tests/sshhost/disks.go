package sshhost

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The host's data disks, for the deploy step that formats blank ones
// (deploy.Options.Disks, with Options.Root the host's Root).
//
// A disk is a regular file below Root at the path a real host has its
// device at: /dev/disk/by-id/x is Root/dev/disk/by-id/x. An empty file is
// a blank disk, as a new cloud volume is; otherwise the file holds the
// signatures on the disk as blkid -p -o export prints them, a TAG=value a
// line (TYPE=xfs and LABEL=old for a file system, PTTYPE=gpt for a
// partition table). A missing file is a disk not attached (yet).
//
// blkid (called as blkid -p -o export <device>) prints DEVNAME and the
// signatures, and exits 2 printing nothing for a blank disk; for a
// missing one it exits 2 with an error, as the real blkid does for a
// device it cannot open. mkfs.ext4 -L <label> <device> writes TYPE=ext4
// and the label (truncated to ext4's 16 bytes, as mke2fs does) into a
// blank disk, and refuses a disk that is missing or holds anything: the
// real one asks before overwriting a signature, which a deploy must never
// get to. Rules (On) make either fail or hang.
func init() {
	for _, name := range []string{"blkid", "mkfs.ext4"} {
		if _, ok := fakes[name]; ok {
			panic("sshhost: " + name + " has two fakes")
		}
	}
	fakes["blkid"] = fakeBlkid
	fakes["mkfs.ext4"] = fakeMkfsExt4
}

const fakeBlkid = `dev=
while [ $# -gt 0 ]; do
	case $1 in
	-o | -s | -n | -u | -O | -S | -t | -c | -L | -U) shift ;;
	-*) ;;
	*) dev=$1 ;;
	esac
	shift
done
if [ -z "$dev" ]; then
	echo "fake blkid: no device given" >&2
	exit 4
fi
if [ ! -e "$dev" ]; then
	echo "blkid: error: $dev: No such file or directory" >&2
	exit 2
fi
if [ ! -s "$dev" ]; then
	exit 2
fi
echo "DEVNAME=$dev"
cat "$dev"`

const fakeMkfsExt4 = `label=
dev=
while [ $# -gt 0 ]; do
	case $1 in
	-L) label=$2; shift ;;
	-[bCdeEgGiIJlmMNoOrtTUz]) shift ;;
	-*) ;;
	*) [ -n "$dev" ] || dev=$1 ;;
	esac
	shift
done
if [ ! -e "$dev" ]; then
	echo "The file $dev does not exist and no size was specified." >&2
	exit 1
fi
if [ -s "$dev" ]; then
	echo "fake mkfs.ext4: $dev is not blank ($(tr '\n' ' ' <"$dev")); the real one would ask before overwriting it" >&2
	exit 1
fi
if [ "$(printf '%s' "$label" | wc -c)" -gt 16 ]; then
	label=$(printf '%s' "$label" | head -c 16)
	echo "Warning: label too long; will be truncated to '$label'" >&2
fi
echo "Creating filesystem with 262144 4k blocks and 65536 inodes"
{
	[ -z "$label" ] || echo "LABEL=$label"
	echo "VERSION=1.0"
	echo "TYPE=ext4"
	echo "USAGE=filesystem"
} >"$dev"
echo "Writing superblocks and filesystem accounting information: done"`

// AttachDisk attaches a disk at dev, a device path as the host names it
// (/dev/sdb, /dev/disk/by-id/…): blank without tags, else holding them
// (AttachDisk(dev, "TYPE=xfs", "LABEL=old")).
func (h *Host) AttachDisk(dev string, tags ...string) {
	h.t.Helper()
	if err := h.attachDisk(dev, tags); err != nil {
		h.t.Fatalf("sshhost: attaching %s: %v", dev, err)
	}
}

// AttachDiskAfter attaches a disk at dev, as AttachDisk does, after
// delay, in the background: a cloud volume that the provider attaches
// while the deploy runs.
func (h *Host) AttachDiskAfter(delay time.Duration, dev string, tags ...string) {
	h.t.Helper()
	timer := time.AfterFunc(delay, func() {
		if err := h.attachDisk(dev, tags); err != nil {
			h.t.Errorf("sshhost: attaching %s: %v", dev, err)
		}
	})
	h.t.Cleanup(func() { timer.Stop() })
}

// DetachDisk takes the disk at dev away, as a lost volume or an
// unplugged disk goes.
func (h *Host) DetachDisk(dev string) {
	h.t.Helper()
	if err := os.Remove(h.diskFile(dev)); err != nil {
		h.t.Fatalf("sshhost: detaching %s: %v", dev, err)
	}
}

// attachDisk writes the disk's file whole, through a rename, so that the
// fakes never see half of it.
func (h *Host) attachDisk(dev string, tags []string) error {
	file := h.diskFile(dev)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	content := ""
	if len(tags) > 0 {
		content = strings.Join(tags, "\n") + "\n"
	}
	tmp := file + ".attaching"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// Disk tells what the disk at dev holds, as blkid -p reports it: nil
// for a blank disk (TYPE "ext4" and its LABEL once mkfs.ext4 formatted
// it), and false when no disk is attached there.
func (h *Host) Disk(dev string) (tags map[string]string, attached bool) {
	h.t.Helper()
	data, err := os.ReadFile(h.diskFile(dev))
	if os.IsNotExist(err) {
		return nil, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			if tags == nil {
				tags = map[string]string{}
			}
			tags[k] = v
		}
	}
	return tags, true
}

// diskFile is the file that stands for the device dev.
func (h *Host) diskFile(dev string) string {
	return h.path(filepath.FromSlash(strings.TrimPrefix(dev, "/")))
}
