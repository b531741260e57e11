package slogconfig

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slogtree/slogtree/internal/levels"
)

// MaxAdminExpiry is the longest expiry an admin endpoint takes
// ([Manager.AdminHandler]): a level meant to last longer is set without
// one, and reverted with DELETE.
const MaxAdminExpiry = 24 * time.Hour

// maxAdminBody bounds the body of a request to an admin endpoint.
const maxAdminBody = 64 << 10

// An AdminOption configures the handler made by [Manager.AdminHandler].
type AdminOption interface {
	applyAdmin(*adminOptions)
}

type adminOptions struct {
	token     *[sha256.Size]byte // the bearer token's hash; nil: no token checked
	authorize func(*http.Request) bool
	openReads bool
	clock     adminClock
}

type adminOptionFunc func(*adminOptions)

func (f adminOptionFunc) applyAdmin(o *adminOptions) { f(o) }

// AdminBearerToken makes an admin endpoint answer only requests that carry
// token in an "Authorization: Bearer TOKEN" header; the others get 401
// with "WWW-Authenticate: Bearer". The comparison takes the same time
// whatever the token sent. An empty token refuses every request, so that
// an unset variable never opens the endpoint. Default: no token.
func AdminBearerToken(token string) AdminOption {
	return adminOptionFunc(func(o *adminOptions) {
		sum := sha256.Sum256([]byte(token))
		if token == "" {
			sum = [sha256.Size]byte{} // matches no token: a token sent is never empty
		}
		o.token = &sum
	})
}

// AdminAuthorize makes an admin endpoint answer only the requests for
// which f returns true; the others get 403. With [AdminBearerToken] too,
// the token is checked first. A panic in f refuses the request and is
// reported to the Manager's error handler. Default: none.
func AdminAuthorize(f func(*http.Request) bool) AdminOption {
	return adminOptionFunc(func(o *adminOptions) { o.authorize = f })
}

// AdminOpenReads lets an admin endpoint answer GET (and HEAD) requests
// without [AdminBearerToken], [AdminAuthorize] or the loopback rule:
// anyone who reaches it may read the levels and handler ids, only those
// allowed may change them. Default: every request is checked.
func AdminOpenReads() AdminOption {
	return adminOptionFunc(func(o *adminOptions) { o.openReads = true })
}

// adminWithClock sets the clock of the expiries, for tests.
func adminWithClock(c adminClock) AdminOption {
	return adminOptionFunc(func(o *adminOptions) { o.clock = c })
}

// adminClock is the time of an admin endpoint: Now for the expiry it
// shows, AfterFunc for its timer.
type adminClock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) adminTimer
}

// adminTimer is a timer of an adminClock: Stop, as [time.Timer.Stop],
// reports whether it stopped the timer before its function started.
type adminTimer interface {
	Stop() bool
}

type systemAdminClock struct{}

func (systemAdminClock) Now() time.Time { return time.Now() }
func (systemAdminClock) AfterFunc(d time.Duration, f func()) adminTimer {
	return time.AfterFunc(d, f)
}

// adminHandler is the handler AdminHandler returns.
type adminHandler struct {
	m *Manager
	o adminOptions
}

var _ http.Handler = (*adminHandler)(nil)

// AdminHandler returns an HTTP handler through which operators read and
// change the levels of the Manager's loggers, in the JSON shape of Spring
// Boot actuator's loggers endpoint, with levels that expire, and zap's
// /level for the root logger:
//
//	GET    /loggers         every logger: {"levels": [...], "loggers": {"root": LOGGER, "app.db": LOGGER, ...}}
//	GET    /loggers/{name}  one logger: LOGGER
//	POST   /loggers/{name}  {"configuredLevel": "DEBUG", "expires": "10m"}: sets its level; answers LOGGER
//	DELETE /loggers/{name}  gives it back the level the configurations give it; answers LOGGER
//	GET    /level           {"level": "info"}: the root logger's level, as zap's AtomicLevel serves it
//	PUT    /level           {"level": "debug", "expires": "10m"}: sets it; answers as GET
//
// A LOGGER is
//
//	{"configuredLevel": "DEBUG", "effectiveLevel": "DEBUG", "handlers": ["console"],
//	 "propagate": true, "disabled": false, "expires": "2025-01-02T03:14:05Z", "revertsTo": "INFO"}
//
// configuredLevel is the logger's own level, null when it inherits one
// (root's is never null: "NOTSET" there passes every record), and
// effectiveLevel the level it passes records from; handlers are the ids of
// its own handlers (not those it propagates to). revertsTo is there while
// a level set here is in force: the level the logger goes back to (null:
// it inherits), and expires (RFC 3339, UTC) when that level expires.
// Levels are named as [Tree] names them (DEBUG, INFO+2, a registered
// name); "levels" lists Python's names, but a request may give any level a
// configuration takes, in any case, or a Python number. Mount the handler
// at the root of a mux, or under a prefix with [http.StripPrefix].
//
// # Names
//
// Root is "root" (Python's name for it, which [Manager.Logger] takes too),
// where actuator says "ROOT": "ROOT" is an ordinary logger, as in Python.
// A name that no logger has (never given to [Manager.Logger], nor named
// by a configuration; a placeholder above loggers is not one) is 404 for
// GET and DELETE; POST creates the logger, as Python's
// getLogger(name).setLevel does, so that a level can be set before the
// code that logs on it runs.
//
// # Changes
//
// Each change is an incremental configuration applied through the Manager
// (as the listener's are): applied one at a time with every other
// configuration, validated, and seen by [Manager.Tree] and
// [Manager.Explain]. As with any incremental configuration, a logger that
// disable_existing_loggers disabled is enabled again. POST with
// "configuredLevel": null clears the logger's own level, so that it
// inherits its parent's (refused for root). With "expires", a Go duration
// from 1ns to [MaxAdminExpiry] (24h), the logger goes back by itself, when
// it expires, to the level the configurations give it; without, the level
// stays until DELETE. DELETE of a logger with no level set here changes
// nothing.
//
// A full configuration ([Manager.DictConfig], [Manager.Load],
// [Manager.FileConfig], a [Watcher]'s reload, a full configuration
// received by a [Listener]) takes back every level set here before it
// applies: it applies as if they had never been set, their expiries are
// cancelled, and its own levels are in force; a logger it does not name
// has the level it had before the endpoint changed it (or the one
// Python's rules for such loggers give it). An incremental configuration leaves them,
// except on the loggers whose level it sets: that newer change wins, and
// the expiry that would undo it is cancelled. The reason: a full
// configuration is the operator's statement of what the program should
// run with (a reload of a watched file is a deliberate change), while a
// level set here is a temporary deviation from it.
//
// The expiries are timers ([time.AfterFunc]) that hold no goroutine while
// they wait; [Manager.Shutdown] cancels them and forgets the levels set
// here (the loggers keep them), and waits for an expiry already running.
//
// # Access
//
// Every request, reads included, passes [AdminBearerToken] (401 otherwise)
// and [AdminAuthorize] (403) when they are given; with neither, only
// clients on a loopback address are answered (403 for the others), as a
// [Listener] binds loopback unless told otherwise. [AdminOpenReads] lets
// GET and HEAD through without the checks. Serve the endpoint on a port of its own,
// bound to loopback or an internal network, and over TLS when a token
// travels beyond the host.
//
// # Errors and the log
//
// A refused request gets a 4xx status and {"error": "MESSAGE", "fields":
// ["configuredLevel"]}: every problem of the request, each after the
// field it is about ("fields" is left out when none is): bad JSON, an
// unknown field, a missing configuredLevel or level, an unknown level, an
// expires that is not a duration, not above zero or above MaxAdminExpiry,
// a wrong method (405, with Allow), an unknown route or logger (404).
//
// Every change (set, expired, reverted, replaced by a configuration) and
// every refused request is logged at INFO on the logger "slogtree.admin",
// with the logger changed, its levels before and after, the expiry and
// the client's address. A configuration that should show them gives that
// logger (or root) a handler and INFO, and, when it sets
// disable_existing_loggers, names it.
//
// The handler is safe for concurrent use; several handlers of one Manager
// share its account of the levels set and of their expiries.
func (m *Manager) AdminHandler(opts ...AdminOption) http.Handler {
	h := &adminHandler{m: m, o: adminOptions{clock: systemAdminClock{}}}
	for _, o := range opts {
		o.applyAdmin(&h.o)
	}
	return h
}

// AdminHandler returns the default Manager's admin endpoint: see
// [Manager.AdminHandler].
func AdminHandler(opts ...AdminOption) http.Handler { return std.AdminHandler(opts...) }

// adminProblem is one problem of a request: the field it is about ("" for
// none) and what is wrong.
type adminProblem struct {
	field string
	err   string
}

// adminError is a refused request: its status and problems.
type adminError struct {
	status   int
	problems []adminProblem
}

func (e *adminError) Error() string {
	parts := make([]string, len(e.problems))
	for i, p := range e.problems {
		parts[i] = p.err
		if p.field != "" {
			parts[i] = p.field + ": " + p.err
		}
	}
	return strings.Join(parts, "; ")
}

func badRequest(field, format string, args ...any) *adminError {
	return &adminError{status: http.StatusBadRequest, problems: []adminProblem{{field, fmt.Sprintf(format, args...)}}}
}

func (h *adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !read || !h.o.openReads {
		if !h.allowed(w, r) {
			return
		}
	}
	path := r.URL.Path
	switch {
	case path == "/loggers":
		if h.method(w, r, http.MethodGet) {
			h.list(w)
		}
	case strings.HasPrefix(path, "/loggers/") && len(path) > len("/loggers/"):
		name := strings.TrimPrefix(path, "/loggers/")
		if !h.method(w, r, http.MethodGet, http.MethodPost, http.MethodDelete) {
			return
		}
		switch r.Method {
		case http.MethodPost:
			h.set(w, r, name)
		case http.MethodDelete:
			h.revert(w, r, name)
		default:
			h.get(w, name)
		}
	case path == "/level":
		if !h.method(w, r, http.MethodGet, http.MethodPut) {
			return
		}
		if r.Method == http.MethodPut {
			h.setRoot(w, r)
		} else {
			h.getRoot(w)
		}
	default:
		h.fail(w, r, &adminError{status: http.StatusNotFound,
			problems: []adminProblem{{"", fmt.Sprintf("no route %q: the routes are /loggers, /loggers/{name} and /level", path)}}})
	}
}

// allowed checks the request's access, and answers it when it is refused.
func (h *adminHandler) allowed(w http.ResponseWriter, r *http.Request) bool {
	if h.o.token != nil {
		got, ok := bearerToken(r)
		sum := sha256.Sum256([]byte(got))
		if !ok || got == "" || subtle.ConstantTimeCompare(sum[:], h.o.token[:]) != 1 {
			challenge := `Bearer realm="slogtree"`
			msg := "a bearer token is required"
			if ok {
				challenge += `, error="invalid_token"`
				msg = "the bearer token is not the endpoint's"
			}
			w.Header().Set("WWW-Authenticate", challenge)
			h.fail(w, r, &adminError{status: http.StatusUnauthorized, problems: []adminProblem{{"", msg}}})
			return false
		}
	}
	if h.o.authorize != nil {
		if !h.authorize(r) {
			h.fail(w, r, &adminError{status: http.StatusForbidden, problems: []adminProblem{{"", "forbidden"}}})
			return false
		}
	} else if h.o.token == nil && !loopbackClient(r) {
		h.fail(w, r, &adminError{status: http.StatusForbidden, problems: []adminProblem{{"",
			"only loopback clients are answered by an endpoint without AdminBearerToken or AdminAuthorize"}}})
		return false
	}
	return true
}

// authorize calls the AdminAuthorize function, a panic refusing.
func (h *adminHandler) authorize(r *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			h.m.report(fmt.Errorf("slogconfig: admin endpoint: panic in the AdminAuthorize function: %v", p))
		}
	}()
	return h.o.authorize(r)
}

// bearerToken returns the token of the request's "Authorization: Bearer"
// header; ok is false when there is none.
func bearerToken(r *http.Request) (token string, ok bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// loopbackClient reports whether the request comes from a loopback address.
func loopbackClient(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// method reports whether the request's method is one of allowed (HEAD
// goes with GET), and answers 405 when it is not.
func (h *adminHandler) method(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for _, m := range allowed {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	h.fail(w, r, &adminError{status: http.StatusMethodNotAllowed, problems: []adminProblem{{"",
		fmt.Sprintf("method %s not allowed on %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, ", "))}}})
	return false
}

// levelNames are the Manager's level names of a dry run's configurations,
// which a request may use as a configuration could.
func (h *adminHandler) levelNames() *levels.Names {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.levelNames
}

// adminLoggerJSON is a LOGGER of AdminHandler's documentation.
type adminLoggerJSON struct {
	ConfiguredLevel *string         `json:"configuredLevel"`
	EffectiveLevel  string          `json:"effectiveLevel"`
	Handlers        []string        `json:"handlers"`
	Propagate       bool            `json:"propagate"`
	Disabled        bool            `json:"disabled"`
	Expires         string          `json:"expires,omitempty"`
	RevertsTo       json.RawMessage `json:"revertsTo,omitempty"`
}

// adminLevelList lists the levels "levels" shows, highest first.
var adminLevelList = []string{"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"}

// loggerJSON describes l, with the level set through an endpoint a (nil:
// none), as a LOGGER.
func loggerJSON(l *TreeLogger, a *adminLevel) adminLoggerJSON {
	j := adminLoggerJSON{EffectiveLevel: levelName(l.EffectiveLevel, l.names), Handlers: []string{},
		Propagate: l.Propagate, Disabled: l.Disabled}
	if l.Name == "" || l.Level != LevelNotSet {
		s := levelName(l.Level, l.names)
		j.ConfiguredLevel = &s
	}
	for _, h := range l.Handlers {
		j.Handlers = append(j.Handlers, h.ID)
	}
	if a != nil {
		j.RevertsTo = json.RawMessage("null")
		if a.name == "" || !a.base.NotSet {
			j.RevertsTo, _ = json.Marshal(levelName(a.base.Threshold(), l.names))
		}
		if !a.expires.IsZero() {
			j.Expires = a.expires.UTC().Format(time.RFC3339)
		}
	}
	return j
}

// list answers GET /loggers.
func (h *adminHandler) list(w http.ResponseWriter) {
	h.m.cfgMu.Lock()
	t := h.m.Tree()
	set := maps.Clone(h.m.admin.byName)
	h.m.cfgMu.Unlock()
	// The loggers in the order of the tree, root first: an object's keys
	// keep the order they are written in.
	var b bytes.Buffer
	b.WriteString(`{"levels":`)
	lv, _ := marshalJSON(adminLevelList)
	b.Write(lv)
	b.WriteString(`,"loggers":{`)
	for i, l := range t.Loggers() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalJSON(adminName(l.Name))
		v, err := marshalJSON(loggerJSON(l, set[l.Name]))
		if err != nil {
			h.internal(w, err)
			return
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString("}}")
	writeJSON(w, http.StatusOK, json.RawMessage(b.Bytes()))
}

// loggerName reads the logger name of a route: "root" is root ("").
func loggerName(name string) string {
	if isRoot(name) {
		return ""
	}
	return name
}

// get answers GET /loggers/{name}.
func (h *adminHandler) get(w http.ResponseWriter, name string) {
	name = loggerName(name)
	h.m.cfgMu.Lock()
	l, a := h.m.adminView(name)
	h.m.cfgMu.Unlock()
	if l == nil {
		h.fail(w, nil, noLogger(name))
		return
	}
	writeJSON(w, http.StatusOK, loggerJSON(l, a))
}

func noLogger(name string) *adminError {
	return &adminError{status: http.StatusNotFound, problems: []adminProblem{{"", fmt.Sprintf("no logger %q", name)}}}
}

// set answers POST /loggers/{name}.
func (h *adminHandler) set(w http.ResponseWriter, r *http.Request, name string) {
	name = loggerName(name)
	l, d, err := h.readChange(w, r, "configuredLevel", name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, aerr := h.change(r, name, l, d)
	if aerr != nil {
		h.fail(w, r, aerr)
		return
	}
	writeJSON(w, http.StatusOK, loggerJSON(c.logger, c.set))
}

// change sets the level of the logger called name and logs it.
func (h *adminHandler) change(r *http.Request, name string, l levels.Level, d time.Duration) (adminChange, *adminError) {
	c, err := h.m.adminSet(name, l, d, h.o.clock)
	if err != nil {
		// The level was read as a configuration reads it and is given
		// by its slog name, which every configuration takes: not
		// expected, but answered as what refused the request.
		return c, badRequest("", "%v", err)
	}
	attrs := []slog.Attr{slog.String("logger", adminName(name)),
		slog.String("from", adminLevelName(c.from)), slog.String("to", adminLevelName(c.to))}
	if d > 0 {
		attrs = append(attrs, slog.Duration("expires", d), slog.String("until", c.set.expires.UTC().Format(time.RFC3339)))
	}
	h.m.adminLog("level set", append(attrs, slog.String("remote", r.RemoteAddr))...)
	return c, nil
}

// revert answers DELETE /loggers/{name}.
func (h *adminHandler) revert(w http.ResponseWriter, r *http.Request, name string) {
	name = loggerName(name)
	c, reverted, err := h.m.adminRevert(name)
	if err != nil {
		h.fail(w, r, badRequest("", "%v", err))
		return
	}
	if c.logger == nil {
		h.fail(w, r, noLogger(name))
		return
	}
	if reverted {
		h.m.adminLog("level reverted", slog.String("logger", adminName(name)),
			slog.String("from", adminLevelName(c.from)), slog.String("to", adminLevelName(c.to)),
			slog.String("remote", r.RemoteAddr))
	}
	writeJSON(w, http.StatusOK, loggerJSON(c.logger, c.set))
}

// adminRootJSON is the answer of /level: zap's {"level": "info"}, with
// the expiry of a level set here.
type adminRootJSON struct {
	Level   string `json:"level"`
	Expires string `json:"expires,omitempty"`
}

func rootJSON(l *TreeLogger, a *adminLevel) adminRootJSON {
	j := adminRootJSON{Level: strings.ToLower(levelName(l.Level, l.names))}
	if a != nil && !a.expires.IsZero() {
		j.Expires = a.expires.UTC().Format(time.RFC3339)
	}
	return j
}

// getRoot answers GET /level.
func (h *adminHandler) getRoot(w http.ResponseWriter) {
	h.m.cfgMu.Lock()
	l, a := h.m.adminView("")
	h.m.cfgMu.Unlock()
	writeJSON(w, http.StatusOK, rootJSON(l, a))
}

// setRoot answers PUT /level.
func (h *adminHandler) setRoot(w http.ResponseWriter, r *http.Request) {
	l, d, err := h.readChange(w, r, "level", "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, aerr := h.change(r, "", l, d)
	if aerr != nil {
		h.fail(w, r, aerr)
		return
	}
	writeJSON(w, http.StatusOK, rootJSON(c.logger, c.set))
}

// readChange reads a request's body: {LEVELKEY: level, "expires":
// duration}, every problem reported.
func (h *adminHandler) readChange(w http.ResponseWriter, r *http.Request, levelKey, name string) (levels.Level, time.Duration, *adminError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return levels.Level{}, 0, &adminError{status: http.StatusRequestEntityTooLarge,
				problems: []adminProblem{{"", fmt.Sprintf("the body is over %d bytes", maxAdminBody)}}}
		}
		return levels.Level{}, 0, badRequest("", "reading the body: %v", err)
	}
	example := fmt.Sprintf(`{"%s": "DEBUG", "expires": "10m"}`, levelKey)
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		if err == nil {
			err = errors.New("null")
		}
		return levels.Level{}, 0, badRequest("", "want a JSON object such as %s: %v", example, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return levels.Level{}, 0, badRequest("", "want one JSON object such as %s, got more after it", example)
	}
	e := &adminError{status: http.StatusBadRequest}
	add := func(field, format string, args ...any) {
		e.problems = append(e.problems, adminProblem{field, fmt.Sprintf(format, args...)})
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k != levelKey && k != "expires" {
			add(k, "unknown field: want %q and \"expires\"", levelKey)
		}
	}
	var l levels.Level
	if raw, ok := fields[levelKey]; !ok {
		if levelKey == "configuredLevel" {
			add(levelKey, "missing: give a level, or null for the logger to inherit its parent's")
		} else {
			add(levelKey, "missing: give a level")
		}
	} else {
		var v any
		_ = json.Unmarshal(raw, &v) // raw is valid JSON
		switch {
		case v == nil && name == "":
			add(levelKey, "root has no parent to inherit from: give a level (NOTSET passes every record)")
		case v == nil:
			l = levels.Level{NotSet: true}
		default:
			var err error
			if l, err = levels.ParseWith(v, h.levelNames()); err != nil {
				add(levelKey, "%v", err)
			}
		}
	}
	var d time.Duration
	if raw, ok := fields["expires"]; ok && string(raw) != "null" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			add("expires", "want a duration such as \"10m\", got %s", raw)
		} else if d, err = time.ParseDuration(s); err != nil {
			add("expires", "want a duration such as \"10m\" or \"1h30m\", got %q", s)
		} else if d <= 0 {
			add("expires", "want a duration above zero, got %q", s)
		} else if d > MaxAdminExpiry {
			add("expires", "at most %v, got %q: set the level without expires for one that stays", MaxAdminExpiry, s)
		}
	}
	if len(e.problems) > 0 {
		return levels.Level{}, 0, e
	}
	return l, d, nil
}

// adminErrorJSON is the body of a refused request.
type adminErrorJSON struct {
	Error  string   `json:"error"`
	Fields []string `json:"fields,omitempty"`
}

// fail answers a refused request and, when it is r's (not nil), logs it.
func (h *adminHandler) fail(w http.ResponseWriter, r *http.Request, e *adminError) {
	j := adminErrorJSON{Error: e.Error()}
	for _, p := range e.problems {
		if p.field != "" {
			j.Fields = append(j.Fields, p.field)
		}
	}
	if r != nil {
		h.m.adminLog("request refused", slog.Int("status", e.status), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", j.Error), slog.String("remote", r.RemoteAddr))
	}
	writeJSON(w, e.status, j)
}

// internal answers a failure of the endpoint itself.
func (h *adminHandler) internal(w http.ResponseWriter, err error) {
	h.m.report(fmt.Errorf("slogconfig: admin endpoint: %w", err))
	writeJSON(w, http.StatusInternalServerError, adminErrorJSON{Error: "internal error"})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalJSON(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
