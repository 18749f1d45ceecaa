// Package atomicfile is orderform's one way of writing a file that other
// processes may read at any moment: caches, saved plans, the simulator's
// book, formatted configuration.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes b to path with mode 0600, creating its directory (0700)
// when missing. See WriteFile.
func Write(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return WriteFile(path, b, 0o600)
}

// WriteFile writes b to path in an existing directory through a temporary
// file beside it (".NAME.tmp…"), synced and given mode before it is renamed
// over path: a reader sees the old file or the new one, never half of
// either, and a crash leaves the old file.
func WriteFile(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
