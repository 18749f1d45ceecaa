package gemini

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// NonceMode says how the nonces of an API key are made. Gemini fixes the mode
// when the key is created and the API cannot tell which one a key has.
type NonceMode string

const (
	// NonceIncreasing sends milliseconds since the epoch, forced to increase
	// strictly from one request to the next: max(last+1, now).
	NonceIncreasing NonceMode = "increasing"
	// NonceTime sends whole seconds since the epoch on the exchange's clock
	// (ExchangeNow), for keys created with "uses a time based nonce"
	// (within ±30 s of Gemini's clock).
	NonceTime NonceMode = "time"
)

// maxTimeLead is how far ahead of the clock a time-based nonce may run so it
// can still increase within one second; well inside Gemini's ±30 s window.
const maxTimeLead = 10

// timeWindow is Gemini's window for time-based nonces: a last nonce further
// ahead of the clock than this could not be followed by an accepted one, so
// it is not followed.
const timeWindow = 30

// TimeNonceLead and TimeNonceWindow are, for callers that must know when a
// request signed with a time-based nonce can no longer be taken (apply,
// after an ambiguous order/new): a nonce runs at most TimeNonceLead ahead of
// the clock it is signed on (the exchange's, as ExchangeNow estimates it),
// and Gemini takes it while it is within TimeNonceWindow of its own clock.
const (
	TimeNonceLead   = maxTimeLead * time.Second
	TimeNonceWindow = timeWindow * time.Second
)

// One nonce sequence per key.
//
// Gemini accepts a private request only if its nonce is above every nonce
// the key has used, so every program using a key must draw from one
// sequence, and its requests must reach Gemini in the order they were
// signed. Within a process, the Clients of a key share a keyState: one
// private request in flight at a time, nonces from one counter. Across
// processes (two orderform commands run back to back or at once, or the
// local exchange served on a fresh port by each command) Config.NonceFile
// carries the sequence: a private request takes an exclusive lock
// (gofrs/flock, on NonceFile + ".lock"), reads the last nonce, writes the next, max(last+1,
// now), and keeps the lock until the answer is in, as the in-process slot
// does. So no run starts below the previous one, and two runs at once take
// turns instead of overtaking each other on the way to Gemini (which would
// cost the overtaken request an InvalidNonce). Gemini's own rate limit is
// lower than one request per round trip, so taking turns costs nothing.
// A program that does not use the file can still overtake a request; the
// InvalidNonce it gets did nothing, and the client signs it again with a
// fresh nonce (maxNonceResends times at most).

// keyState is what every Client of one key shares in a process.
type keyState struct {
	slot chan struct{} // held while one private request is signed, sent and answered
	mu   sync.Mutex
	last int64       // the last nonce handed out in this process
	file *nonceStore // nil: the sequence lives in this process only
}

var (
	keysMu sync.Mutex
	keys   = map[string]*keyState{}
)

// stateFor returns the shared state of cfg's key: by its nonce file when it
// has one (whatever the base URL: the local exchange changes port on every
// command), otherwise by base URL and key. A client of the same base URL
// and key without a nonce file (a program's second client of the key, a
// test placing orders beside orderform's) joins the sequence of the last
// client created there with one, instead of starting its own from the clock,
// which a burst of the other has run ahead of: its requests would all be
// refused as InvalidNonce.
func stateFor(cfg Config) (*keyState, error) {
	urlID := "url\x00" + cfg.BaseURL + "\x00" + cfg.APIKey
	keysMu.Lock()
	defer keysMu.Unlock()
	if cfg.NonceFile == "" {
		if keys[urlID] == nil {
			keys[urlID] = &keyState{slot: make(chan struct{}, 1)}
		}
		return keys[urlID], nil
	}
	abs, err := filepath.Abs(cfg.NonceFile)
	if err != nil {
		return nil, fmt.Errorf("nonce file %s: %w", cfg.NonceFile, err)
	}
	fileID := "file\x00" + abs
	if keys[fileID] == nil {
		keys[fileID] = &keyState{slot: make(chan struct{}, 1), file: &nonceStore{path: abs}}
	}
	keys[urlID] = keys[fileID]
	return keys[fileID], nil
}

// acquire takes the key's turn to sign, send and await one private request:
// the process's slot, then the nonce file's lock. release gives it back.
func (st *keyState) acquire(ctx context.Context) (release func(), err error) {
	select {
	case st.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := st.file.lock(ctx); err != nil {
		<-st.slot
		return nil, err
	}
	return func() {
		st.file.unlock()
		<-st.slot
	}, nil
}

// nonceSource hands out the nonces of one key. Callers hold the key's turn
// (acquire), so the order of next calls is the order of requests on the
// wire; the mutex keeps the race detector and future callers honest.
type nonceSource struct {
	mode  NonceMode
	now   func() time.Time // for NonceTime, the exchange's clock
	sleep func(context.Context, time.Duration) error
	state *keyState
}

// next returns a nonce strictly greater than every earlier one of the key,
// in this process and, with a nonce file, in every process using the file.
// In time mode, when more than maxTimeLead requests arrive within a second
// it waits for the clock rather than run further ahead of Gemini's.
func (n *nonceSource) next(ctx context.Context) (int64, error) {
	st := n.state
	st.mu.Lock()
	defer st.mu.Unlock()
	stored, err := st.file.read(n.mode)
	if err != nil {
		return 0, err
	}
	for range 1000 {
		last := max(st.last, stored)
		now := n.now()
		var v int64
		if n.mode != NonceTime {
			v = max(now.UnixMilli(), last+1)
		} else {
			sec := now.Unix()
			if last-sec > timeWindow {
				last = 0
			}
			v = max(sec, last+1)
			if v-sec > maxTimeLead {
				if err := n.sleep(ctx, time.Unix(v-maxTimeLead, 0).Sub(now)); err != nil {
					return 0, err
				}
				continue
			}
		}
		if err := st.file.write(n.mode, v); err != nil {
			return 0, err
		}
		st.last = v
		return v, nil
	}
	return 0, errors.New("time-based nonce: the clock does not advance")
}

// nonceStore is a key's last nonce in a file, shared by processes, with
// its lock on a file beside it (path + ".lock"): on Windows a locked file
// cannot be read or written through another handle.
type nonceStore struct {
	path string
	fl   *flock.Flock // created on first use
}

func (s *nonceStore) fail(err error) error {
	return fmt.Errorf("keep the API key's last nonce in %s: %w", s.path, err)
}

// lock takes the exclusive lock, waiting for another process's turn.
func (s *nonceStore) lock(ctx context.Context) error {
	if s == nil {
		return nil
	}
	if s.fl == nil {
		s.fl = flock.New(s.path+".lock", flock.SetPermissions(0o600))
	}
	_, err := s.fl.TryLockContext(ctx, time.Millisecond)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory is made on first use, and again if someone
		// cleared the cache meanwhile.
		if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
			return s.fail(err)
		}
		_, err = s.fl.TryLockContext(ctx, time.Millisecond)
	}
	if err != nil {
		return s.fail(err)
	}
	return nil
}

func (s *nonceStore) unlock() {
	if s != nil && s.fl != nil {
		s.fl.Unlock()
	}
}

// read returns the last nonce stored for mode: 0 when there is none, for a
// nil store, or for another mode's record (a key has one mode: the
// configuration was corrected). The lock is held.
func (s *nonceStore) read(mode NonceMode) (int64, error) {
	if s == nil {
		return 0, nil
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, s.fail(err)
	}
	return parseNonceRecord(string(b), mode), nil
}

// write stores v as the last nonce. The lock is held.
func (s *nonceStore) write(mode NonceMode, v int64) error {
	if s == nil {
		return nil
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return s.fail(err)
	}
	rec := nonceRecord(mode, v)
	_, err = f.WriteAt([]byte(rec), 0)
	if err == nil {
		err = f.Truncate(int64(len(rec)))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return s.fail(err)
	}
	return nil
}

// nonceRecord is the file's content: the mode and the last nonce, padded to
// a fixed width so that every write covers the one before.
func nonceRecord(mode NonceMode, v int64) string {
	return fmt.Sprintf("orderform-nonce %-10s %20d\n", mode, v)
}

// parseNonceRecord returns the last nonce a record holds for mode; 0 for an
// empty or unreadable file or another mode's record.
func parseNonceRecord(s string, mode NonceMode) int64 {
	f := strings.Fields(s)
	if len(f) != 3 || f[0] != "orderform-nonce" || f[1] != string(mode) {
		return 0
	}
	v, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}
