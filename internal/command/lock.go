package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"orderform/gemini"
	"orderform/plan"
)

// One apply at a time per exchange, account and namespace (docs/safety.md, "What
// is checked when"), as Terraform holds its state lock: apply and destroy take
// an advisory file lock (gofrs/flock: flock(2), LockFileEx on Windows) before
// they read the book and hold it until the report, the prompt included. The
// kernel lets go of it when the process ends, however it ends, so a lock is
// never stale; the file itself stays and must not be deleted while in use (a new
// file would be a second lock). It names its holder (pid, host, since), so that
// a run refused the lock can say who has it.
//
// The lock serialises runs on one machine only. Runs on two machines (two
// CI runners) must be serialised by the pipeline (GitHub Actions
// concurrency, GitLab resource_group); whatever slips through is caught
// by apply's verification, which reports a concurrent placement.

// lockFlags are -lock and -lock-timeout, as Terraform names them.
type lockFlags struct {
	enabled bool
	timeout time.Duration
}

func (l *lockFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&l.enabled, "lock", true, "hold the lock of the exchange, account and namespace while running, so that no other apply or destroy on this machine runs at the same time")
	fs.DurationVar(&l.timeout, "lock-timeout", 0, "wait up to `DURATION` (e.g. 30s, 5m) for a lock another run holds; 0s fails at once")
}

// lockHolder is what the lock file records about the run that holds it.
type lockHolder struct {
	Operation string    `json:"operation"` // "apply" or "destroy"
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Since     time.Time `json:"since"`
	Dir       string    `json:"dir,omitempty"` // the configuration (or saved plan) being applied
}

func (h lockHolder) String() string {
	s := fmt.Sprintf("orderform %s, pid %d on host %s, since %s", h.Operation, h.PID, h.Host, h.Since.UTC().Format(time.RFC3339))
	if h.Dir != "" {
		s += ", for " + h.Dir
	}
	return s
}

// runLock is a lock this process holds.
type runLock struct {
	fl *flock.Flock
}

// release lets go of the lock; the file stays (see above), emptied.
func (l *runLock) release() {
	if l == nil {
		return
	}
	_ = os.Truncate(l.fl.Path(), 0)
	_ = l.fl.Unlock()
}

var lockNameRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// lockPath is the lock file of a target: for the built-in local exchange
// beside its book (the configuration's .orderform/), otherwise in the cache
// directory's locks/, named by the environment and a hash of base URL,
// account and namespace. The API key is not part of it: two keys of one
// account share the book, so they share the lock.
func lockPath(e *cliEnv, t plan.Target) (string, error) {
	if state, ok := strings.CutPrefix(t.BaseURL, "local:"); ok {
		name := t.Namespace
		if !lockNameRE.MatchString(name) {
			h := sha256.Sum256([]byte(name))
			name = hex.EncodeToString(h[:6])
		}
		return filepath.Join(filepath.Dir(state), "apply-"+name+".lock"), nil
	}
	root := e.getenv("ORDERFORM_CACHE_DIR")
	if root == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no directory for the lock: %w; set ORDERFORM_CACHE_DIR", err)
		}
		root = filepath.Join(d, "orderform")
	}
	account := t.Account
	if account == "" {
		account = "primary" // Gemini's default account; an account key's own is at worst locked with it
	}
	h := sha256.Sum256([]byte(t.Environment + "\x00" + lockExchange(t.BaseURL) + "\x00" + account + "\x00" + t.Namespace))
	env := t.Environment
	if !lockNameRE.MatchString(env) {
		env = "exchange"
	}
	return filepath.Join(root, "locks", env+"-"+hex.EncodeToString(h[:8])+".lock"), nil
}

// lockExchange is the exchange a base URL reaches, however it is spelled:
// the scheme and host in lower case, without a trailing dot, loopback names
// (localhost, 127.0.0.1, ::1) as one, the port made explicit, the path
// without a trailing slash. Two spellings of one exchange must share a lock;
// two exchanges taken for one only wait for each other.
func lockExchange(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.TrimRight(raw, "/")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if gemini.IsLoopbackHost(host) {
		host = "loopback"
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + host + ":" + port + strings.TrimRight(u.EscapedPath(), "/")
}

// errLockHeld is a lock another run holds.
type errLockHeld struct {
	path    string
	holder  *lockHolder // nil when the file does not say (yet)
	waited  time.Duration
	subject string
}

func (e *errLockHeld) Error() string {
	who := "another run (it has not written its name yet)"
	if e.holder != nil {
		who = e.holder.String()
	}
	waited := ""
	if e.waited > 0 {
		waited = fmt.Sprintf(" after waiting %s", e.waited)
	}
	return fmt.Sprintf("the lock of %s is held by %s%s.\n"+
		"Two applies at once would place orders twice. Wait for that run to finish, or let this one wait for it with -lock-timeout=DURATION (e.g. -lock-timeout=5m).\n"+
		"-lock=false skips the lock: only when no other run can be working on this namespace. Lock file: %s",
		e.subject, who, waited, e.path)
}

// acquireLock takes the lock of target for operation ("apply",
// "destroy") on dir, waiting up to timeout for another holder to let go,
// or until ctx is done.
func acquireLock(ctx context.Context, e *cliEnv, target plan.Target, operation, dir string, timeout time.Duration) (*runLock, error) {
	path, err := lockPath(e, target)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("could not take the lock of %s: %w (set ORDERFORM_CACHE_DIR to a writable directory, or pass -lock=false if no other run can be working on this namespace)", describeLockSubject(target), err)
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	var ok bool
	if timeout <= 0 {
		ok, err = fl.TryLock()
	} else {
		wctx, cancel := context.WithTimeout(ctx, timeout)
		ok, err = fl.TryLockContext(wctx, 100*time.Millisecond)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = nil
		}
	}
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted while waiting for the lock of %s; nothing was changed", describeLockSubject(target))
	}
	if err != nil {
		return nil, fmt.Errorf("could not take the lock %s: %w (pass -lock=false if no other run can be working on this namespace)", path, err)
	}
	if !ok {
		held := &errLockHeld{path: path, waited: timeout, subject: describeLockSubject(target)}
		if b, rerr := os.ReadFile(path); rerr == nil && len(b) > 0 {
			var h lockHolder
			if json.Unmarshal(b, &h) == nil && h.PID != 0 {
				held.holder = &h
			}
		}
		return nil, held
	}
	host, _ := os.Hostname()
	if abs, aerr := filepath.Abs(dir); aerr == nil {
		dir = abs
	}
	b, _ := json.Marshal(lockHolder{Operation: operation, PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second), Dir: dir})
	// Written through a second descriptor: the lock belongs to the first,
	// and truncating the file does not touch it.
	if werr := os.WriteFile(path, append(b, '\n'), 0o600); werr != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", path, werr)
	}
	return &runLock{fl: fl}, nil
}

// describeLockSubject names what a lock protects, for its messages.
func describeLockSubject(t plan.Target) string {
	s := t.Environment
	if !strings.HasPrefix(t.BaseURL, "local:") && t.BaseURL != "" {
		s += " (" + t.BaseURL + ")"
	}
	if t.Account != "" {
		s += ", account " + t.Account
	}
	return s + ", namespace " + t.Namespace
}
