# Stop-losses on a holding: if ETH falls to the stop price, sell a quarter
# of the ETH held at no worse than the limit price (0.5% under the stop).
# A stop-limit order rests untriggered until the market trades at or below
# its stop price, then becomes a limit sell.

exchange {
  environment = "local"
  namespace   = "stop-loss"
}

variable "stop_price" {
  type        = number
  description = "ETH/USD price at which the stop triggers."
  default     = 2900
}

variable "fraction" {
  type        = number
  description = "Share of the ETH held to protect."
  default     = 0.25

  validation {
    condition     = var.fraction > 0 && var.fraction <= 1
    error_message = "fraction must be more than 0 and at most 1."
  }
}

data "symbol" "eth" { symbol = "ethusd" }

# The total held, not what is available: a resting sell holds its amount, so
# sizing from "available" would change the order on every run.
data "balance" "eth" { currency = "ETH" }

order "eth_stop" {
  symbol     = "ethusd"
  side       = "sell"
  type       = "stop-limit"
  amount     = floor_to(data.balance.eth.amount * var.fraction, data.symbol.eth.amount_increment)
  stop_price = var.stop_price
  price      = floor_to(var.stop_price * 0.995, data.symbol.eth.price_increment)
}
