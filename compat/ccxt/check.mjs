// ccxt compatibility check: drives a running `orderform sim` with ccxt's own
// Gemini client (pinned in package.json) and its own parsing. Our client
// agreeing with our server proves little; a third-party client agreeing
// proves the wire format.
//
// Usage: GEMINI_API_URL=http://127.0.0.1:PORT GEMINI_API_KEY=account-... \
//        GEMINI_API_SECRET=... node check.mjs
// Prints one line per check and a closing "N passed, N failed" line; exits 1
// on any failure.
import ccxt from 'ccxt';
import { readFileSync } from 'node:fs';

const url = process.env.GEMINI_API_URL;
const apiKey = process.env.GEMINI_API_KEY;
const secret = process.env.GEMINI_API_SECRET;
if (!url || !apiKey || !secret) {
    console.error('check.mjs: set GEMINI_API_URL, GEMINI_API_KEY and GEMINI_API_SECRET');
    process.exit(2);
}

const ex = new ccxt.gemini({
    apiKey,
    secret,
    enableRateLimit: false,
    timeout: 10000,
    options: {
        fetchMarketsFromAPI: { fetchDetailsForAllSymbols: true },
        // Never reach for gemini.com's web pages: the simulator is the whole world here.
        fetchCurrencies: { webApiEnable: false },
        fetchMarkets: { webApiEnable: false },
    },
});
ex.urls.api = { ...ex.urls.api, public: url, private: url, web: url, webExchange: url };

let passed = 0;
let failed = 0;
async function check(name, fn) {
    try {
        await fn();
        passed++;
        console.log(`ok   ${name}`);
    } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
}
function expect(cond, what, got) {
    if (!cond) {
        throw new Error(`${what}; got ${JSON.stringify(got)}`);
    }
}

const cid = `ccxt-compat-${Date.now()}`;
let placed;

await check('loadMarkets (v1/symbols + v1/symbols/details for every symbol)', async () => {
    const markets = await ex.loadMarkets();
    const m = markets['BTC/USD'];
    expect(m !== undefined, 'BTC/USD market present', Object.keys(markets));
    expect(m.spot === true && m.type === 'spot', 'BTC/USD is spot', { spot: m.spot, type: m.type });
    expect(m.precision.amount === 1e-8, 'amount precision 1e-8 (tick_size)', m.precision);
    expect(m.precision.price === 0.01, 'price precision 0.01 (quote_increment)', m.precision);
    expect(m.limits.amount.min === 0.00001, 'min amount 0.00001 (min_order_size)', m.limits.amount);
    expect(m.active === true, 'market active', m.active);
    for (const s of ['ETH/USD', 'ETH/BTC', 'SOL/USD', 'DOGE/USD', 'XRP/USD', 'LTC/USD', 'LINK/USD']) {
        expect(markets[s] && markets[s].spot, `${s} present and spot`, markets[s] && markets[s].type);
    }
    expect(!Object.values(markets).some((x) => x.swap), 'no market taken for a perpetual', null);
});

await check('fetchTicker BTC/USD (v1/pubticker)', async () => {
    const t = await ex.fetchTicker('BTC/USD');
    expect(t.bid > 0 && t.ask >= t.bid, 'bid and ask', t);
});

let usdFreeBefore;
await check('fetchBalance (v1/balances)', async () => {
    const b = await ex.fetchBalance();
    expect(b.USD && b.USD.total > 0, 'USD total', b.USD);
    expect(b.USD.free <= b.USD.total, 'USD free <= total', b.USD);
    expect(b.BTC && b.BTC.total > 0, 'BTC total', b.BTC);
    usdFreeBefore = b.USD.free;
});

await check('createOrder limit buy with clientOrderId (v1/order/new)', async () => {
    const t = await ex.fetchTicker('BTC/USD');
    const price = Math.floor(t.bid * 0.9);
    placed = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.001, price, { clientOrderId: cid });
    expect(typeof placed.id === 'string' && /^[0-9]+$/.test(placed.id), 'order id is a string of digits', placed.id);
    expect(BigInt(placed.id) > 2n ** 53n, 'order id above 2^53 survives exactly', placed.id);
    expect(placed.clientOrderId === cid, 'clientOrderId echoed', placed.clientOrderId);
    expect(placed.status === 'open', 'status open', placed.status);
    expect(placed.symbol === 'BTC/USD' && placed.side === 'buy' && placed.type === 'limit', 'symbol/side/type', placed);
    expect(placed.amount === 0.001 && placed.filled === 0 && placed.remaining === 0.001, 'amounts', placed);
    expect(placed.price === price, 'price', placed.price);
});

await check('fetchBalance shows the hold', async () => {
    const b = await ex.fetchBalance();
    expect(b.USD.free < usdFreeBefore, 'USD free went down', { before: usdFreeBefore, after: b.USD.free });
});

await check('fetchOpenOrders (v1/orders)', async () => {
    const open = await ex.fetchOpenOrders('BTC/USD');
    const o = open.find((x) => x.id === placed.id);
    expect(o !== undefined, 'placed order listed', open.map((x) => x.id));
    expect(o.clientOrderId === cid && o.status === 'open', 'clientOrderId and status', o);
});

await check('fetchOrder (v1/order/status)', async () => {
    const o = await ex.fetchOrder(placed.id, 'BTC/USD');
    expect(o.id === placed.id && o.clientOrderId === cid, 'id and clientOrderId', o);
    expect(o.status === 'open' && o.timeInForce === 'GTC', 'open GTC', o);
    expect(typeof o.timestamp === 'number' && o.timestamp > 0, 'timestamp from timestampms', o.timestamp);
});

await check('cancelOrder (v1/order/cancel)', async () => {
    const o = await ex.cancelOrder(placed.id, 'BTC/USD');
    expect(o.id === placed.id && o.status === 'canceled', 'canceled', o);
});

await check('cancelOrder again is idempotent', async () => {
    const o = await ex.cancelOrder(placed.id, 'BTC/USD');
    expect(o.status === 'canceled', 'still canceled', o.status);
});

await check('fetchOrder after cancel', async () => {
    const o = await ex.fetchOrder(placed.id, 'BTC/USD');
    expect(o.status === 'canceled' && o.remaining === 0.001, 'canceled with remaining', o);
    const open = await ex.fetchOpenOrders('BTC/USD');
    expect(!open.some((x) => x.id === placed.id), 'no longer open', open.map((x) => x.id));
});

await check('postOnly order that would take comes back canceled', async () => {
    const t = await ex.fetchTicker('BTC/USD');
    const o = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.001, Math.ceil(t.ask), { postOnly: true });
    expect(o.status === 'canceled' && o.postOnly === true, 'canceled post-only', o);
});

await check('crossing order fills and shows in fetchMyTrades (v1/mytrades)', async () => {
    const t = await ex.fetchTicker('BTC/USD');
    const o = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.0001, Math.ceil(t.ask));
    expect(o.status === 'closed' && o.filled === 0.0001, 'filled at once', o);
    const trades = await ex.fetchMyTrades('BTC/USD');
    const tr = trades.find((x) => x.order === o.id);
    expect(tr !== undefined, 'trade listed', trades);
    expect(tr.info.aggressor === true && tr.fee && tr.fee.currency === 'USD' && tr.fee.cost > 0, 'taker fee in USD', tr);
});

await check('errors map to ccxt exceptions', async () => {
    let err;
    try {
        await ex.createOrder('BTC/USD', 'limit', 'buy', 1000, 60000);
    } catch (e) {
        err = e;
    }
    expect(err instanceof ccxt.InsufficientFunds, 'InsufficientFunds for a huge buy', String(err));
    err = undefined;
    try {
        await ex.fetchOrder('9007199254740991', 'BTC/USD');
    } catch (e) {
        err = e;
    }
    expect(err instanceof ccxt.OrderNotFound, 'OrderNotFound for an unknown id', String(err));
});

const pkg = JSON.parse(readFileSync(new URL('./node_modules/ccxt/package.json', import.meta.url)));
console.log(`ccxt compatibility check with ccxt ${pkg.version}`);
console.log(`ccxt: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
