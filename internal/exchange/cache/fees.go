package cache

import (
	"time"

	"github.com/shopspring/decimal"
)

// feesTTL: an account's fee tier follows its 30-day volume; a day is fresh
// enough, and a plan that places no buy never reads them.
const feesTTL = 24 * time.Hour

const feesFile = "fees.json"

type cachedFee struct {
	Fetched time.Time       `json:"fetched"`
	Rate    decimal.Decimal `json:"rate"`
}

// FeeRate returns the account's cached fee rate (a fraction: 0.004 is 40
// bps) when it is fresh.
func (d Store) FeeRate(now time.Time) (decimal.Decimal, bool) {
	var c cachedFee
	if !read(d.file(feesFile), &c) || now.Sub(c.Fetched) >= feesTTL || now.Before(c.Fetched) || c.Rate.IsNegative() {
		return decimal.Decimal{}, false
	}
	return c.Rate, true
}

// SaveFeeRate records the account's fee rate as read at now.
func (d Store) SaveFeeRate(rate decimal.Decimal, now time.Time) {
	d.save("fee rates", d.file(feesFile), cachedFee{Fetched: now, Rate: rate}, false)
}

// DropFeeRate forgets the account's cached fee rate.
func (d Store) DropFeeRate() {
	d.drop("fee rates", d.file(feesFile))
}
