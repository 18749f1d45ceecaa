# One configuration, three exchanges. Everything that differs between the
# sandbox and production is a variable; the values live in one file per
# environment, chosen on the command line:
#
#   orderform plan  -var-file sandbox.vars.hcl     # in this directory
#   orderform apply -var-file production.vars.hcl
#
# Without a -var-file the defaults below run it on the built-in local
# exchange, with no keys and no risk.

variable "environment" {
  type        = string
  description = "Which exchange: local, sandbox or production."
  default     = "local"

  validation {
    condition     = contains(["local", "sandbox", "production"], var.environment)
    error_message = "environment must be \"local\", \"sandbox\" or \"production\"."
  }
}

variable "nonce" {
  type        = string
  description = "The API key's nonce mode: \"increasing\", or \"time\" for a key created with a time-based nonce."
  default     = "increasing"
}

variable "size" {
  type        = number
  description = "BTC quoted on each side."
  default     = 0.001
}

variable "spread" {
  type        = number
  description = "Distance of each quote from the mid price, as a fraction."
  default     = 0.02
}

variable "max_order_notional" {
  type        = number
  description = "Largest USD value of a single order."
  default     = 1000
}

exchange {
  environment = var.environment
  namespace   = "quotes"
  nonce       = var.nonce
}

data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }

locals {
  step = data.symbol.btc.price_increment
  mid  = data.ticker.btc.mid
}

order "btc_bid" {
  symbol  = "btcusd"
  side    = "buy"
  amount  = var.size
  price   = floor_to(local.mid * (1 - var.spread), local.step)
  options = ["maker-or-cancel"]

  lifecycle {
    reprice_tolerance = var.spread / 4
  }
}

order "btc_ask" {
  symbol  = "btcusd"
  side    = "sell"
  amount  = var.size
  price   = ceil_to(local.mid * (1 + var.spread), local.step)
  options = ["maker-or-cancel"]

  lifecycle {
    reprice_tolerance = var.spread / 4
  }
}

guard {
  max_order_notional  = var.max_order_notional
  max_price_deviation = var.spread * 2
}
