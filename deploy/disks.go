package deploy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// StepDisks formats the machine's blank data disks, before a deploy's
// switch and before an install's nixos-install.
const StepDisks = "disks"

// A DataDisk is a data disk of the machine: the device it is attached
// as and the label its file system must carry, which the generated
// hardware.nix mounts by.
type DataDisk struct {
	Label  string // the disk's name in the deployment, e.g. "nextcloud"
	Device string // an absolute path, e.g. /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123…
	// Mount is where hardware.nix mounts it, for messages only; optional.
	Mount string
}

// MaxDiskLabel is the longest label ext4 holds, in bytes.
const MaxDiskLabel = 16

// Errors of the disks step.
var (
	// ErrDiskAbsent: a data disk's device did not appear in time (a
	// volume that is not attached, or a wrong device path).
	ErrDiskAbsent = errors.New("data disk missing")
	// ErrDiskInvalid: a data disk cannot be formatted as declared.
	ErrDiskInvalid = errors.New("invalid data disk")
)

// checkDisks refuses data disks that cannot be formatted as declared,
// before anything runs on the host.
func checkDisks(disks []DataDisk) error {
	labels, devices := map[string]bool{}, map[string]string{}
	for _, d := range disks {
		switch {
		case d.Label == "":
			return fmt.Errorf("%w: the disk at %s has no name to label its file system with", ErrDiskInvalid, d.Device)
		case len(d.Label) > MaxDiskLabel:
			return fmt.Errorf("%w: disk %s: its name labels its ext4 file system, which holds at most %d bytes; %q has %d",
				ErrDiskInvalid, d.Label, MaxDiskLabel, d.Label, len(d.Label))
		case labels[d.Label]:
			return fmt.Errorf("%w: two disks are named %s; each labels its own file system", ErrDiskInvalid, d.Label)
		case !strings.HasPrefix(d.Device, "/") || path.Clean(d.Device) != d.Device:
			return fmt.Errorf("%w: disk %s: device %q is not a clean absolute path, like /dev/sdb", ErrDiskInvalid, d.Label, d.Device)
		case devices[d.Device] != "":
			return fmt.Errorf("%w: disks %s and %s are both at %s", ErrDiskInvalid, devices[d.Device], d.Label, d.Device)
		}
		labels[d.Label], devices[d.Device] = true, d.Label
	}
	return nil
}

// disksTimeout bounds the disks step: for each disk, the wait for its
// device and a step's time to probe and format it.
func (t Timeouts) disksTimeout(n int) time.Duration {
	return time.Duration(n) * (t.diskWait() + t.Step)
}

// diskWait is how long the disks step waits for a device: DiskWait in
// whole seconds, at least one.
func (t Timeouts) diskWait() time.Duration {
	return time.Duration(max(math.Ceil(t.DiskWait.Seconds()), 1)) * time.Second
}

// diskScript prepares one data disk, in one command. It waits for the
// device (a cloud volume attaches asynchronously), probes it for any
// signature — file system, partition table, LVM, RAID, several at once
// (blkid exits 8) — and formats it only when there is none: blkid -p
// exits 2 and says nothing (it also exits 2, with a message, when it
// cannot open the device). It prints what it found on its first line
// (absent, not-a-device, formatted, or probed and blkid's exit status
// followed by what blkid printed) for disks to explain.
//
// Below Options.Root (a stand-in host in tests) a device is a regular
// file, so isDevice is -f there and -b on a real host.
const diskScript = `dev=%s
i=0
while [ ! -e "$dev" ]; do
	if [ "$i" -ge %d ]; then
		echo absent
		exit 0
	fi
	sleep 1
	i=$((i + 1))
done
if [ ! %s "$dev" ]; then
	echo not-a-device
	exit 0
fi
probe=$(blkid -p -o export "$dev" 2>&1)
rc=$?
if [ "$rc" -eq 2 ] && [ -z "$probe" ]; then
	mkfs.ext4 -L %s "$dev" </dev/null >&2 || exit
	echo formatted
	exit 0
fi
echo "probed $rc"
printf '%%s\n' "$probe"`

// diskCommand is the remote command that prepares disk.
func (d *deployer) diskCommand(disk DataDisk) string {
	isDevice := "-b"
	if d.p.root != "" {
		isDevice = "-f"
	}
	return fmt.Sprintf(diskScript, q(d.p.root+disk.Device), int(d.t.diskWait().Seconds()), isDevice, q(disk.Label))
}

// disks formats the machine's blank data disks with their labels, so
// that hardware.nix's mounts by label find them. A disk that holds
// anything is never touched: it is reported in a Note and the deploy
// goes on (the mount is nofail). A device that does not appear stops
// the deploy, before anything changed.
func (d *deployer) disks(ctx context.Context, conn *sshx.Conn) error {
	var done []string
	for _, disk := range d.opts.Disks {
		// The command's errors name the disk, as "disk <label> at <device>".
		r, err := conn.Run(ctx, "disk "+disk.Label+" at "+disk.Device, d.diskCommand(disk))
		if err != nil {
			return bare(err)
		}
		state, rest, _ := strings.Cut(string(r.Stdout), "\n")
		switch state = strings.TrimSpace(state); {
		case state == "absent":
			return fmt.Errorf("%w: disk %s: its device %s did not appear within %s; is the volume attached to this machine, and is that its device?",
				ErrDiskAbsent, disk.Label, disk.Device, d.t.diskWait())
		case state == "not-a-device":
			return fmt.Errorf("disk %s: %s exists but is not a block device", disk.Label, disk.Device)
		case state == "formatted":
			d.emit(Event{Step: StepDisks, Status: Note, Detail: fmt.Sprintf("disk %s at %s was blank: formatted ext4, labelled %s", disk.Label, disk.Device, disk.Label)})
			done = append(done, disk.Label+" formatted")
		case strings.HasPrefix(state, "probed "):
			ready, err := d.probed(disk, strings.TrimPrefix(state, "probed "), rest)
			if err != nil {
				return err
			}
			if ready {
				done = append(done, disk.Label+" ready")
			} else {
				done = append(done, disk.Label+" left alone")
			}
		default:
			return fmt.Errorf("disk %s at %s: unexpected output %q", disk.Label, disk.Device, strings.TrimSpace(string(r.Stdout)))
		}
	}
	d.detail = strings.Join(done, ", ")
	return nil
}

// probed explains a disk that blkid found something on (or could not
// read): ready when it holds the file system hardware.nix mounts.
func (d *deployer) probed(disk DataDisk, rc, out string) (bool, error) {
	tags, holds, err := probeResult(disk.Device, rc, out)
	if err != nil {
		return false, fmt.Errorf("disk %s: %w; it was not formatted", disk.Label, err)
	}
	fs := tags["TYPE"]
	if (fs == "ext4" || fs == "ext3" || fs == "ext2") && tags["LABEL"] == disk.Label {
		return true, nil // formatted before (by freecloud, or by hand): the ext4 driver mounts ext2 and ext3 too
	}
	hint := ""
	if strings.HasPrefix(fs, "ext") {
		hint = fmt.Sprintf(" (e2label %s %s gives it the expected label)", disk.Device, disk.Label)
	}
	where := ""
	if disk.Mount != "" {
		where = " at " + disk.Mount
	}
	d.emit(Event{Step: StepDisks, Status: Note, Detail: fmt.Sprintf("disk %s at %s holds %s; freecloud formats only blank disks, so it is left as it is and will not be mounted%s%s",
		disk.Label, disk.Device, holds, where, hint)})
	return false, nil
}

// probeResult reads what `blkid -p -o export <device>` printed and its
// exit status (rc), for a device that is not blank: its TAG=value lines,
// and what the device holds in words. A probe that failed is an error.
func probeResult(device, rc, out string) (map[string]string, string, error) {
	tags := map[string]string{}
	var messages []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k != "" && strings.ToUpper(k) == k && !strings.ContainsAny(k, " :") {
			tags[k] = v
		} else if line = strings.TrimSpace(line); line != "" {
			messages = append(messages, line)
		}
	}
	switch rc {
	case "0":
		switch fs := tags["TYPE"]; {
		case fs != "" && tags["LABEL"] != "":
			return tags, fmt.Sprintf("%s labelled %s", fs, tags["LABEL"]), nil
		case strings.HasPrefix(fs, "ext"):
			return tags, fs + " without a label", nil
		case fs != "":
			return tags, fs, nil
		case tags["PTTYPE"] != "":
			return tags, "a " + tags["PTTYPE"] + " partition table", nil
		default:
			return tags, "a signature blkid does not name", nil
		}
	case "8":
		return tags, "several signatures (blkid: ambivalent result)", nil
	}
	msg := strings.Join(messages, "; ")
	if msg == "" {
		msg = "no message"
	}
	return tags, "", fmt.Errorf("blkid -p could not probe %s (exit status %s: %s)", device, rc, msg)
}
