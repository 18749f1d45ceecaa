# The smallest useful configuration: one resting bid 10% under the market,
# on the built-in local exchange (no account, no keys, no risk).

exchange {
  environment = "local"
  namespace   = "quickstart"
}

data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }

order "btc_bid" {
  symbol  = "btcusd"
  side    = "buy"
  amount  = 0.001
  price   = floor_to(data.ticker.btc.bid * 0.9, data.symbol.btc.price_increment)
  options = ["maker-or-cancel"]

  lifecycle {
    reprice_tolerance = 0.01 # keep the order while the market moves less than 1%
  }
}
