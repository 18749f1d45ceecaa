package apply

import (
	"sync"
	"time"
)

// op is one step under way: it sends Start at once, Progress while it waits,
// and Complete or Errored at the end.
type op struct {
	r     *runner
	ev    Event
	start time.Time

	mu  sync.Mutex
	msg string // what it is waiting for, for Progress

	stop chan struct{}
	done chan struct{}
}

func (r *runner) begin(ev Event) *op {
	o := &op{r: r, ev: ev, start: r.opts.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	r.hooks.start(ev)
	go o.tick()
	return o
}

func (o *op) tick() {
	defer close(o.done)
	t := time.NewTicker(o.r.opts.ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
			ev := o.ev
			ev.Elapsed = o.elapsed()
			o.mu.Lock()
			ev.Message = o.msg
			o.mu.Unlock()
			o.r.hooks.progress(ev)
		}
	}
}

// note sets what the step is waiting for.
func (o *op) note(msg string) {
	o.mu.Lock()
	o.msg = msg
	o.mu.Unlock()
}

func (o *op) elapsed() time.Duration {
	return o.r.opts.Now().Sub(o.start)
}

// end stops Progress and sends Complete, or Errored when outcome is not a
// success, with the result's order id and message.
func (o *op) end(outcome Status, orderID, message string, err error) {
	close(o.stop)
	<-o.done
	ev := o.ev
	ev.Outcome, ev.OrderID, ev.Message, ev.Err, ev.Elapsed = outcome, orderID, message, err, o.elapsed()
	switch outcome {
	case StatusFailed, StatusSkipped, StatusUnknown:
		o.r.hooks.errored(ev)
	default:
		o.r.hooks.complete(ev)
	}
}
