package plan

import (
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// bigInput is 10,000 desired orders against 10,000 managed live orders, with
// every action: no-ops (some partly filled), replaces, creates, fills,
// duplicates and cancels of orders no longer configured, plus guards.
func bigInput() Input {
	const n = 10000
	var desired []Order
	var liveOrders []LiveOrder
	history := map[string]LiveOrder{}
	for i := 0; i < n; i++ {
		price := decimal.NewFromInt(int64(50000 + i))
		o := buy(fmt.Sprintf("order.grid[%d]", i), "0.001", price.String(), withTol("0.001"))
		if i%2 == 1 {
			o.Side = "sell"
		}
		desired = append(desired, o)
		id := fmt.Sprint(1000000 + i)
		switch i % 10 {
		case 0, 1, 2, 3: // no-op
			liveOrders = append(liveOrders, live(o, id, "0"))
		case 4: // no-op, partly filled
			liveOrders = append(liveOrders, live(o, id, "0.0004"))
		case 5, 6: // replace
			liveOrders = append(liveOrders, with(live(o, id, "0"), func(l *LiveOrder) { l.Price = l.Price.Add(decimal.NewFromInt(500)) }))
		case 7: // create
		case 8: // filled
			history[o.ClientOrderID] = with(live(o, id, "0.001"), func(l *LiveOrder) { l.IsLive = false })
		case 9: // duplicates
			liveOrders = append(liveOrders, live(o, id, "0"), live(o, id+"1", "0"))
		}
	}
	for i := len(liveOrders); i < n; i++ { // no longer configured
		liveOrders = append(liveOrders, live(buy(fmt.Sprintf("order.old[%d]", i), "0.001", "40000"), fmt.Sprint(5000000+i), "0"))
	}
	in := input(desired, liveOrders...)
	in.History = byID(history)
	in.Tickers = map[string]Ticker{"btcusd": {Bid: dec("54999"), Ask: dec("55001")}}
	in.Guard = &Guard{AllowCrossing: true, MaxOrderNotional: decimal.NewNullDecimal(dec("100")),
		MaxOpenNotional: map[string]decimal.Decimal{"USD": dec("1000000")}, MaxPriceDeviation: decimal.NewNullDecimal(dec("0.5"))}
	return in
}

func BenchmarkCompute(b *testing.B) {
	in := bigInput()
	p, diags := Compute(in)
	if diags.HasErrors() {
		b.Fatal(diagText(diags))
	}
	c, r, x := p.Counts()
	b.Logf("%d desired, %d live: %d to place, %d to replace, %d to cancel", len(in.Desired), len(in.Live), c, r, x)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		Compute(in)
	}
	reportCPU(b, cpu)
}

// cpuTime is the process's user and system time; on a shared machine it is
// a fairer measure than the wall clock that ns/op reports.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkRenderHuman(b *testing.B) {
	p, _ := Compute(bigInput())
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		RenderHuman(io.Discard, p, RenderOptions{Color: true, Sensitive: []string{"secret"}})
	}
	reportCPU(b, cpu)
}

func BenchmarkRenderJSON(b *testing.B) {
	p, diags := Compute(bigInput())
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if err := RenderJSON(io.Discard, p, diags); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
