package exchange

import (
	"context"
	"time"
)

// historyMargin is how far before the last read the next history walk
// starts (cache.History), unless the context says otherwise
// (WithHistoryMargin).
const historyMargin = 10 * time.Minute

type historyMarginKey struct{}

// WithHistoryMargin returns ctx under which history walks start margin
// before the last read instead of 10 minutes. Only tests that place nothing
// beside the run under test use it (0), to exercise the cursor rules alone.
func WithHistoryMargin(ctx context.Context, margin time.Duration) context.Context {
	return context.WithValue(ctx, historyMarginKey{}, margin)
}

func marginOf(ctx context.Context) time.Duration {
	if m, ok := ctx.Value(historyMarginKey{}).(time.Duration); ok {
		return m
	}
	return historyMargin
}
