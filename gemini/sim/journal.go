package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// sameFile reports whether b is the file a was, unchanged.
func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// refresh brings s.st up to date with the files; the lock must be held.
func (s *Server) refresh() error {
	fs := s.store
	if !fs.loaded {
		return s.reload()
	}
	si, err := os.Stat(fs.path)
	switch {
	case errors.Is(err, os.ErrNotExist) && fs.snap == nil:
	case err != nil || !sameFile(fs.snap, si):
		return s.reload()
	}
	ji, err := os.Stat(fs.journal)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if fs.joff != 0 {
			return s.reload()
		}
		return nil
	case err != nil:
		return fmt.Errorf("simulator state %s: %w", fs.journal, err)
	case fs.jinfo != nil && !os.SameFile(fs.jinfo, ji), ji.Size() < fs.joff:
		return s.reload()
	case ji.Size() == fs.joff:
		return nil
	}
	fs.tailReads++
	return s.readJournal()
}

// reload reads the snapshot and the whole journal.
func (s *Server) reload() error {
	fs := s.store
	fs.loaded = false
	fs.reloads++
	st, err := loadState(fs.path)
	if err != nil {
		return err
	}
	fs.snap = nil
	if si, err := os.Stat(fs.path); err == nil {
		fs.snap = si
	}
	fs.upgrade = st.Version != stateVersion
	st.Version = stateVersion
	s.setState(st)
	fs.seq, fs.joff, fs.jinfo = st.JournalSeq, 0, nil
	if err := s.readJournal(); err != nil {
		return err
	}
	if err := s.st.check(); err != nil {
		return fmt.Errorf("simulator state %s with its journal is corrupt: %v; move both aside to start afresh", fs.path, err)
	}
	fs.loaded = true
	return nil
}

// readJournal applies the journal's records from fs.joff on.
func (s *Server) readJournal() error {
	fs := s.store
	f, err := os.OpenFile(fs.journal, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		fs.jinfo, fs.joff = nil, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("simulator state %s: %w", fs.journal, err)
	}
	defer f.Close()
	if _, err := f.Seek(fs.joff, io.SeekStart); err != nil {
		return fmt.Errorf("simulator state %s: %w", fs.journal, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("simulator state %s: %w", fs.journal, err)
	}
	complete := bytes.LastIndexByte(data, '\n') + 1
	for off := 0; off < complete; {
		n := bytes.IndexByte(data[off:], '\n')
		line := data[off : off+n]
		at := fs.joff + int64(off)
		off += n + 1
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("simulator state journal %s is corrupt at byte %d (%v); move it and %s aside to start afresh", fs.journal, at, err, fs.path)
		}
		if r.Seq <= fs.seq {
			continue // already in the snapshot
		}
		if r.Seq != fs.seq+1 {
			return fmt.Errorf("simulator state journal %s is corrupt at byte %d: record %d follows %d", fs.journal, at, r.Seq, fs.seq)
		}
		if err := s.apply(&r); err != nil {
			return fmt.Errorf("simulator state journal %s is corrupt at byte %d: %v", fs.journal, at, err)
		}
		fs.seq = r.Seq
	}
	end := fs.joff + int64(complete)
	if complete < len(data) {
		// A write cut short by a crash: its request never answered.
		if err := f.Truncate(end); err != nil {
			return fmt.Errorf("simulator state %s: dropping an incomplete last record: %w", fs.journal, err)
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("simulator state %s: %w", fs.journal, err)
	}
	fs.jinfo, fs.joff = fi, end
	return nil
}

// append writes a record at the end of the journal, in one write, synced.
func (fs *fileStore) append(r *record) error {
	r.Seq = fs.seq + 1
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	f, err := os.OpenFile(fs.journal, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(line)
	if err == nil {
		err = f.Sync()
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Truncate(fs.journal, fs.joff) // drop a partial line, if any
		return err
	}
	fs.seq, fs.joff, fs.jinfo = r.Seq, fs.joff+int64(len(line)), fi
	return nil
}

// compact folds the journal into a new snapshot and removes it; the lock
// must be held. A crash between the two leaves a journal whose records the
// snapshot already holds, which the next reader skips.
func (s *Server) compact() error {
	fs := s.store
	s.st.JournalSeq = fs.seq
	if err := saveState(fs.path, s.st); err != nil {
		return err
	}
	si, err := os.Stat(fs.path)
	if err != nil {
		return err
	}
	fs.snap, fs.upgrade = si, false
	if err := os.Remove(fs.journal); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fs.jinfo, fs.joff = nil, 0
	return nil
}
