package sshx

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Quote makes s one word for a POSIX shell.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:@%+,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WriteFile replaces the remote file at name with data, through a
// temporary file renamed over it, so a reader sees the old or the new
// content and never half of it. Parent directories are created.
func (c *Conn) WriteFile(ctx context.Context, step, name string, data []byte, mode fs.FileMode) error {
	tmp := name + ".tmp"
	cmd := fmt.Sprintf("mkdir -p %s && cat > %s && chmod %o %s && mv -f %s %s",
		Quote(path.Dir(name)), Quote(tmp), mode.Perm(), Quote(tmp), Quote(tmp), Quote(name))
	_, err := c.run(ctx, step, cmd, bytes.NewReader(data))
	return err
}

// ReadFile returns the content of a remote file, and false (no error)
// when it does not exist.
func (c *Conn) ReadFile(ctx context.Context, step, name string) ([]byte, bool, error) {
	q := Quote(name)
	r, err := c.Run(ctx, step, fmt.Sprintf("if [ -e %s ]; then echo y; cat %s; else echo n; fi", q, q))
	if err != nil {
		return nil, false, err
	}
	exists, content, _ := bytes.Cut(r.Stdout, []byte("\n"))
	return content, string(exists) == "y", nil
}

// A Transfer says what Upload changed.
type Transfer struct {
	// Sent and Removed are paths relative to the directory, sorted.
	Sent, Removed []string
	// Unchanged counts the files already there with the right content.
	Unchanged int
}

// Upload makes the remote directory dir hold exactly files (relative
// slash-separated paths to contents), sending only the files whose sha256
// differs from what is there and removing the others.
//
// The new directory is staged next to the old one (dir.new: a copy of dir,
// the changed files unpacked into it from a tar stream, stale files
// removed), verified by sha256 on the remote against every local file, and
// only then swapped in with two renames; a run interrupted between those
// leaves dir.old, which the next Upload puts back first. Files are written
// 0644 and directories 0755: what is uploaded is never secret.
func (c *Conn) Upload(ctx context.Context, dir string, files map[string][]byte) (Transfer, error) {
	const step = "upload"
	fail := func(err error) (Transfer, error) {
		return Transfer{}, &Error{Machine: c.Machine(), Step: step, ExitCode: -1, Err: err}
	}
	want := map[string]string{}
	for name, data := range files {
		if err := checkRelative(name); err != nil {
			return fail(err)
		}
		want[name] = digest(data)
	}
	d, staged, old := Quote(dir), Quote(dir+".new"), Quote(dir+".old")

	// 1. What is there: recover from an interrupted swap, then hash.
	have, err := c.hashes(ctx, step, fmt.Sprintf(
		"if [ ! -d %s ] && [ -d %s ]; then mv %s %s; fi; cd %s 2>/dev/null || exit 0; %s",
		d, old, old, d, d, hashAll), nil)
	if err != nil {
		return Transfer{}, err
	}
	var t Transfer
	for _, name := range sortedKeys(want) {
		if have[name] == want[name] {
			t.Unchanged++
		} else {
			t.Sent = append(t.Sent, name)
		}
	}
	for _, name := range sortedKeys(have) {
		if _, ok := want[name]; !ok {
			t.Removed = append(t.Removed, name)
		}
	}
	if len(t.Sent) == 0 && len(t.Removed) == 0 {
		return t, nil
	}

	// 2. Stage: copy, remove stale files, unpack the changed ones, hash.
	archive, err := tarOf(files, t.Sent)
	if err != nil {
		return fail(err)
	}
	remove := ":"
	if len(t.Removed) > 0 {
		quoted := make([]string, len(t.Removed))
		for i, name := range t.Removed {
			quoted[i] = Quote(name)
		}
		remove = "rm -f -- " + strings.Join(quoted, " ")
	}
	staging := strings.Join([]string{
		"set -e",
		fmt.Sprintf("rm -rf %s", staged),
		fmt.Sprintf("mkdir -p %s", Quote(path.Dir(dir))),
		fmt.Sprintf("if [ -d %s ]; then cp -a %s %s; else mkdir %s; fi", d, d, staged, staged),
		fmt.Sprintf("chmod 0755 %s", staged),
		fmt.Sprintf("cd %s", staged),
		"find . -mindepth 1 ! -type f ! -type d -delete", // only plain files and directories
		remove,
		"tar -x -m --no-same-owner -f -",
		"find . -mindepth 1 -type d -empty -delete",
		hashAll,
	}, "\n")
	got, err := c.hashes(ctx, step, staging, bytes.NewReader(archive))
	if err != nil {
		return Transfer{}, err
	}

	// 3. Verify every file, then swap.
	if diff := compareHashes(want, got); diff != "" {
		c.Run(ctx, step, "rm -rf "+staged)
		return fail(fmt.Errorf("verification failed, %s left unchanged: %s", dir, diff))
	}
	swap := fmt.Sprintf("set -e; rm -rf %s; if [ -d %s ]; then mv %s %s; fi; mv %s %s; rm -rf %s", old, d, d, old, staged, d, old)
	if _, err := c.Run(ctx, step, swap); err != nil {
		return Transfer{}, err
	}
	return t, nil
}

// hashAll prints "sha256  ./path" for every regular file below the
// working directory.
const hashAll = "find . -type f -exec sha256sum -- {} +"

func (c *Conn) hashes(ctx context.Context, step, cmd string, stdin io.Reader) (map[string]string, error) {
	r, err := c.run(ctx, step, cmd, stdin)
	if err != nil {
		return nil, err
	}
	return parseSums(r.Stdout), nil
}

// parseSums reads sha256sum's output. Names with a backslash or newline
// are printed escaped, with a leading backslash on the line.
func parseSums(out []byte) map[string]string {
	sums := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		escaped := strings.HasPrefix(line, `\`)
		line = strings.TrimPrefix(line, `\`)
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			continue
		}
		if escaped {
			name = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r").Replace(name)
		}
		sums[strings.TrimPrefix(name, "./")] = sum
	}
	return sums
}

// compareHashes describes the first few differences between two hash
// lists, or returns "".
func compareHashes(want, got map[string]string) string {
	var diffs []string
	for _, name := range sortedKeys(want) {
		switch g, ok := got[name]; {
		case !ok:
			diffs = append(diffs, name+" is missing")
		case g != want[name]:
			diffs = append(diffs, fmt.Sprintf("%s has sha256 %s, want %s", name, g, want[name]))
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, name+" should not be there")
		}
	}
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("and %d more", len(diffs)-5))
	}
	return strings.Join(diffs, "; ")
}

// tarOf archives the named files. Owner, mode and time are fixed: they
// carry nothing and would only make archives differ.
func tarOf(files map[string][]byte, names []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range names {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return nil, err
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// checkRelative refuses paths that would land outside the directory or
// that the remote tools cannot name unambiguously.
func checkRelative(name string) error {
	switch {
	case name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || name == "." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("%q is not a clean relative path", name)
	case strings.ContainsAny(name, "\\\n\r\x00"):
		return fmt.Errorf("%q: file names with backslashes or line breaks are not uploaded", name)
	}
	return nil
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
