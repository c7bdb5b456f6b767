package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"syscall"
	"time"
)

// LockInfo says who holds a deployment's lock, for the operator who waits.
type LockInfo struct {
	ID        string    `json:"id"`
	Who       string    `json:"who"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Operation string    `json:"operation"`
	Since     time.Time `json:"since"`
}

func (i LockInfo) String() string {
	return fmt.Sprintf("%s@%s (pid %d) for %q since %s, lock ID %s", i.Who, i.Host, i.PID, i.Operation, i.Since.Format(time.RFC3339), i.ID)
}

// ErrLocked is returned when the lock is held by someone else.
var ErrLocked = errors.New("the deployment is locked")

// A Lock is held until Release.
type Lock struct {
	path string
	Info LockInfo
	// Stale is the lock of a run on this machine whose process had died,
	// which this lock replaced; nil when there was none.
	Stale *LockInfo
}

// LockPath is the lock file next to a state file.
func (f *File) LockPath() string { return filepath.Join(filepath.Dir(f.Path), "state.lock") }

// Lock takes the deployment's lock for operation, waiting up to timeout
// for another holder to release it. Every command that may write state
// holds it for its whole run.
func (f *File) Lock(ctx context.Context, operation string, timeout time.Duration) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return nil, err
	}
	info := newLockInfo(operation)
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	var stale *LockInfo
	for {
		err := createExclusive(f.LockPath(), data)
		if err == nil {
			return &Lock{path: f.LockPath(), Info: info, Stale: stale}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		holder, readErr := readLock(f.LockPath())
		if readErr != nil && !errors.Is(readErr, os.ErrNotExist) {
			return nil, fmt.Errorf("%w, and its lock file %s cannot be read (%v); if no freecloud is running, remove it", ErrLocked, f.LockPath(), readErr)
		}
		if errors.Is(readErr, os.ErrNotExist) {
			continue // released between our two calls
		}
		if dead(holder) {
			// Killed or crashed on this very machine: nobody holds it.
			// Remove exactly that lock (same ID) and try again.
			if _, err := f.ForceUnlock(holder.ID); err == nil {
				stale = &holder
			}
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w by %s. Wait for it, raise --lock-timeout, or, if that run is gone, run freecloud force-unlock %s",
				ErrLocked, holder, holder.ID)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		if wait < time.Second {
			wait *= 2
		}
	}
}

// Release gives the lock back. It removes the lock file only while it is
// still this lock's, so a forced unlock followed by another run's lock is
// not broken.
func (l *Lock) Release() error {
	holder, err := readLock(l.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if holder.ID != l.Info.ID {
		return nil
	}
	return os.Remove(l.path)
}

// ForceUnlock removes the lock if its ID is id: for a run that died
// without releasing it. The ID must be given so the wrong lock is never
// broken.
func (f *File) ForceUnlock(id string) (LockInfo, error) {
	holder, err := readLock(f.LockPath())
	if errors.Is(err, os.ErrNotExist) {
		return LockInfo{}, fmt.Errorf("the deployment is not locked")
	}
	if err != nil {
		return LockInfo{}, err
	}
	if holder.ID != id {
		return holder, fmt.Errorf("the lock is held by %s, not %s; nothing was unlocked", holder, id)
	}
	return holder, os.Remove(f.LockPath())
}

func newLockInfo(operation string) LockInfo {
	var b [8]byte
	_, _ = rand.Read(b[:])
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	host, _ := os.Hostname()
	return LockInfo{ID: hex.EncodeToString(b[:]), Who: who, Host: host, PID: os.Getpid(), Operation: operation, Since: time.Now().UTC().Truncate(time.Second)}
}

func readLock(path string) (LockInfo, error) {
	var info LockInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("not a freecloud lock: %w", err)
	}
	return info, nil
}

// createExclusive creates path with data, failing with os.ErrExist if it
// is there: the atomic test-and-set of the lock. The content is written to
// a temporary file first and hard-linked into place, so the lock file is
// never seen empty or half-written, even when the process is killed
// between creating and writing it.
func createExclusive(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lock-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}

// dead tells whether a lock's holder ran on this machine and its process
// no longer exists. A lock of another machine is never judged: only its
// owner or force-unlock can end it.
func dead(holder LockInfo) bool {
	host, _ := os.Hostname()
	if holder.Host != host || holder.PID <= 0 || holder.PID == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(holder.PID, 0), syscall.ESRCH)
}
