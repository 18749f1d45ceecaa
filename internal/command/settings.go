package command

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"orderform/internal/exchange"
	"orderform/internal/exchange/cache"
)

// settings reads what a connection takes from the environment: the
// endpoint override, the credentials, the history start, the cache root,
// the request pace and the debug log.
func (e *cliEnv) settings() exchange.Settings {
	st := exchange.Settings{
		URL:          e.getenv("GEMINI_API_URL"),
		Key:          e.getenv("GEMINI_API_KEY"),
		Secret:       e.getenv("GEMINI_API_SECRET"),
		HistorySince: e.getenv("ORDERFORM_HISTORY_SINCE"),
		CacheRoot:    cache.Root(e.getenv("ORDERFORM_CACHE_DIR")),
		Debug:        debugWriter(e),
	}
	for name, alts := range exchange.KeyLookalikes {
		for _, alt := range alts {
			if e.getenv(alt) != "" && e.getenv(name) == "" {
				if st.Misnamed == nil {
					st.Misnamed = map[string]string{}
				}
				st.Misnamed[alt] = name
			}
		}
	}
	if r, ok := rateFromEnv(e, "ORDERFORM_RATE_PRIVATE"); ok {
		st.PrivateRate = r
	}
	if r, ok := rateFromEnv(e, "ORDERFORM_RATE_PUBLIC"); ok {
		st.PublicRate = r
	}
	return st
}

func rateFromEnv(e *cliEnv, name string) (float64, bool) {
	v := e.getenv(name)
	if v == "" {
		return 0, false
	}
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r <= 0 {
		fmt.Fprintf(e.stderr, "Warning: ignoring %s=%q: want a positive number of requests per second\n", name, v)
		return 0, false
	}
	return r, true
}

// debugWriter returns stderr when ORDERFORM_LOG=debug.
func debugWriter(e *cliEnv) io.Writer {
	if strings.EqualFold(e.getenv("ORDERFORM_LOG"), "debug") {
		return e.stderr
	}
	return nil
}
