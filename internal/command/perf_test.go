package command

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"orderform/gemini/sim"
	"orderform/plan"
)

// End-to-end benchmarks against the simulator over loopback. The
// package-level benchmarks cover the pure parts: spec/bench_test.go
// (load and evaluate 10,000 orders) and plan/bench_test.go (Compute and
// render). docs/performance.md records the results.

// reportCalls adds the simulator's requests since the last reset, per
// operation, to the benchmark's metrics.
func reportCalls(b *testing.B, c calls, ops int) {
	b.ReportMetric(float64(sum(c.private))/float64(ops), "private/op")
	b.ReportMetric(float64(sum(c.public))/float64(ops), "public/op")
}

// addCalls adds c into total.
func addCalls(total *calls, c calls) {
	for k, v := range c.private {
		total.private[k] += v
	}
	for k, v := range c.public {
		total.public[k] += v
	}
}

// benchPlan runs plan b.N times, with the rules and roles cache removed
// before each run when cold, and reports time and calls per plan.
func benchPlan(b *testing.B, sb *simBench, cold bool, env ...string) {
	total := calls{private: map[string]int{}, public: map[string]int{}}
	ops := 0
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if cold {
			os.RemoveAll(sb.cache)
		}
		sb.s.ResetRequests()
		b.StartTimer()
		cpu0 := cpuTime()
		code, out, errOut := sb.run(b, []string{"plan", "-detailed-exitcode", "-no-color", sb.dir}, env...)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		if code == exitError {
			b.Fatalf("plan: exit %d\n%.2000s\n%.2000s", code, out, errOut)
		}
		addCalls(&total, sb.calls())
		ops++
		b.StartTimer()
	}
	reportCalls(b, total, ops)
	b.ReportMetric(float64(cpu)/float64(ops), "cpu-ns/op")
	if sb.arr != nil {
		sb.arr.mu.Lock()
		n429 := sb.arr.n429
		sb.arr.mu.Unlock()
		b.ReportMetric(float64(n429)/float64(ops), "429/op")
		if n429 > 0 {
			b.Errorf("%d answers 429", n429)
		}
	}
}

// newRateLimitedBench is a simulator enforcing Gemini's public limit
// (120/min, per client address) behind a recorder of what it received. Its
// private limit is lifted so that seeding a large book is quick; a plan makes
// two or three private calls.
func newRateLimitedBench(b *testing.B) *simBench {
	s := newSim(b, sim.Options{RateLimit: true, PrivatePerMinute: 1 << 30})
	arr := &arrivals{}
	srv := httptest.NewServer(arr.wrap(s))
	b.Cleanup(srv.Close)
	sb := newBench(b, s, srv.URL)
	sb.arr = arr
	return sb
}

// BenchmarkPlanE2E plans 1,000 live orders on 8 symbols (every symbol the
// simulator lists) with 20 ms added to every request, with a crossing guard
// (which reads tickers only for symbols that get new orders: none here).
// "local" is the local environment's pace
// (200/s) against an unlimited simulator; "gemini" is the default pace of
// the real environments (5/s private, 1/s public) and "gemini2" the public
// limit itself (2/s), both against a simulator enforcing Gemini's public
// limit, where any 429 fails the benchmark. "warm" has the rules and roles
// cached; "cold" is the first plan on a machine.
func BenchmarkPlanE2E(b *testing.B) {
	const n, nsym = 1000, 8
	paces := []struct {
		name    string
		limited bool
		env     []string
	}{
		{"local", false, nil},
		{"gemini", true, []string{"ORDERFORM_RATE_PRIVATE=5", "ORDERFORM_RATE_PUBLIC=1"}},
		{"gemini2", true, []string{"ORDERFORM_RATE_PRIVATE=5", "ORDERFORM_RATE_PUBLIC=2"}},
	}
	for _, p := range paces {
		var sb *simBench
		if p.limited {
			sb = newRateLimitedBench(b)
		} else {
			sb = newSimBench(b, sim.Options{})
		}
		sb.writeGrid(b, n, nsym, true)
		sb.mustRun(b, exitOK, []string{"apply", "-auto-approve", "-no-color", sb.dir}, "ORDERFORM_RATE_PRIVATE=100000", "ORDERFORM_RATE_PUBLIC=2")
		sb.s.SetFault(sim.Fault{Kind: sim.FaultLatency, Latency: 20 * time.Millisecond})
		for _, cold := range []bool{false, true} {
			name := "pace=" + p.name + "/cache=warm"
			if cold {
				name = "pace=" + p.name + "/cache=cold"
			}
			b.Run(name, func(b *testing.B) {
				sb.mustRun(b, exitOK, []string{"plan", sb.dir}, p.env...) // warm
				time.Sleep(time.Second)                                   // let the simulator's buckets fill
				if sb.arr != nil {
					sb.arr.reset()
				}
				benchPlan(b, sb, cold, p.env...)
			})
		}
	}
}

// BenchmarkPlanScaling is the scaling table: a no-change plan of N live
// orders (warm caches, crossing guard on, nothing to place: no ticker) and a first
// plan of N new orders (nothing live: one history page per symbol), at the
// local pace and without added latency.
func BenchmarkPlanScaling(b *testing.B) {
	const nsym = 8
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("noop/n=%d", n), func(b *testing.B) {
			sb := newSimBench(b, sim.Options{})
			sb.writeGrid(b, n, nsym, true)
			sb.seed(b)
			benchPlan(b, sb, false)
		})
		b.Run(fmt.Sprintf("first/n=%d", n), func(b *testing.B) {
			sb := newSimBench(b, sim.Options{})
			sb.writeGrid(b, n, nsym, true)
			sb.mustRun(b, exitChanges, []string{"plan", "-detailed-exitcode", sb.dir}, fast...) // warm
			benchPlan(b, sb, false)
		})
	}
}

// BenchmarkRender10kChanges renders a real plan of 10,000 placements (a
// first plan of a 10,000-order grid against the simulator) for people and
// as JSON. plan/bench_test.go renders a mixed plan of 5,000 changes and
// 5,000 no-ops.
func BenchmarkRender10kChanges(b *testing.B) {
	sb := newSimBench(b, sim.Options{})
	sb.writeGrid(b, 10000, 8, false)
	env := map[string]string{}
	for k, v := range sb.env {
		env[k] = v
	}
	e := &cliEnv{ctx: context.Background(), getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	r, err := makePlan(e, planOptions{dir: sb.dir}, false)
	if err != nil {
		b.Fatal("makePlan failed")
	}
	defer r.close()
	if c, _, _ := r.plan.Counts(); c != 10000 {
		b.Fatalf("%d placements, want 10000", c)
	}
	b.Run("human", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			plan.RenderHuman(io.Discard, r.plan, plan.RenderOptions{Color: true})
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			if err := plan.RenderJSON(io.Discard, r.plan, r.diags); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
}

// cpuTime is the process's user and system time. The machine is shared, so
// it is a fairer measure than the wall clock; for the end-to-end benchmarks
// it includes the in-process simulator's work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// arrivals records when the simulator received each request, and its
// status.
type arrivals struct {
	mu   sync.Mutex
	log  []arrival
	n429 int
}

type arrival struct {
	path string
	at   time.Time
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (a *arrivals) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		a.mu.Lock()
		a.log = append(a.log, arrival{r.URL.Path, at})
		if sw.status == http.StatusTooManyRequests {
			a.n429++
		}
		a.mu.Unlock()
	})
}

func (a *arrivals) reset() {
	a.mu.Lock()
	a.log, a.n429 = nil, 0
	a.mu.Unlock()
}

// rate is the rate at which requests for path arrived, from the first to
// the last, skipping the first skip of them.
func (a *arrivals) rate(path string, skip int) (float64, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var at []time.Time
	for _, r := range a.log {
		if r.path == path {
			at = append(at, r.at)
		}
	}
	if len(at) < skip+2 {
		return 0, len(at)
	}
	at = at[skip:]
	return float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds(), len(at) + skip
}

// BenchmarkApplyPaced applies 200 placements at a configured private pace
// of 50 requests/s against a simulator that enforces Gemini's limits, its
// private limit raised to exactly that pace (3,000/min, one second of burst,
// five queued). It reports the rate at which order/new arrived: overall,
// and sustained once the client's burst was spent, and the 429 answers.
func BenchmarkApplyPaced(b *testing.B) {
	const n, nsym, pace = 200, 8, 50
	s := newSim(b, sim.Options{RateLimit: true, PrivatePerMinute: pace * 60})
	var arr arrivals
	srv := httptest.NewServer(arr.wrap(s))
	b.Cleanup(srv.Close)
	sb := newBench(b, s, srv.URL)
	paced := []string{fmt.Sprintf("ORDERFORM_RATE_PRIVATE=%d", pace), "ORDERFORM_RATE_PUBLIC=1"}
	sb.writeGrid(b, n, nsym, false)
	sb.mustRun(b, exitChanges, []string{"plan", "-detailed-exitcode", sb.dir}, paced...) // warm the caches

	var overall, sustained float64
	var n429, placed int
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// A namespace per run: a fresh set of 200 placements on the same book.
		writeNamespace(b, sb, fmt.Sprintf("perf%d", i))
		time.Sleep(1100 * time.Millisecond) // let the simulator's buckets fill
		arr.reset()
		b.StartTimer()
		sb.mustRun(b, exitOK, []string{"apply", "-auto-approve", "-no-color", sb.dir}, paced...)
		b.StopTimer()
		o, got := arr.rate(pathNew, 0)
		st, _ := arr.rate(pathNew, pace)
		overall += o
		sustained += st
		placed += got
		arr.mu.Lock()
		n429 += arr.n429
		arr.mu.Unlock()
		b.StartTimer()
	}
	b.ReportMetric(overall/float64(b.N), "new/s")
	b.ReportMetric(sustained/float64(b.N), "sustained-new/s")
	b.ReportMetric(float64(n429)/float64(b.N), "429/op")
	b.ReportMetric(float64(placed)/float64(b.N), "placed/op")
	if n429 > 0 {
		b.Errorf("%d answers 429 at a pace of %d/s", n429, pace)
	}
}

// writeNamespace rewrites the configuration's namespace.
func writeNamespace(tb testing.TB, sb *simBench, ns string) {
	tb.Helper()
	path := filepath.Join(sb.dir, "main.hcl")
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "namespace") {
			lines[i] = fmt.Sprintf("  namespace = %q", ns)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		tb.Fatal(err)
	}
}
