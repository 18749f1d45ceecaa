// Package sim is a Gemini-compatible exchange simulator: the built-in
// `local` environment, `orderform sim`, and the exchange every test talks to.
//
// A Server is an http.Handler that speaks Gemini's REST wire format
// (shared/reference/gemini-api.md) faithfully enough that third-party
// clients (ccxt; see compat/ccxt) cannot tell it from the sandbox for the
// endpoints orderform uses: the same paths, JSON shapes and field types
// (decimal strings, string order ids above 2^53), the error envelope
// {"result":"error","reason":...,"message":...} with Gemini's reasons and
// statuses, HMAC-SHA384 signatures over the base64 payload, per-key nonce
// regimes, roles, symbol increments and minimums, balance holds, fees,
// maker-or-cancel/IOC/FOK, stop-limit orders, idempotent cancels and rate
// limits.
//
// # Gemini paths
//
// Public (GET): /v1/symbols, /v1/symbols/details/:symbol, /v1/pubticker/:symbol,
// /v2/ticker/:symbol, /v1/pricefeed.
//
// Private (POST, signed): /v1/balances, /v1/roles, /v1/orders, /v1/order/new,
// /v1/order/cancel, /v1/order/cancel/session, /v1/order/cancel/all,
// /v1/order/status, /v1/orders/history, /v1/mytrades, /v1/heartbeat,
// /v1/notionalvolume.
//
// Choices where Gemini's documentation is silent (reference §13):
//   - /v1/order/status by client_order_id answers an array of every order
//     with that id, newest first; by order_id, one object.
//   - Cancelling an order that is no longer live (cancelled or filled)
//     changes nothing and answers its status with HTTP 200.
//   - An amount below the minimum is InvalidQuantity; a client_order_id
//     outside [A-Za-z0-9:_.#-]{1,36} is InvalidClientOrderId (the
//     simulator's own reason; longer than 36 is ClientOrderIdTooLong).
//   - amount, price and stop_price must be JSON strings: a bare number is
//     refused with the field's reason, because that is how floats leak in.
//   - /v1/orders/history without "timestamp" gives the newest limit_orders
//     closed orders; with it, the oldest limit_orders placed at or after it;
//     both newest first.
//
// # Market model
//
// Each symbol has a bid and an ask of unlimited depth. An order that crosses
// trades at once, in full, at the market price and pays the taker fee; one
// that does not cross rests until SetMarket moves the market through its
// price (it then fills in full at its own price, as a maker) or Fill fills it
// (in part or in full). Stop-limit orders trigger when the ask reaches a buy
// stop or the bid a sell stop. A buy holds price × amount × (1 + the larger
// fee) of the quote currency, a sell the amount of the base currency; fees
// are charged in the quote currency. The ticker shows the simulated market
// only, not the account's own resting orders; an order that would trade
// against the account's own resting order is cancelled with
// SelfCrossPrevented.
//
// # Admin API
//
// Outside /v1, unauthenticated (the simulator listens on loopback), JSON in
// and out, decimals as strings, errors in Gemini's envelope. The same
// operations are Go methods on Server and subcommands of `orderform sim`.
//
//	GET  /admin/orders            every order (OrderView), oldest first
//	GET  /admin/balances          every balance (BalanceView), by currency
//	GET  /admin/markets           every market (MarketView)
//	GET  /admin/trades            every fill (TradeView)
//	GET  /admin/requests          requests received per Gemini path
//	GET  /admin/faults            the faults in force
//	POST /admin/price             {"symbol":"btcusd","bid":"64000","ask":"64001"}
//	POST /admin/fund              {"currency":"USD","amount":"-500"}
//	POST /admin/fill              {"order_id":"9007199254740993","amount":"0.001"} (amount optional: all)
//	POST /admin/fault             {"path":"/v1/order/new","kind":"lose-response","count":1}
//	                              kind: status (with "status", "retry_after"), latency ("latency_ms"),
//	                              drop, lose-response, slow-commit ("latency_ms"; 0 = until released);
//	                              "latency_ms" adds latency to any kind
//	POST /admin/faults/clear      (or DELETE /admin/faults)
//	GET  /admin/held              {"held":N}: requests a slow-commit fault has taken, not yet processed
//	POST /admin/release           process every held request now; answers {"released":N} once done
//	GET  /admin/clock             {"offset_ms":N,"nonce_window_ms":N,"now":"..."}: the exchange's clock
//	POST /admin/clock             {"offset_ms":-900000} moves the exchange's clock (either sign);
//	                              {"nonce_window_ms":2000} sets the time-based nonce window (0: 30 s)
//	POST /admin/requests/reset
//	GET  /admin/walk              the random walk's settings and steps (WalkStatus)
//	POST /admin/walk              {"seed":1,"interval_ms":1000,"max_step_bps":10,"symbols":["btcusd"]}
//	                              starts a random walk of the market (interval_ms 0: steps only on request)
//	POST /admin/walk/step         {"steps":5} takes steps now
//	POST /admin/walk/stop         stops the walk's own stepping
//
// AdminClient calls these from Go.
//
// # Random walk
//
// With Options.Walk, StartWalk or POST /admin/walk the market moves on its
// own: a seeded random walk in whole price increments (see Walk), so that
// `orderform watch` can be tried, and soaked, with no one moving prices.
//

// # State file
//
// With Options.StatePath the exchange lives in files shared by every
// process that uses them, and behaves as one exchange to all of them: each
// request is a load-modify-save under an exclusive lock on PATH.lock, reads
// only what other processes changed, and appends what it changed to
// PATH.journal, which is folded into the snapshot PATH now and then (see
// filestore.go). Several Servers on one path, in one process or many, see
// one book, one id sequence and one nonce per key.
//
// # Clock and slow commits
//
// The exchange's clock is Options.Now (default the machine's) moved by a
// clock offset (Options.ClockOffset, SetClockOffset, POST /admin/clock):
// order and trade timestamps, the Date header, history filters and the
// time-based nonce window all use it. A slow-commit fault (FaultSlowCommit)
// holds a request the exchange has taken and processes it — authentication,
// nonce, change — only at the end of its delay, even if the client has given
// up: a later signed request processed first makes a held increasing-nonce
// request fail with InvalidNonce, as on Gemini.
package sim
