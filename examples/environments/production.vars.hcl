# Production: real money. Set GEMINI_API_KEY and GEMINI_API_SECRET to a
# Trader-only production key before planning with this file.
environment        = "production"
nonce              = "increasing"
size               = 0.002
spread             = 0.01
max_order_notional = 250
