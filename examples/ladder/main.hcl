# A ladder of bids under the market: five levels, each a fixed fraction of
# the best bid, rounded down to the symbol's price step. A live order is
# kept while the market moves less than 0.5%, so a ladder that follows the
# market is not cancelled and placed again on every small tick.

exchange {
  environment = "local"
  namespace   = "ladder"
}

variable "size" {
  type        = number
  description = "ETH bought at each level."
  default     = 0.05

  validation {
    condition     = var.size >= 0.001
    error_message = "size must be at least 0.001 ETH, the exchange's minimum order."
  }
}

locals {
  # level name => fraction of the best bid
  levels = {
    l1 = 0.99
    l2 = 0.98
    l3 = 0.97
    l4 = 0.96
    l5 = 0.95
  }
}

data "ticker" "eth" { symbol = "ethusd" }
data "symbol" "eth" { symbol = "ethusd" }

order "eth_bid" {
  for_each = local.levels

  symbol  = "ethusd"
  side    = "buy"
  amount  = var.size
  price   = floor_to(data.ticker.eth.bid * each.value, data.symbol.eth.price_increment)
  options = ["maker-or-cancel"]

  lifecycle {
    reprice_tolerance = 0.005 # keep a level while it is within 0.5% of its target
  }
}
