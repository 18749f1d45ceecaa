package sim

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// privReq is an authenticated private request.
type privReq struct {
	key  *Key
	path string
	p    map[string]json.RawMessage // the payload's fields, undecoded
}

// sign returns Gemini's signature of a base64 payload: lowercase hex of
// HMAC-SHA384 keyed with the secret, over the base64 text.
func sign(secret, payloadB64 string) string {
	m := hmac.New(sha512.New384, []byte(secret))
	m.Write([]byte(payloadB64))
	return hex.EncodeToString(m.Sum(nil))
}

// authenticate checks a private request's headers, signature, payload,
// endpoint and nonce, in that order, and records the nonce. s.mu must be
// held.
func (s *Server) authenticate(r *http.Request, path string) (rq *privReq, e *Error) {
	apiKey := r.Header.Get("X-GEMINI-APIKEY")
	payload := r.Header.Get("X-GEMINI-PAYLOAD")
	sig := r.Header.Get("X-GEMINI-SIGNATURE")
	switch {
	case apiKey == "":
		return nil, errorf(400, ReasonMissingAPIKeyHeader, "Must provide 'X-GEMINI-APIKEY' header")
	case payload == "":
		return nil, errorf(400, ReasonMissingPayloadHeader, "Must provide 'X-GEMINI-PAYLOAD' header")
	case sig == "":
		return nil, errorf(400, ReasonMissingSignatureHeader, "Must provide 'X-GEMINI-SIGNATURE' header")
	}
	key, ok := s.keys[apiKey]
	if !ok {
		return nil, errorf(400, ReasonInvalidAPIKey, "Invalid API key")
	}
	want, _ := hex.DecodeString(sign(key.Secret, payload))
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(want, got) {
		return nil, errorf(400, ReasonInvalidSignature, "InvalidSignature")
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, errorf(400, ReasonInvalidJSON, "Could not decode the base64 payload")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, errorf(400, ReasonInvalidJSON, "Could not parse the payload as a JSON object")
	}
	rq = &privReq{key: key, path: path, p: fields}
	endpoint, present, err := rq.str("request")
	switch {
	case err != nil:
		return nil, errorf(400, ReasonEndpointMismatch, "'request' must be a string naming the endpoint")
	case !present || endpoint == "":
		return nil, errorf(400, ReasonEndpointNotFound, "No 'request' in the payload")
	case endpoint != path:
		return nil, errorf(400, ReasonEndpointMismatch, "EndpointMismatch: payload 'request' is %q, the request was sent to %q", endpoint, path)
	}
	if e := s.checkNonce(rq); e != nil {
		return nil, e
	}
	if e := rq.checkAccount(); e != nil {
		return nil, e
	}
	return rq, nil
}

// checkNonce applies the key's nonce regime and records an increasing nonce.
func (s *Server) checkNonce(rq *privReq) *Error {
	raw, ok := rq.p["nonce"]
	if !ok || string(raw) == "null" {
		return errorf(400, ReasonMissingNonce, "Missing nonce in the payload")
	}
	text := strings.TrimSpace(string(raw))
	if unq, err := unquote(raw); err == nil {
		text = strings.TrimSpace(unq)
	}
	n, err := decimal.NewFromString(text)
	if err != nil || n.IsNegative() || strings.ContainsAny(text, "eE") {
		return errorf(400, ReasonInvalidNonce, "Nonce '%s' is not a number", text)
	}
	if rq.key.TimeNonce {
		now := s.clock()
		window := s.NonceWindow()
		if n.Sub(decimal.New(now.UnixMilli(), -3)).Abs().GreaterThan(decimal.New(window.Milliseconds(), -3)) {
			return errorf(400, ReasonInvalidNonce, "Nonce '%s' is not within %s seconds of server time '%d'", text, decimal.New(window.Milliseconds(), -3), now.Unix())
		}
		return nil
	}
	if last, ok := s.st.Nonces[rq.key.Key]; ok {
		if l, err := decimal.NewFromString(last); err == nil && !n.GreaterThan(l) {
			return errorf(400, ReasonInvalidNonce, "Nonce '%s' has not increased since your last call to the Gemini API.", text)
		}
	}
	s.st.Nonces[rq.key.Key] = n.String()
	s.touchNonce(rq.key.Key)
	return nil
}

// checkAccount applies the master/account key rules for the "account" field.
// The simulator has one account, "primary".
func (rq *privReq) checkAccount() *Error {
	acct, present, err := rq.str("account")
	master := strings.HasPrefix(rq.key.Key, "master-")
	switch {
	case !master && present:
		return errorf(400, ReasonAccountsOnGroupOnlyAPI, "The 'account' field is only for master API keys")
	case master && !present:
		return errorf(400, ReasonMissingAccounts, "Master API keys must name an 'account'")
	case master && (err != nil || acct != "primary"):
		return errorf(400, ReasonInvalidAccountName, "Account %s is not in this group", strings.TrimSpace(string(rq.p["account"])))
	}
	return nil
}

// requireRole answers 403 MissingRole unless the key holds one of roles.
func (rq *privReq) requireRole(roles []string) *Error {
	for _, r := range rq.key.Roles {
		if slices.Contains(roles, r) {
			return nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = roleTitle[r]
	}
	return errorf(403, ReasonMissingRole, "This API key lacks the role %s needs: %s", rq.path, strings.Join(names, " or "))
}

var roleTitle = map[string]string{RoleTrader: "Trader", RoleFundManager: "Fund Manager", RoleAuditor: "Auditor"}

func unquote(raw json.RawMessage) (string, error) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// str returns a string field: present says whether it is there (and not
// null); err is set when it is there but not a JSON string.
func (rq *privReq) str(name string) (v string, present bool, err error) {
	raw, ok := rq.p[name]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	v, err = unquote(raw)
	return v, true, err
}
