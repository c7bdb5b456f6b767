package deploy_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// volume is where an EBS volume appears on a Nitro instance.
const volume = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"

// diskCalls are the fake commands that preparing the disk at dev calls:
// blkid's probe, and mkfs.ext4 when it was blank.
func diskCalls(h *sshhost.Host, dev, label string, format bool) []string {
	calls := []string{"blkid -p -o export " + sshx.Quote(h.Root+dev)}
	if format {
		calls = append(calls, "mkfs.ext4 -L "+sshx.Quote(label)+" "+sshx.Quote(h.Root+dev))
	}
	return calls
}

// notes are the Detail of the Note events of step.
func (r *recorder) notes(step string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var notes []string
	for _, e := range r.events {
		if e.Step == step && e.Status == deploy.Note {
			notes = append(notes, e.Detail)
		}
	}
	return notes
}

func diskOptions(h *sshhost.Host, rec *recorder, disks ...deploy.DataDisk) deploy.Options {
	return deploy.Options{Root: h.Root, Timeouts: fast, Progress: rec.progress, Disks: disks}
}

func assertFormatted(t *testing.T, h *sshhost.Host, dev, label string) {
	t.Helper()
	tags, attached := h.Disk(dev)
	if !attached || tags["TYPE"] != "ext4" || tags["LABEL"] != label {
		t.Errorf("disk at %s: %v (attached %v), want ext4 labelled %s", dev, tags, attached, label)
	}
}

func TestDeployFormatsBlankDisks(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	h.AttachDisk(volume)
	h.AttachDisk("/dev/sdc")
	disks := []deploy.DataDisk{
		{Label: "nextcloud", Device: volume, Mount: "/var/lib/nextcloud"},
		{Label: "media", Device: "/dev/sdc"},
	}
	rec := &recorder{}
	if _, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), diskOptions(h, rec, disks...)); err != nil {
		t.Fatal(err)
	}

	// Each disk is probed and formatted after the build, before anything
	// is armed or switched.
	want := []string{"nixos-rebuild build " + flakeArgs(h, "web1")}
	want = append(want, diskCalls(h, volume, "nextcloud", true)...)
	want = append(want, diskCalls(h, "/dev/sdc", "media", true)...)
	want = append(want, armCalls(h, int(fast.RollbackAfter().Seconds()))[0])
	if got := h.Commands(); !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("commands on the host:\n  %s\nwant them to start with:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	assertFormatted(t, h, volume, "nextcloud")
	assertFormatted(t, h, "/dev/sdc", "media")

	var wantSteps []string
	for _, s := range []string{"detect", "upload", "build", "disks", "arm-rollback", "switch", "reconnect", "health", "confirm", "record"} {
		wantSteps = append(wantSteps, s+" started")
		if s == "disks" {
			wantSteps = append(wantSteps, "disks note", "disks note")
		}
		wantSteps = append(wantSteps, s+" done")
	}
	if got := rec.steps("web1"); !reflect.DeepEqual(got, wantSteps) {
		t.Errorf("events %q\nwant %q", got, wantSteps)
	}
	wantNotes := []string{
		"disk nextcloud at " + volume + " was blank: formatted ext4, labelled nextcloud",
		"disk media at /dev/sdc was blank: formatted ext4, labelled media",
	}
	if got := rec.notes(deploy.StepDisks); !reflect.DeepEqual(got, wantNotes) {
		t.Errorf("notes %q\nwant %q", got, wantNotes)
	}

	// A second deploy finds the labels and formats nothing.
	before := len(h.Commands())
	rec = &recorder{}
	if _, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), diskOptions(h, rec, disks...)); err != nil {
		t.Fatal(err)
	}
	again := h.Commands()[before:]
	want = append(diskCalls(h, volume, "nextcloud", false), diskCalls(h, "/dev/sdc", "media", false)...)
	if !reflect.DeepEqual(again[1:3], want) || slices.ContainsFunc(again, func(c string) bool { return strings.HasPrefix(c, "mkfs") }) {
		t.Errorf("second deploy's commands:\n  %s\nwant the probes %q after the build, and no mkfs", strings.Join(again, "\n  "), want)
	}
	if notes := rec.notes(deploy.StepDisks); len(notes) != 0 {
		t.Errorf("second deploy noted %q", notes)
	}
	for _, e := range rec.events {
		if e.Step == deploy.StepDisks && e.Status == deploy.Done && e.Detail != "nextcloud ready, media ready" {
			t.Errorf("disks done: %q", e.Detail)
		}
	}
	assertFormatted(t, h, volume, "nextcloud")
}

// Without data disks the step does not exist: no event, no command.
func TestDeployWithoutDisksSkipsTheStep(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	rec := &recorder{}
	if _, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), diskOptions(h, rec)); err != nil {
		t.Fatal(err)
	}
	for _, s := range rec.steps("web1") {
		if strings.HasPrefix(s, "disks") {
			t.Errorf("event %q without disks", s)
		}
	}
	for _, c := range h.Commands() {
		if strings.HasPrefix(c, "blkid") || strings.HasPrefix(c, "mkfs") {
			t.Errorf("%q ran without disks", c)
		}
	}
}

// A disk that holds anything is never formatted; the deploy goes on and
// the operator is told.
func TestDeployLeavesDisksThatHoldSomethingAlone(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	used := map[string][]string{
		"/dev/sdb": {"UUID=1234", "TYPE=xfs", "LABEL=old", "USAGE=filesystem"},
		"/dev/sdc": {"PTUUID=abcd", "PTTYPE=gpt"},
		"/dev/sdd": {"LABEL=photos", "TYPE=ext4", "USAGE=filesystem"},
		"/dev/sde": {"TYPE=LVM2_member", "USAGE=raid"},
		"/dev/sdf": nil, // blank, but blkid finds two signatures
	}
	for dev, tags := range used {
		h.AttachDisk(dev, tags...)
	}
	h.On("blkid -p -o export *sdf", sshhost.Reply{Stderr: "blkid: " + h.Root + "/dev/sdf: ambivalent result (probably more filesystems on the device, use wipefs(8) to see more details)\n", Exit: 8})
	disks := []deploy.DataDisk{
		{Label: "nextcloud", Device: "/dev/sdb", Mount: "/var/lib/nextcloud"},
		{Label: "backup", Device: "/dev/sdc", Mount: "/srv/backup"},
		{Label: "media", Device: "/dev/sdd", Mount: "/srv/media"},
		{Label: "db", Device: "/dev/sde"},
		{Label: "scratch", Device: "/dev/sdf", Mount: "/mnt/scratch"},
	}
	rec := &recorder{}
	if _, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), diskOptions(h, rec, disks...)); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.Commands() {
		if strings.HasPrefix(c, "mkfs") {
			t.Errorf("%q ran on a disk that holds something", c)
		}
	}
	for dev, tags := range used {
		got, _ := h.Disk(dev)
		want := map[string]string{}
		for _, tag := range tags {
			k, v, _ := strings.Cut(tag, "=")
			want[k] = v
		}
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("disk %s holds %v, want %v as before", dev, got, want)
		}
	}
	const left = "; freecloud formats only blank disks, so it is left as it is and will not be mounted"
	wantNotes := []string{
		"disk nextcloud at /dev/sdb holds xfs labelled old" + left + " at /var/lib/nextcloud",
		"disk backup at /dev/sdc holds a gpt partition table" + left + " at /srv/backup",
		"disk media at /dev/sdd holds ext4 labelled photos" + left + " at /srv/media (e2label /dev/sdd media gives it the expected label)",
		"disk db at /dev/sde holds LVM2_member" + left,
		"disk scratch at /dev/sdf holds several signatures (blkid: ambivalent result)" + left + " at /mnt/scratch",
	}
	if got := rec.notes(deploy.StepDisks); !reflect.DeepEqual(got, wantNotes) {
		t.Errorf("notes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(wantNotes, "\n  "))
	}
	if got := h.CurrentSystem(); got != "/nix/store/fake-2-system" {
		t.Errorf("the host runs %s; the deploy should have gone on to generation 2", got)
	}
}

// A cloud volume attached while the deploy runs is waited for.
func TestDeployWaitsForADiskToAppear(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	rec := &recorder{}
	opts := diskOptions(h, rec, deploy.DataDisk{Label: "nextcloud", Device: volume})
	opts.Timeouts.DiskWait = 10 * time.Second
	rec.hook = func(e deploy.Event) {
		if e.Step == deploy.StepDisks && e.Status == deploy.Started {
			h.AttachDiskAfter(600*time.Millisecond, volume)
		}
	}
	start := time.Now()
	if _, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), opts); err != nil {
		t.Fatal(err)
	}
	assertFormatted(t, h, volume, "nextcloud")
	if elapsed := time.Since(start); elapsed < 600*time.Millisecond {
		t.Errorf("the deploy took %s; the disk appeared only after 0.6s", elapsed)
	}
}

// A device that never appears stops the deploy before the switch, with
// nothing changed.
func TestDeployFailsWhenADiskNeverAppears(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	h.AttachDisk("/dev/sdb")
	opts := diskOptions(h, &recorder{}, deploy.DataDisk{Label: "media", Device: "/dev/sdb"}, deploy.DataDisk{Label: "nextcloud", Device: volume})
	opts.Timeouts.DiskWait = time.Second
	start := time.Now()
	_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), opts)
	t.Log(err)
	var e *deploy.Error
	if !errors.As(err, &e) || e.Step != deploy.StepDisks || !errors.Is(err, deploy.ErrDiskAbsent) || e.Armed {
		t.Fatalf("deploy with a disk that never appears: %v; want an unarmed failure of the disks step", err)
	}
	if want := "web1: disks: data disk missing: disk nextcloud: its device " + volume + " did not appear within 1s"; !strings.Contains(err.Error(), want) {
		t.Errorf("error does not say %q:\n%s", want, err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s with a 1s wait", elapsed)
	}
	for _, c := range h.Commands() {
		if strings.HasPrefix(c, "systemd-run") || strings.HasPrefix(c, "nixos-rebuild switch") {
			t.Errorf("%q ran after a disk did not appear", c)
		}
	}
	if got := h.CurrentSystem(); got != "/nix/store/fake-1-system" {
		t.Errorf("the host runs %s, want generation 1", got)
	}
	if _, err := os.Stat(filepath.Join(h.Root, deploy.DeployedFile)); !os.IsNotExist(err) {
		t.Error("deployed.json was written")
	}
	noPendingTimer(t, h)
}

// Disks that cannot be formatted as declared are refused before anything
// runs; a probe or a format that fails stops the deploy before the switch.
func TestDeployDiskFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		disks []deploy.DataDisk
		rule  string
		reply sshhost.Reply
		// ran: commands ran on the host.
		ran  bool
		want []string
	}{{
		name:  "label too long",
		disks: []deploy.DataDisk{{Label: "nextcloud-archive", Device: volume}},
		want:  []string{"web1: disks: invalid data disk: disk nextcloud-archive: its name labels its ext4 file system, which holds at most 16 bytes"},
	}, {
		name:  "no label",
		disks: []deploy.DataDisk{{Device: "/dev/sdb"}},
		want:  []string{"web1: disks: invalid data disk: the disk at /dev/sdb has no name"},
	}, {
		name:  "relative device",
		disks: []deploy.DataDisk{{Label: "media", Device: "sdb"}},
		want:  []string{`disk media: device "sdb" is not a clean absolute path`},
	}, {
		name:  "one device twice",
		disks: []deploy.DataDisk{{Label: "media", Device: "/dev/sdb"}, {Label: "photos", Device: "/dev/sdb"}},
		want:  []string{"disks media and photos are both at /dev/sdb"},
	}, {
		name:  "blkid cannot open the device",
		disks: []deploy.DataDisk{{Label: "media", Device: "/dev/sdb"}},
		rule:  "blkid",
		reply: sshhost.Reply{Stderr: "blkid: error: /dev/sdb: Permission denied\n", Exit: 2},
		ran:   true,
		want:  []string{"web1: disks: disk media: blkid -p could not probe /dev/sdb (exit status 2: blkid: error: /dev/sdb: Permission denied); it was not formatted"},
	}, {
		name:  "mkfs fails",
		disks: []deploy.DataDisk{{Label: "media", Device: "/dev/sdb"}},
		rule:  "mkfs.ext4",
		reply: sshhost.Reply{Stderr: "mkfs.ext4: Device or resource busy while setting up superblock\n", Exit: 1},
		ran:   true,
		want:  []string{"web1: disks: disk media at /dev/sdb: command failed: exit status 1; remote stderr:", "Device or resource busy"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, conn := standIn(t)
			h.AttachDisk("/dev/sdb")
			if tc.rule != "" {
				h.On(tc.rule, tc.reply)
			}
			_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), diskOptions(h, &recorder{}, tc.disks...))
			t.Log(err)
			var e *deploy.Error
			if !errors.As(err, &e) || e.Step != deploy.StepDisks || e.Armed {
				t.Fatalf("error %v; want an unarmed failure of the disks step", err)
			}
			if !tc.ran && !errors.Is(err, deploy.ErrDiskInvalid) {
				t.Errorf("error %v is not ErrDiskInvalid", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%s", want, err)
				}
			}
			commands := h.Commands()
			if !tc.ran {
				if len(commands) != 0 {
					t.Errorf("commands ran: %q", commands)
				}
				if _, err := os.Stat(filepath.Join(h.Root, deploy.FlakeDir)); !os.IsNotExist(err) {
					t.Error("the flake was uploaded")
				}
			}
			for _, c := range commands {
				if strings.HasPrefix(c, "systemd-run") || strings.HasPrefix(c, "nixos-rebuild switch") {
					t.Errorf("%q ran after the disks step failed", c)
				}
			}
			if tags, _ := h.Disk("/dev/sdb"); tc.rule == "blkid" && tags != nil {
				t.Errorf("the disk that could not be probed was formatted: %v", tags)
			}
		})
	}
}

func TestInstallFormatsDisksBeforeNixOSInstall(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	h.AttachDisk("/dev/sdb")
	h.AttachDisk("/dev/sdc", "TYPE=xfs", "LABEL=old")
	rec := &recorder{}
	opts := installOptions(h, localInstaller(t), rec)
	opts.Disks = []deploy.DataDisk{{Label: "nextcloud", Device: "/dev/sdb", Mount: "/var/lib/nextcloud"}, {Label: "media", Device: "/dev/sdc", Mount: "/srv/media"}}
	if _, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), opts); err != nil {
		t.Fatal(err)
	}
	after := installCommands(h, "web1")
	want := append([]string{
		"kexec --load " + h.Root + "/root/kexec/kexec/bzImage --initrd=" + h.Root + "/root/kexec/kexec/initrd",
		"kexec -e",
	}, after[:2]...)
	want = append(want, diskCalls(h, "/dev/sdb", "nextcloud", true)...)
	want = append(want, diskCalls(h, "/dev/sdc", "media", false)...)
	want = append(want, after[2:]...)
	if got := h.Commands(); !reflect.DeepEqual(got, want) {
		t.Fatalf("commands on the host:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	assertFormatted(t, h, "/dev/sdb", "nextcloud")
	if tags, _ := h.Disk("/dev/sdc"); tags["TYPE"] != "xfs" {
		t.Errorf("the disk holding xfs now holds %v", tags)
	}
	var wantSteps []string
	for _, s := range []string{"detect", "kexec", "installer", "disko", "disks", "host-key", "upload", "install", "reboot", "boot", "health", "record"} {
		wantSteps = append(wantSteps, s+" started")
		if s == "disks" {
			wantSteps = append(wantSteps, "disks note", "disks note")
		}
		wantSteps = append(wantSteps, s+" done")
	}
	if got := rec.steps("web1"); !reflect.DeepEqual(got, wantSteps) {
		t.Errorf("events %q\nwant %q", got, wantSteps)
	}
	notes := rec.notes(deploy.StepDisks)
	if len(notes) != 2 || !strings.Contains(notes[1], "disk media at /dev/sdc holds xfs labelled old; freecloud formats only blank disks") {
		t.Errorf("notes %q", notes)
	}
}

func TestInstallRefusesALongDiskLabel(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	opts := installOptions(h, localInstaller(t), &recorder{})
	opts.Disks = []deploy.DataDisk{{Label: "nextcloud-archive", Device: "/dev/sdb"}}
	_, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), opts)
	if !errors.Is(err, deploy.ErrDiskInvalid) || !strings.Contains(err.Error(), "web1: disks: invalid data disk: disk nextcloud-archive") {
		t.Fatalf("error %v", err)
	}
	if c := h.Commands(); len(c) != 0 {
		t.Errorf("commands ran: %q", c)
	}
}
