# The sandbox (https://exchange.sandbox.gemini.com): test money, a key made
# in the sandbox's own web site. Wide quotes, small size.
environment        = "sandbox"
size               = 0.001
spread             = 0.02
max_order_notional = 500
