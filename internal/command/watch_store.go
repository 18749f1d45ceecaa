package command

import (
	"errors"
	"fmt"
	"os"

	"orderform/internal/atomicfile"
	"orderform/internal/watch"
)

// limitStore keeps the churn limits' counts in a file beside the
// namespace's lock (the cache directory, or beside the local exchange's
// book), so that a restarted watch, or a second one on the namespace,
// counts what the day's window holds. Each cycle names the file once it
// knows its exchange, account and namespace.
type limitStore struct{ path string }

func (s *limitStore) Load() (*watch.Limiter, error) {
	if s.path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var l watch.Limiter
	if err := l.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return &l, nil
}

func (s *limitStore) Save(l *watch.Limiter) error {
	if s.path == "" {
		return nil
	}
	b, err := l.MarshalJSON()
	if err != nil {
		return err
	}
	return atomicfile.Write(s.path, b)
}
