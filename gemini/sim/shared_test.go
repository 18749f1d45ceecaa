package sim

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// book is everything a server shows, for comparing two views of one exchange.
type book struct {
	Orders   []OrderView
	Balances map[string]BalanceView
	Markets  []MarketView
	Trades   []TradeView
}

func bookOf(s *Server) book {
	return book{s.Orders(), s.Balances(), s.Markets(), s.Trades()}
}

// sameBook fails unless every server shows the same exchange, and a server
// that loads the files afresh shows it too.
func sameBook(t *testing.T, path string, servers ...*Server) book {
	t.Helper()
	fresh, err := New(Options{Keys: testKeys, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	want := bookOf(fresh)
	for i, s := range servers {
		if diff := cmp.Diff(want, bookOf(s)); diff != "" {
			t.Fatalf("server %d differs from the files (-files +server):\n%s", i+1, diff)
		}
	}
	return want
}

func orderIDs(os []OrderView) []string {
	var ids []string
	for _, o := range os {
		ids = append(ids, o.ID)
	}
	return ids
}

// Two servers on one state file, as two orderform processes on one
// .orderform/ have: they behave as one exchange. Ids are handed out once,
// no update is lost (a fill made through one survives the other's next
// request), and nonces are per key across both.
func TestSharedStateTwoServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".orderform", "local.json")
	s1, c1 := start(t, Options{StatePath: path})
	s2, c2 := start(t, Options{StatePath: path})
	c2.nonces = c1.nonces // one key, one nonce sequence (the client's business)

	a := c1.order(t, map[string]any{"client_order_id": "a"})
	b := c2.order(t, map[string]any{"client_order_id": "b"})
	c := c1.order(t, map[string]any{"client_order_id": "c"})
	ids := []string{a["order_id"].(string), b["order_id"].(string), c["order_id"].(string)}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] >= ids[1] || ids[1] >= ids[2] {
		t.Fatalf("order ids %v: want distinct and increasing across both servers", ids)
	}
	if got := orderIDs(s1.Orders()); !cmp.Equal(got, ids) {
		t.Errorf("server 1 lists %v, want %v", got, ids)
	}

	// `orderform sim fill` (server 2) while an apply (server 1) waits at
	// its prompt; the apply then goes on: the fill survives.
	if err := s2.Fill(ids[0], decimal.Zero); err != nil {
		t.Fatal(err)
	}
	d := c1.order(t, map[string]any{"client_order_id": "d"})
	if o, err := s1.Order(ids[0]); err != nil || o.Live || !o.Executed.Equal(o.Original) {
		t.Errorf("server 1 after server 2's fill: %+v %v", o, err)
	}
	st := c1.post(t, "/v1/order/status", map[string]any{"order_id": ids[0]}).object()
	if st["is_live"] != false || st["executed_amount"] != "0.01" {
		t.Errorf("status through server 1 after server 2's fill: %v", st)
	}

	// A cancel through one, a market move through the other.
	if r := c2.post(t, "/v1/order/cancel", map[string]any{"order_id": ids[2]}); r.status != 200 || r.object()["is_cancelled"] != true {
		t.Errorf("cancel through server 2: %d %s", r.status, r.body)
	}
	if err := s2.SetMarket("ethusd", d0("3000.00"), d0("3000.50")); err != nil {
		t.Fatal(err)
	}
	if tk := c1.get(t, "/v1/pubticker/ethusd").object(); tk["bid"] != "3000" && tk["bid"] != "3000.00" {
		t.Errorf("server 1's ticker after server 2 moved the market: %v", tk)
	}
	live := c1.post(t, "/v1/orders", nil).array()
	if len(live) != 2 || live[0]["order_id"] != ids[1] || live[1]["order_id"] != d["order_id"] {
		t.Errorf("live orders through server 1: %v, want b and d", live)
	}

	// Nonces are per key across both: a nonce server 1 took is spent on
	// server 2.
	n := c1.nextNonce()
	if r := c1.postRaw(t, "/v1/balances", []byte(`{"request":"/v1/balances","nonce":"`+strconv.FormatInt(n, 10)+`"}`), nil); r.status != 200 {
		t.Fatalf("balances: %d %s", r.status, r.body)
	}
	if r := c2.postRaw(t, "/v1/balances", []byte(`{"request":"/v1/balances","nonce":"`+strconv.FormatInt(n, 10)+`"}`), nil); r.reason() != ReasonInvalidNonce {
		t.Errorf("the same nonce through server 2: %d %s, want InvalidNonce", r.status, r.body)
	}

	got := sameBook(t, path, s1, s2)
	if len(got.Orders) != 4 || len(got.Trades) != 1 {
		t.Errorf("the book holds %d orders and %d trades, want 4 and 1", len(got.Orders), len(got.Trades))
	}
}

func d0(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// A process that made the last change, or saw it, reads nothing before its
// next request; one that did not reads only the records added since.
func TestSharedStateReadsOnlyChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.json")
	s1, c1 := start(t, Options{StatePath: path})
	s2, c2 := start(t, Options{StatePath: path})
	c2.nonces = c1.nonces
	r1, r2 := s1.store.reloads, s2.store.reloads
	for i := range 5 {
		c1.order(t, map[string]any{"client_order_id": fmt.Sprintf("one-%d", i)})
	}
	if s1.store.reloads != r1 || s1.store.tailReads != 0 {
		t.Errorf("server 1 read its own changes back: %d reloads, %d tail reads", s1.store.reloads-r1, s1.store.tailReads)
	}
	c2.order(t, nil)
	if s2.store.reloads != r2 || s2.store.tailReads != 1 {
		t.Errorf("server 2 after 5 changes by server 1: %d reloads, %d tail reads; want 0 and 1", s2.store.reloads-r2, s2.store.tailReads)
	}
	c2.order(t, nil)
	if s2.store.tailReads != 1 {
		t.Errorf("server 2 read again after its own change: %d tail reads", s2.store.tailReads)
	}
	sameBook(t, path, s1, s2)
}

// When the journal outgrows its bound it is folded into the snapshot; the
// other server notices the new snapshot and reads it, and nothing is lost.
func TestJournalCompaction(t *testing.T) {
	old := journalCompactMin
	journalCompactMin = 4 << 10
	t.Cleanup(func() { journalCompactMin = old })
	path := filepath.Join(t.TempDir(), "local.json")
	s1, c1 := start(t, Options{StatePath: path})
	s2, c2 := start(t, Options{StatePath: path})
	c2.nonces = c1.nonces
	var placed []string
	for i := range 40 {
		c := c1
		if i%3 == 0 {
			c = c2
		}
		o := c.order(t, map[string]any{"client_order_id": fmt.Sprintf("o%d", i)})
		placed = append(placed, o["order_id"].(string))
		if i%7 == 0 {
			if err := s2.Fill(placed[i/2], decimal.Zero); err != nil && !strings.Contains(err.Error(), "not live") {
				t.Fatal(err)
			}
		}
	}
	if s1.store.reloads < 2 && s2.store.reloads < 2 {
		t.Fatalf("no compaction seen (reloads %d, %d)", s1.store.reloads, s2.store.reloads)
	}
	if fi, err := os.Stat(path + ".journal"); err == nil && fi.Size() > 2*journalCompactMin {
		t.Errorf("journal %d bytes after compactions", fi.Size())
	}
	got := sameBook(t, path, s1, s2)
	if !cmp.Equal(orderIDs(got.Orders), placed) {
		t.Errorf("orders %v, want %v", orderIDs(got.Orders), placed)
	}
}

// A record cut short by a crash is dropped; a corrupt record is an error
// that names the journal, and the files are left as they are.
func TestJournalDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.json")
	s1, c1 := start(t, Options{StatePath: path})
	c1.order(t, map[string]any{"client_order_id": "kept"})
	want := bookOf(s1)
	journal := path + ".journal"
	good, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}

	os.WriteFile(journal, append(append([]byte{}, good...), `{"seq":2,"orders":[{"id":"90`...), 0o600)
	s2, err := New(Options{Keys: testKeys, StatePath: path})
	if err != nil {
		t.Fatalf("a torn last record: %v", err)
	}
	if diff := cmp.Diff(want, bookOf(s2)); diff != "" {
		t.Errorf("after a torn last record (-want +got):\n%s", diff)
	}
	if got, _ := os.ReadFile(journal); string(got) != string(good) {
		t.Errorf("the torn record was not dropped:\n%s", got)
	}

	bad := append(append([]byte{}, good...), "{not json}\n"...)
	os.WriteFile(journal, bad, 0o600)
	_, err = New(Options{Keys: testKeys, StatePath: path})
	if err == nil || !strings.Contains(err.Error(), journal) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a corrupt record: %v; want an error naming %s", err, journal)
	}
	// A running server answers 500 rather than act on a book it cannot read.
	if r := c1.post(t, "/v1/orders", nil); r.status != 500 || !strings.Contains(string(r.body), "corrupt") {
		t.Errorf("request on a corrupt journal: %d %s", r.status, r.body)
	}
	if got, _ := os.ReadFile(journal); string(got) != string(bad) {
		t.Error("the corrupt journal was changed")
	}
}

// A version 1 state file (no journal) is read and rewritten as version 2
// at once, so that an older orderform refuses it instead of missing the
// journal.
func TestStateVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.json")
	st := newState()
	st.Version = 1
	st.Balances["USD"].Amount = d0("123")
	if err := saveState(path, st); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Keys: testKeys, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Balances()["USD"].Amount; !got.Equal(d0("123")) {
		t.Errorf("USD %s after reading version 1", got)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"version": 2`) {
		t.Errorf("the file was not rewritten as version 2:\n%.200s", data)
	}
}

// Two servers on one file, many clients placing at once through each:
// every order id is unique and every order is there afterwards.
func TestSharedStateStress(t *testing.T) {
	const perServer, clients, each = 2, 4, 25
	var keys []Key
	for i := range perServer * clients {
		keys = append(keys, Key{Key: fmt.Sprintf("account-stress-%d", i), Secret: fmt.Sprintf("secret-%d", i)})
	}
	path := filepath.Join(t.TempDir(), "local.json")
	var servers []*Server
	var cs []*client
	for range perServer {
		s, c := start(t, Options{Keys: keys, StatePath: path})
		servers = append(servers, s)
		cs = append(cs, c)
	}
	if err := servers[0].Fund("USD", d0("1000000")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]string{} // order id -> client order id
	for i, k := range keys {
		c := cs[i%perServer].as(k)
		c.nonces = &nonceBook{last: map[string]int64{}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				cid := fmt.Sprintf("k%d-%d", i, j)
				r := c.post(t, "/v1/order/new", goodOrder(map[string]any{"client_order_id": cid, "price": "1000.00"}))
				if r.status != 200 {
					t.Errorf("%s: %d %s", cid, r.status, r.body)
					return
				}
				id := r.object()["order_id"].(string)
				mu.Lock()
				if prev, dup := got[id]; dup {
					t.Errorf("order id %s handed out twice: %s and %s", id, prev, cid)
				}
				got[id] = cid
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b := sameBook(t, path, servers...)
	if len(b.Orders) != len(keys)*each {
		t.Errorf("%d orders in the book, want %d", len(b.Orders), len(keys)*each)
	}
	for _, o := range b.Orders {
		if got[o.ID] != o.ClientOrderID {
			t.Errorf("order %s (%s) in the book, answered as %q", o.ID, o.ClientOrderID, got[o.ID])
		}
	}
	held := decimal.Zero
	for _, o := range b.Orders {
		held = held.Add(o.Hold)
	}
	if usd := b.Balances["USD"]; !usd.Amount.Sub(usd.Available).Equal(held) {
		t.Errorf("USD held %s, the orders hold %s", usd.Amount.Sub(usd.Available), held)
	}
}

// The random book of TestBooksBalance on two servers sharing one file:
// requests go through one, market moves, fills and funding through the
// other, the journal is compacted now and then, and after every step the
// books balance; at the end both servers and a fresh load agree.
func TestBooksBalanceSharedFile(t *testing.T) {
	old := journalCompactMin
	journalCompactMin = 16 << 10
	t.Cleanup(func() { journalCompactMin = old })
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "local.json")
			admin, _ := start(t, Options{StatePath: path})
			api, c := start(t, Options{StatePath: path})
			runBooks(t, admin, c, rand.New(rand.NewPCG(seed, 7)), 150)
			sameBook(t, path, admin, api)
			if admin.store.reloads+api.store.reloads < 3 {
				t.Errorf("no compaction seen (reloads %d, %d)", admin.store.reloads, api.store.reloads)
			}
		})
	}
}

// A stop reached by a market move made through one server is seen as
// triggered through the other, though nothing else about the order changed.
func TestSharedStateStopTrigger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.json")
	s1, _ := start(t, Options{StatePath: path})
	s2, c2 := start(t, Options{StatePath: path})
	if err := s1.SetMarket("btcusd", d0("64000.00"), d0("64001.00")); err != nil {
		t.Fatal(err)
	}
	o := c2.order(t, map[string]any{"type": "exchange stop limit", "stop_price": "65000.00", "price": "65100.00"})
	id := o["order_id"].(string)
	if err := s1.SetMarket("btcusd", d0("65150.00"), d0("65200.00")); err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Order(id); err != nil || !got.Triggered || !got.Live {
		t.Errorf("through server 2 after server 1 moved the market past the stop: %+v %v; want live and triggered", got, err)
	}
	sameBook(t, path, s1, s2)
}

// A crash between writing a compacted snapshot and removing the journal
// leaves records the snapshot already holds: they are skipped, not applied
// twice, and the journal goes on from there.
func TestCompactionInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.json")
	s1, c1 := start(t, Options{StatePath: path})
	for i := range 3 {
		c1.order(t, map[string]any{"client_order_id": fmt.Sprintf("before-%d", i)})
	}
	if err := s1.Fill(s1.Orders()[0].ID, d0("0.004")); err != nil {
		t.Fatal(err)
	}
	journal, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	s1.lockState()
	err = s1.compact()
	s1.unlockState()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".journal", journal, 0o600); err != nil { // the crash: the journal is still there
		t.Fatal(err)
	}
	s2, c2 := start(t, Options{StatePath: path})
	c2.nonces = c1.nonces
	c2.order(t, map[string]any{"client_order_id": "after"})
	got := sameBook(t, path, s1, s2)
	if len(got.Orders) != 4 || !got.Orders[0].Executed.Equal(d0("0.004")) || len(got.Trades) != 1 {
		t.Errorf("book after an interrupted compaction: %d orders, first executed %s, %d trades; want 4, 0.004, 1",
			len(got.Orders), got.Orders[0].Executed, len(got.Trades))
	}
}

// Removing .orderform/ while a server runs starts the book afresh, as it
// did when the whole file was rewritten on every change.
func TestStateDirRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".orderform")
	path := filepath.Join(dir, "local.json")
	s, c := start(t, Options{StatePath: path})
	c.order(t, map[string]any{"client_order_id": "old"})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	c.order(t, map[string]any{"client_order_id": "new"})
	got := sameBook(t, path, s)
	if len(got.Orders) != 1 || got.Orders[0].ClientOrderID != "new" {
		t.Errorf("orders after removing %s: %v", dir, got.Orders)
	}
}
