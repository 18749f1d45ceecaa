package sim

import (
	"cmp"
	"errors"
	"fmt"
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
	slices.SortFunc(r.Orders, func(a, b *order) int { return cmp.Compare(a.ID, b.ID) })
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
