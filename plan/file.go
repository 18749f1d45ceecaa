package plan

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"orderform/internal/atomicfile"
)

// DefaultExpiry is how long a saved plan stays valid unless configured.
const DefaultExpiry = 15 * time.Minute

// fileFormat marks a file as an orderform saved plan.
const fileFormat = "orderform-plan"

// FileFormatVersion is the version of the saved plan file. 2.0 added the
// signature, which a 1.x file lacks, so a 1.x file is refused.
const FileFormatVersion = "2.0"

// maxPlanFile bounds what Load reads; a real plan of 10,000 orders is a few MB.
const maxPlanFile = 256 << 20

// Errors returned by Load and Check, for callers that branch on them.
var (
	ErrNotPlanFile = errors.New("not an orderform plan file")
	ErrTruncated   = errors.New("plan file is truncated")
	ErrTampered    = errors.New("plan file was modified or damaged")
	ErrSignature   = errors.New("plan file signature does not match")
	ErrVersion     = errors.New("unsupported plan file version")
	ErrHasErrors   = errors.New("plan has errors")
	ErrExpired     = errors.New("saved plan has expired")
	ErrOtherTarget = errors.New("saved plan is for another target")
	ErrStale       = errors.New("saved plan is stale")
)

// Saved is a plan written with plan -out, to be applied later exactly as it
// was shown. It holds no secrets: no API key or secret, nor the key that
// signs it, only the signature.
type Saved struct {
	FormatVersion   string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	Target          Target
	ConfigDigest    string // digest of the configuration files and variable values
	LiveFingerprint string // Fingerprint of the live orders the plan was computed from
	// ConfigDir is the absolute path of the configuration directory the
	// plan was made from, ConfigDirRelative the same directory as given to
	// plan when that was a relative path (for a pipeline whose jobs check
	// out to different places), and FilesDigest the digest of its files
	// alone (spec.Config.FilesDigest): apply compares them with the
	// directory when it is at hand.
	ConfigDir         string
	ConfigDirRelative string
	FilesDigest       string
	Plan              *Plan
	Checksum          string // "sha256:<hex>" of the saved body; set by Save and Load
	Signature         string // "hmac-sha256:<hex>" of the saved body; set by Save and Load

	body []byte // the body as read, which the signature covers
}

// signingLabel is what the key that signs saved plans is derived with.
const signingLabel = "orderform saved plan v1"

// SigningKey derives the key that signs and verifies saved plans from the
// API secret: HMAC-SHA256(secret, "orderform saved plan v1"). Only a holder
// of the secret can make a plan that apply accepts, and neither the secret
// nor this key is ever written down.
func SigningKey(apiSecret string) []byte {
	m := hmac.New(sha256.New, []byte(apiSecret))
	m.Write([]byte(signingLabel))
	return m.Sum(nil)
}

func sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks the plan's signature with the key derived from the API
// secret apply runs with (SigningKey). A plan edited after it was written
// (even with its checksum recomputed), or made with another secret, is
// refused with an error wrapping ErrSignature.
func (s *Saved) Verify(key []byte) error {
	if len(key) == 0 {
		return fmt.Errorf("%w: no API secret to verify it with", ErrSignature)
	}
	if s.body == nil || s.Signature == "" {
		return fmt.Errorf("%w: the plan is not signed; make the plan again with orderform plan -out", ErrSignature)
	}
	if !hmac.Equal([]byte(sign(key, s.body)), []byte(s.Signature)) {
		return fmt.Errorf("%w: the plan was changed after orderform plan -out wrote it, or it was made with another API secret (GEMINI_API_SECRET) than the one apply runs with; it is not applied. Make the plan again with orderform plan -out", ErrSignature)
	}
	return nil
}

// NewSaved wraps a plan for saving; expiry is DefaultExpiry when zero.
func NewSaved(p *Plan, configDigest, liveFingerprint string, now time.Time, expiry time.Duration) *Saved {
	if expiry <= 0 {
		expiry = DefaultExpiry
	}
	now = now.UTC().Truncate(time.Second)
	return &Saved{FormatVersion: FileFormatVersion, CreatedAt: now, ExpiresAt: now.Add(expiry), Target: p.Target,
		ConfigDigest: configDigest, LiveFingerprint: liveFingerprint, Plan: p}
}

type fileEnvelope struct {
	Format        string          `json:"format"`
	FormatVersion string          `json:"format_version"`
	Checksum      string          `json:"checksum"`
	Signature     string          `json:"signature"`
	Body          json.RawMessage `json:"body"`
}

type fileBody struct {
	CreatedAt       time.Time `json:"created_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	Target          Target    `json:"target"`
	ConfigDigest    string    `json:"config_digest"`
	LiveFingerprint string    `json:"live_fingerprint"`
	ConfigDir       string    `json:"config_dir,omitempty"`
	ConfigDirRel    string    `json:"config_dir_relative,omitempty"`
	FilesDigest     string    `json:"files_digest,omitempty"`
	Plan            *wirePlan `json:"plan"`
}

// Save writes s to path atomically (a temporary file in the same directory,
// then a rename) with mode 0600, signed with key (SigningKey). A plan with
// errors is refused.
func Save(path string, s *Saved, key []byte) error {
	if s.Plan == nil {
		return fmt.Errorf("save plan %s: no plan", path)
	}
	if len(key) == 0 {
		return fmt.Errorf("save plan %s: no key to sign it with", path)
	}
	if s.Plan.Errored {
		return fmt.Errorf("save plan %s: %w", path, ErrHasErrors)
	}
	wp := toWirePlan(s.Plan)
	body, err := json.MarshalIndent(fileBody{s.CreatedAt.UTC(), s.ExpiresAt.UTC(), s.Target, s.ConfigDigest, s.LiveFingerprint, s.ConfigDir, s.ConfigDirRelative, s.FilesDigest, &wp}, "  ", "  ")
	if err != nil {
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	sum, sig := checksum(body), sign(key, body)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"format\": %q,\n  \"format_version\": %q,\n  \"checksum\": %q,\n  \"signature\": %q,\n  \"body\": ", fileFormat, FileFormatVersion, sum, sig)
	buf.Write(body)
	buf.WriteString("\n}\n")
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	s.FormatVersion, s.Checksum, s.Signature, s.body = FileFormatVersion, sum, sig, body
	return nil
}

func checksum(body []byte) string {
	h := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Load reads a saved plan. It refuses, with an error wrapping one of the Err*
// values, a file that is not a plan, is truncated, was changed after it was
// written, or has a format version this orderform does not know.
func Load(path string) (*Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load plan: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPlanFile+1))
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", path, err)
	}
	if len(data) > maxPlanFile {
		return nil, fmt.Errorf("load plan %s: %w: larger than %d bytes", path, ErrNotPlanFile, maxPlanFile)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", path, err)
	}
	return s, nil
}

// Parse decodes the bytes of a saved plan; see Load.
func Parse(data []byte) (*Saved, error) {
	var env fileEnvelope
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&env); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) && bytes.Contains(data, []byte(`"`+fileFormat+`"`)) {
			return nil, fmt.Errorf("%w; make the plan again with orderform plan -out", ErrTruncated)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotPlanFile, err)
	}
	if env.Format != fileFormat {
		return nil, fmt.Errorf("%w: no \"format\": %q field", ErrNotPlanFile, fileFormat)
	}
	if major(env.FormatVersion) != major(FileFormatVersion) {
		return nil, fmt.Errorf("%w %q: this orderform reads version %s; make the plan again with this orderform", ErrVersion, env.FormatVersion, FileFormatVersion)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the plan", ErrTampered)
	}
	if len(env.Body) == 0 || env.Checksum == "" {
		return nil, fmt.Errorf("%w: no body or checksum", ErrTampered)
	}
	if sum := checksum(env.Body); sum != env.Checksum {
		return nil, fmt.Errorf("%w: the checksum does not match its content; make the plan again", ErrTampered)
	}
	var body fileBody
	if err := json.Unmarshal(env.Body, &body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTampered, err)
	}
	if body.Plan == nil {
		return nil, fmt.Errorf("%w: no plan", ErrTampered)
	}
	p, err := fromWirePlan(body.Plan)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTampered, err)
	}
	return &Saved{FormatVersion: env.FormatVersion, CreatedAt: body.CreatedAt, ExpiresAt: body.ExpiresAt, Target: body.Target,
		ConfigDigest: body.ConfigDigest, LiveFingerprint: body.LiveFingerprint, ConfigDir: body.ConfigDir, ConfigDirRelative: body.ConfigDirRel, FilesDigest: body.FilesDigest,
		Plan: p, Checksum: env.Checksum, Signature: env.Signature, body: env.Body}, nil
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// Check refuses a saved plan that has expired, is aimed at another target
// than the one configured now, or was computed from live orders that have
// since changed. Each error says what changed and to plan again.
func (s *Saved) Check(now time.Time, target Target, liveFingerprint string) error {
	if !now.Before(s.ExpiresAt) {
		return fmt.Errorf("%w: it expired at %s, %s ago; run orderform plan -out again",
			ErrExpired, s.ExpiresAt.UTC().Format(time.RFC3339), now.Sub(s.ExpiresAt).Round(time.Second))
	}
	if diffs := targetDiffs(s.Target, target); len(diffs) > 0 {
		return fmt.Errorf("%w: %s; run orderform plan -out against this target", ErrOtherTarget, strings.Join(diffs, ", "))
	}
	if liveFingerprint != s.LiveFingerprint {
		return fmt.Errorf("%w: the live orders of namespace %q changed since it was made (an order was placed, cancelled, filled or changed); run orderform plan -out again",
			ErrStale, s.Target.Namespace)
	}
	return nil
}

func targetDiffs(saved, now Target) []string {
	var d []string
	field := func(name, a, b string) {
		if a != b {
			d = append(d, fmt.Sprintf("the plan's %s is %q, now it is %q", name, a, b))
		}
	}
	field("environment", saved.Environment, now.Environment)
	field("base URL", saved.BaseURL, now.BaseURL)
	field("account", saved.Account, now.Account)
	field("namespace", saved.Namespace, now.Namespace)
	field("API key", saved.KeyID, now.KeyID)
	return d
}

// Fingerprint digests the namespace's managed live orders: their ids, client
// ids, symbols, sides, types, prices, amounts, options and status. Any change
// to one of them, or one vanishing or appearing, changes it; orders of other
// namespaces and unmanaged orders do not.
func Fingerprint(live []LiveOrder, namespace string) string {
	var ms []*LiveOrder
	for i := range live {
		if IsManaged(namespace, live[i].ClientOrderID) {
			ms = append(ms, &live[i])
		}
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].OrderID != ms[j].OrderID {
			return orderIDLess(ms[i].OrderID, ms[j].OrderID)
		}
		return ms[i].ClientOrderID < ms[j].ClientOrderID
	})
	h := sha256.New()
	fmt.Fprintf(h, "orderform live v1\x00%s\n", namespace)
	for _, l := range ms {
		opts := append([]string(nil), l.Options...)
		sort.Strings(opts)
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%t\x00%t\n",
			l.OrderID, l.ClientOrderID, l.Symbol, l.Side, orderType(l.Type), l.Price, l.StopPrice,
			l.OriginalAmount, l.ExecutedAmount, l.RemainingAmount, strings.Join(opts, ","), l.IsLive, l.IsCancelled)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Creates returns, by client order id, the symbols of the orders the plan
// places afresh (creates: no live order stands for them). Their placement
// leaves no trace among the live orders once it has filled or been
// cancelled, so a saved plan also fingerprints their history.
func Creates(p *Plan) map[string]string {
	out := map[string]string{}
	for i := range p.Actions {
		if a := &p.Actions[i]; a.Kind == Create && a.After != nil {
			out[a.After.ClientOrderID] = a.After.Symbol
		}
	}
	return out
}

// HistoryFingerprint digests, for each order the plan creates, the newest
// closed order with its client order id (history, as read for the plan), so
// that a saved plan whose create was placed since (and then filled or was
// cancelled) is stale although the live orders look the same. It is empty
// when the plan creates nothing.
func HistoryFingerprint(p *Plan, history map[string][]LiveOrder) string {
	creates := Creates(p)
	if len(creates) == 0 {
		return ""
	}
	ids := make([]string, 0, len(creates))
	for id := range creates {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	h := sha256.New()
	fmt.Fprintf(h, "orderform history v1\n")
	for _, id := range ids {
		last := "none"
		if o := Newest(history[id]); o != nil {
			last = o.OrderID
		}
		fmt.Fprintf(h, "%s\x00%s\n", id, last)
	}
	return "+history:sha256:" + hex.EncodeToString(h.Sum(nil))
}
