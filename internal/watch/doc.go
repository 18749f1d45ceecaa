// Package watch is the reconcile loop of `orderform watch`: it runs a
// plan-and-apply cycle over one configuration on an interval, and sooner
// when a cheap probe sees the market move past a reprice_tolerance or an
// order of the namespace fill, and it makes sure such a loop can never run
// away.
//
// The package knows nothing of HCL files or the exchange: the command layer
// supplies the cycle (one real plan and apply, with the namespace lock,
// send-time checks, exactly-once placement and verification), the probe and
// the cancel-all of cancel_on_exit. What the package owns is the policy:
//
//   - Churn limits. Before acting, a cycle asks Request.Grant for an
//     Allowance under the watch block it loaded, and sends only the changes
//     Allowance.Take admits, so each limit (placements and cancels per
//     minute and per day, notional per day per quote currency) stops action
//     at exactly its number. The Limiter counts what the cycle reports it
//     sent. When a limit holds changes back, watch stops acting on them,
//     says which limit and until when, and keeps planning and reporting.
//   - Failures. A transient failure backs off exponentially from the
//     interval (at most MaxBackoff) and max_consecutive_failures of them in
//     a row stop watch. A configuration that no longer validates or a
//     refusal by a guard or check stops action (nothing is sent) without
//     guessing, and is reported each cycle until an edit or the market
//     lets the plan pass; a rejected key stops watch at once.
//   - Shutdown. Cancelling Run's context finishes the cycle in flight (it
//     runs under a context shutdown does not cancel), then Run returns
//     nil; with cancel_on_exit the namespace's orders are cancelled first.
//   - Observability. One JSON event per line per cycle and per action
//     (events.go, format_version 1.0), a human line per cycle, and an
//     http.Handler with /healthz and Prometheus /metrics.
//
// # Call budget
//
// Gemini allows 600 private and 120 public requests a minute. A cycle
// costs what a plan and an apply cost: 2 private reads (/v1/orders,
// /v1/balances) and 1 public (/v1/pricefeed) plus a pubticker per symbol
// with ticker data or a crossing guard, history only for orders that are
// not live (cached), and one private request per cancel or placement plus
// apply's verification read. A probe costs 1 private (/v1/orders) and 1
// public (/v1/pricefeed) request. At the defaults (a cycle every 30 s, a
// probe every 5 s) an idle watch makes about 16 private and 16 public
// requests a minute. Whatever the settings, a Watcher keeps cycles and
// probes inside CallBudget (default 120 private and 60 public a minute): a
// cycle waits for room, a probe is skipped.
package watch
