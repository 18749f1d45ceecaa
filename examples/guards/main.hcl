# Guards: limits that hold even under -auto-approve. A plan that breaks one
# fails with an error pointing at the order, and nothing is placed.
#
# The bid's size and price can be typed in on the command line, which is
# where fat fingers happen:
#
#   orderform plan -var size=0.5    examples/guards   # refused: notional over max_order_notional
#   orderform plan -var price=6400  examples/guards   # refused: 90% under the market
#   orderform plan -var price=64500 examples/guards   # refused: would trade at once (crossing)

exchange {
  environment = "local"
  namespace   = "guards"
}

variable "size" {
  type        = number
  description = "BTC to bid for."
  default     = 0.01
}

variable "price" {
  type        = number
  description = "Limit price of the bid; by default 2% under the best bid."
  default     = null
}

data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }
data "ticker" "eth" { symbol = "ethusd" }
data "symbol" "eth" { symbol = "ethusd" }

order "btc_bid" {
  symbol  = "btcusd"
  side    = "buy"
  amount  = var.size
  price   = var.price != null ? var.price : floor_to(data.ticker.btc.bid * 0.98, data.symbol.btc.price_increment)
  options = ["maker-or-cancel"]
}

order "eth_ask" {
  symbol  = "ethusd"
  side    = "sell"
  amount  = 0.25
  price   = ceil_to(data.ticker.eth.ask * 1.05, data.symbol.eth.price_increment)
  options = ["maker-or-cancel"]
}

guard {
  max_order_notional  = 2000           # no single order worth more than 2,000 of its quote currency
  max_open_notional   = { USD = 5000 } # all of this namespace's USD orders together
  max_price_deviation = 0.10           # no price more than 10% from the market's mid
  allow_crossing      = false          # no limit order that would trade at once
}
