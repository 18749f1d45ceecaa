package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/gofrs/flock"
)

// A state file is shared by every process that uses it, like one exchange
// shared by its clients: two `orderform apply` runs on one configuration,
// an apply waiting at its prompt while `orderform sim fill` changes the
// book, an `orderform sim` server beside them. Each request is therefore a
// load-modify-save under an exclusive lock:
//
//   - PATH.lock is the lock file (gofrs/flock: flock(2), or LockFileEx on
//     Windows), held from before the state is read until its change is
//     written, so no update is lost and ids and nonces are handed out once.
//   - PATH is the snapshot, the state file as before (written atomically:
//     temporary file, fsync, rename; mode 0600). It names the last journal
//     record it contains (journal_seq).
//   - PATH.journal holds the changes made since, one JSON record a line: the
//     orders, trades, balances, markets and nonces a request changed. A
//     request appends one line (a single write, then fsync) instead of
//     rewriting the whole book, which at 5,000 orders cost 20 ms a request.
//     When the journal outgrows the snapshot it is folded into a new
//     snapshot and removed ("compaction").
//
// Before each request a process checks whether the files changed since it
// last read or wrote them (the snapshot's identity, size and modification
// time; the journal's identity and size): when they did not, nothing is
// read; when only the journal grew, only the new records are read; when the
// snapshot was replaced, everything is. A record cut short by a crash (no
// final newline) is dropped; a corrupt record is an error naming the file.

// journalCompactMin is the journal size below which it is never compacted
// (a variable for tests).
var journalCompactMin int64 = 1 << 20

type fileStore struct {
	path, journal string
	lock          *flock.Flock
	locked        bool

	loaded bool
	snap   os.FileInfo // the snapshot as last read or written; nil: none
	jinfo  os.FileInfo // the journal as last read or written; nil: none
	joff   int64       // bytes of the journal read or written
	seq    uint64      // the last journal record in s.st

	reloads, tailReads int  // how often everything, or just new records, were read (for tests)
	upgrade            bool // the snapshot is of an older version: rewrite it
}

func newFileStore(path string) *fileStore {
	return &fileStore{path: path, journal: path + ".journal", lock: flock.New(path+".lock", flock.SetPermissions(0o600))}
}

func (fs *fileStore) snapSize() int64 {
	if fs.snap == nil {
		return 0
	}
	return fs.snap.Size()
}

// record is one line of the journal: what one operation changed.
type record struct {
	Seq         uint64              `json:"seq"`
	NextOrderID uint64              `json:"next_order_id,string"`
	NextTradeID uint64              `json:"next_trade_id"`
	Orders      []*order            `json:"orders,omitempty"` // changed and new, by id
	Trades      []*trade            `json:"trades,omitempty"` // new
	Balances    map[string]*balance `json:"balances,omitempty"`
	Markets     map[string]*market  `json:"markets,omitempty"`
	Nonces      map[string]string   `json:"nonces,omitempty"`
}

// changes tracks what an operation changes, for its journal record.
type changes struct {
	orders, trades       int // len(st.Orders), len(st.Trades) at the start
	nextOrder, nextTrade uint64
	touched              map[*order]bool
	balances, markets    map[string]bool
	nonces               map[string]bool
}

func (c *changes) reset(st *state) {
	c.orders, c.trades = len(st.Orders), len(st.Trades)
	c.nextOrder, c.nextTrade = st.NextOrderID, st.NextTradeID
	if c.touched == nil {
		c.touched, c.balances, c.markets, c.nonces = map[*order]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	clear(c.touched)
	clear(c.balances)
	clear(c.markets)
	clear(c.nonces)
}

func (c *changes) any(st *state) bool {
	return len(st.Orders) != c.orders || len(st.Trades) != c.trades || st.NextOrderID != c.nextOrder ||
		st.NextTradeID != c.nextTrade || len(c.touched)+len(c.balances)+len(c.markets)+len(c.nonces) > 0
}

// The touch methods mark what an operation changed; s.mu must be held.
func (s *Server) touchOrder(o *order)       { s.chg.touched[o] = true }
func (s *Server) touchBalance(cur string)   { s.chg.balances[cur] = true }
func (s *Server) touchMarket(symbol string) { s.chg.markets[symbol] = true }
func (s *Server) touchNonce(key string)     { s.chg.nonces[key] = true }

// record builds the journal record of the changes since lockState.
func (s *Server) record() *record {
	st, c := s.st, &s.chg
	r := &record{NextOrderID: st.NextOrderID, NextTradeID: st.NextTradeID}
	for o := range c.touched {
		if s.byID[o.ID] == o && o.ID < c.nextOrder { // new orders follow
			r.Orders = append(r.Orders, o)
		}
	}
	slices.SortFunc(r.Orders, func(a, b *order) int { return cmpUint(a.ID, b.ID) })
	r.Orders = append(r.Orders, st.Orders[c.orders:]...)
	r.Trades = st.Trades[c.trades:]
	if len(c.balances) > 0 {
		r.Balances = map[string]*balance{}
		for cur := range c.balances {
			r.Balances[cur] = st.Balances[cur]
		}
	}
	if len(c.markets) > 0 {
		r.Markets = map[string]*market{}
		for sym := range c.markets {
			r.Markets[sym] = st.Markets[sym]
		}
	}
	if len(c.nonces) > 0 {
		r.Nonces = map[string]string{}
		for k := range c.nonces {
			r.Nonces[k] = st.Nonces[k]
		}
	}
	return r
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// apply replays a journal record onto s.st.
func (s *Server) apply(r *record) error {
	st := s.st
	for _, o := range r.Orders {
		if o == nil {
			return errors.New("null order")
		}
		if old := s.byID[o.ID]; old != nil {
			*old = *o
			continue
		}
		if n := len(st.Orders); n > 0 && st.Orders[n-1].ID >= o.ID {
			return fmt.Errorf("new order %d is not above the last, %d", o.ID, st.Orders[n-1].ID)
		}
		if _, ok := lookupSymbol(o.Symbol); !ok {
			return fmt.Errorf("order %d has unknown symbol %q", o.ID, o.Symbol)
		}
		if o.Options == nil {
			o.Options = []string{}
		}
		st.Orders = append(st.Orders, o)
		s.byID[o.ID] = o
	}
	for _, t := range r.Trades {
		if t == nil {
			return errors.New("null trade")
		}
		st.Trades = append(st.Trades, t)
	}
	for cur, b := range r.Balances {
		if b == nil {
			return fmt.Errorf("null balance %s", cur)
		}
		st.Balances[cur] = b
	}
	for sym, m := range r.Markets {
		if m == nil {
			return fmt.Errorf("null market %s", sym)
		}
		st.Markets[sym] = m
	}
	for k, n := range r.Nonces {
		st.Nonces[k] = n
	}
	if r.NextOrderID < st.NextOrderID || r.NextTradeID < st.NextTradeID {
		return errors.New("the next ids went down")
	}
	st.NextOrderID, st.NextTradeID = r.NextOrderID, r.NextTradeID
	return nil
}

// lockState takes the exchange for one operation: s.mu and, with a state
// file, its lock, with s.st brought up to date with the files. unlockState
// must follow whatever it returns; on an error the operation must not run.
func (s *Server) lockState() *Error {
	s.mu.Lock()
	if s.store != nil {
		err := s.store.lock.Lock()
		if errors.Is(err, os.ErrNotExist) {
			// The directory was removed (to start afresh): make it again.
			if err = os.MkdirAll(filepath.Dir(s.store.path), 0o700); err == nil {
				err = s.store.lock.Lock()
			}
		}
		if err != nil {
			s.chg.reset(s.st)
			return errorf(http.StatusInternalServerError, ReasonSystem, "simulator could not lock %s: %v", s.store.lock.Path(), err)
		}
		s.store.locked = true
		if err := s.refresh(); err != nil {
			s.chg.reset(s.st)
			return errorf(http.StatusInternalServerError, ReasonSystem, "%v", err)
		}
	}
	s.chg.reset(s.st)
	return nil
}

// unlockState writes what the operation changed and releases the exchange.
func (s *Server) unlockState() *Error {
	defer s.mu.Unlock()
	fs := s.store
	if fs == nil || !fs.locked {
		return nil
	}
	defer func() {
		fs.lock.Unlock()
		fs.locked = false
	}()
	if !s.chg.any(s.st) {
		return nil
	}
	if err := fs.append(s.record()); err != nil {
		fs.loaded = false // memory is ahead of the files: read them again next time
		return errorf(http.StatusInternalServerError, ReasonSystem, "simulator could not save its state to %s: %v", fs.journal, err)
	}
	if fs.joff > max(journalCompactMin, fs.snapSize()) {
		if err := s.compact(); err != nil {
			// The journal still holds everything: nothing is lost.
			fs.loaded = false
		}
	}
	return nil
}

// txn runs fn on the up-to-date exchange and saves what it changed, even
// when fn fails (a spent nonce stays spent).
func (s *Server) txn(fn func() *Error) *Error {
	if e := s.lockState(); e != nil {
		s.unlockState()
		return e
	}
	e := fn()
	if ce := s.unlockState(); ce != nil {
		return ce
	}
	return e
}

// txnErr is txn for methods that return error (a nil *Error stays nil).
func (s *Server) txnErr(fn func() *Error) error {
	if e := s.txn(fn); e != nil {
		return e
	}
	return nil
}

// view runs a read: on the up-to-date exchange, or when the files cannot be
// read, on what this process last saw.
func (s *Server) view(fn func()) {
	s.lockState()
	fn()
	s.unlockState()
}

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
