package gemini

import (
	"context"
	"errors"
	"sync"
	"time"
)

// NonceMode says how the nonces of an API key are made. Gemini fixes the mode
// when the key is created and the API cannot tell which one a key has.
type NonceMode string

const (
	// NonceIncreasing sends milliseconds since the epoch, forced to increase
	// strictly from one request to the next: max(last+1, now).
	NonceIncreasing NonceMode = "increasing"
	// NonceTime sends whole seconds since the epoch, for keys created with
	// "uses a time based nonce" (within ±30 s of Gemini's clock).
	NonceTime NonceMode = "time"
)

// maxTimeLead is how far ahead of the clock a time-based nonce may run so it
// can still increase within one second; well inside Gemini's ±30 s window.
const maxTimeLead = 10

// keyState is what every Client of one API key at one base URL shares in a
// process: Gemini tracks nonces per key, so two clients of a key must not
// interleave their requests or reuse a nonce.
type keyState struct {
	slot chan struct{} // held while one private request is signed, sent and answered
	mu   sync.Mutex
	last int64 // the last nonce handed out
}

var (
	keysMu sync.Mutex
	keys   = map[string]*keyState{}
)

// stateFor returns the shared state of key at baseURL.
func stateFor(baseURL, key string) *keyState {
	keysMu.Lock()
	defer keysMu.Unlock()
	id := baseURL + "\x00" + key
	if keys[id] == nil {
		keys[id] = &keyState{slot: make(chan struct{}, 1)}
	}
	return keys[id]
}

// nonceSource hands out the nonces of one key. Callers hold the key's
// private-request slot, so the order of next calls is the order of requests
// on the wire; the mutex keeps the race detector and future callers honest.
type nonceSource struct {
	mode  NonceMode
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	state *keyState
}

// next returns a nonce strictly greater than every earlier one. In time mode,
// when more than maxTimeLead requests arrive within a second it waits for the
// clock rather than run further ahead of Gemini's.
func (n *nonceSource) next(ctx context.Context) (int64, error) {
	st := n.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if n.mode != NonceTime {
		v := n.now().UnixMilli()
		if v <= st.last {
			v = st.last + 1
		}
		st.last = v
		return v, nil
	}
	for range 1000 {
		now := n.now()
		v := now.Unix()
		if v <= st.last {
			v = st.last + 1
		}
		if v-now.Unix() <= maxTimeLead {
			st.last = v
			return v, nil
		}
		wait := time.Unix(v-maxTimeLead, 0).Sub(now)
		if err := n.sleep(ctx, wait); err != nil {
			return 0, err
		}
	}
	return 0, errors.New("time-based nonce: the clock does not advance")
}
