package slogconfig

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adminFakeClock is an adminClock that moves only when told to. advance
// runs the functions of the timers that come due in the caller's
// goroutine, or each in a goroutine of its own when async is set, as
// time.AfterFunc does.
type adminFakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*adminFakeTimer
	async  bool
}

type adminFakeTimer struct {
	c     *adminFakeClock
	at    time.Time
	f     func()
	state int // 0 waiting, 1 fired, 2 stopped
}

func newAdminFakeClock() *adminFakeClock {
	return &adminFakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *adminFakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *adminFakeClock) AfterFunc(d time.Duration, f func()) adminTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &adminFakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *adminFakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.state == 0 {
		t.state = 2
		return true
	}
	return false
}

// advance moves the clock by d and fires the timers due, earliest first.
func (c *adminFakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*adminFakeTimer
	for _, t := range c.timers {
		if t.state == 0 && !t.at.After(c.now) {
			t.state = 1
			due = append(due, t)
		}
	}
	c.timers = slices.DeleteFunc(c.timers, func(t *adminFakeTimer) bool { return t.state != 0 })
	async := c.async
	c.mu.Unlock()
	slices.SortStableFunc(due, func(a, b *adminFakeTimer) int { return a.at.Compare(b.at) })
	for _, t := range due {
		if async {
			go t.f()
		} else {
			t.f()
		}
	}
}

// waiting returns the number of timers neither fired nor stopped.
func (c *adminFakeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.state == 0 {
			n++
		}
	}
	return n
}

// adminBase is the configuration of the admin tests: root INFO on sink a,
// app INFO, app.db WARNING, and slogtree.admin's lines on sink adm only.
const adminBase = `{"version": 1, "disable_existing_loggers": false,
	"formatters": {"f": {"format": "%(levelname)s %(name)s: %(message)s"}},
	"handlers": {
		"a": {"class": "stream", "stream": "ext://out.a", "formatter": "f"},
		"adm": {"class": "stream", "stream": "ext://out.adm", "formatter": "f"}},
	"loggers": {
		"app": {"level": "INFO"},
		"app.db": {"level": "WARNING"},
		"slogtree.admin": {"level": "INFO", "handlers": ["adm"], "propagate": false}},
	"root": {"level": "INFO", "handlers": ["a"]}}`

// adminEnv is a testEnv configured with adminBase, its admin endpoint and
// the endpoint's clock.
type adminEnv struct {
	*testEnv
	h     http.Handler
	clock *adminFakeClock
}

func newAdminEnv(t *testing.T, opts ...AdminOption) *adminEnv {
	t.Helper()
	e := &adminEnv{testEnv: newTestEnv(t, "a", "adm"), clock: newAdminFakeClock()}
	e.config(t, jsonConfig(t, adminBase))
	e.h = e.AdminHandler(append([]AdminOption{adminWithClock(e.clock)}, opts...)...)
	return e
}

// adminResponse is an answer of the endpoint.
type adminResponse struct {
	status int
	header http.Header
	body   string
}

// json decodes the body.
func (r adminResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.body), &v), "body %q", r.body)
	return v
}

// do sends a request from a loopback client; hdr are "Key: value" headers.
func (e *adminEnv) do(t *testing.T, method, path, body string, hdr ...string) adminResponse {
	t.Helper()
	return e.doFrom(t, "127.0.0.1:4321", method, path, body, hdr...)
}

func (e *adminEnv) doFrom(t *testing.T, remote, method, path, body string, hdr ...string) adminResponse {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = remote
	for _, h := range hdr {
		k, v, ok := strings.Cut(h, ": ")
		require.True(t, ok, "header %q", h)
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"), "%s %s", method, path)
	return adminResponse{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// adminLines returns what slogtree.admin logged since the last call.
func (e *adminEnv) adminLines() []string {
	return splitLines(e.take("adm"))
}

// TestAdminListLoggers: GET /loggers lists every logger, root first and
// named "root", in actuator's shape.
func TestAdminListLoggers(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.Logger("app.db.pool")
	e.Logger("jobs")
	res := e.do(t, "GET", "/loggers", "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"levels": ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"],
		"loggers": {
		"root": {"configuredLevel": "INFO", "effectiveLevel": "INFO", "handlers": ["a"], "propagate": true, "disabled": false},
		"app": {"configuredLevel": "INFO", "effectiveLevel": "INFO", "handlers": [], "propagate": true, "disabled": false},
		"app.db": {"configuredLevel": "WARNING", "effectiveLevel": "WARNING", "handlers": [], "propagate": true, "disabled": false},
		"app.db.pool": {"configuredLevel": null, "effectiveLevel": "WARNING", "handlers": [], "propagate": true, "disabled": false},
		"jobs": {"configuredLevel": null, "effectiveLevel": "INFO", "handlers": [], "propagate": true, "disabled": false},
		"slogtree.admin": {"configuredLevel": "INFO", "effectiveLevel": "INFO", "handlers": ["adm"], "propagate": false, "disabled": false}}}`,
		res.body)
	// The keys come in the order of the tree, root first.
	var at []int
	for _, k := range []string{`"root"`, `"app"`, `"app.db"`, `"app.db.pool"`, `"jobs"`, `"slogtree.admin"`} {
		at = append(at, strings.Index(res.body, k+":"))
	}
	assert.True(t, slices.IsSorted(at) && at[0] > 0, "keys out of order in %s", res.body)
	assert.Empty(t, e.adminLines(), "a read is no change")
}

// TestAdminGetLogger: GET /loggers/{name} answers one logger; root is
// "root"; a name no logger has, a placeholder included, is 404.
func TestAdminGetLogger(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.Logger("x.y")
	tests := []struct {
		name, path string
		wantStatus int
		want       string
	}{
		{"configured", "/loggers/app.db", 200,
			`{"configuredLevel": "WARNING", "effectiveLevel": "WARNING", "handlers": [], "propagate": true, "disabled": false}`},
		{"root", "/loggers/root", 200,
			`{"configuredLevel": "INFO", "effectiveLevel": "INFO", "handlers": ["a"], "propagate": true, "disabled": false}`},
		{"used, not configured", "/loggers/x.y", 200,
			`{"configuredLevel": null, "effectiveLevel": "INFO", "handlers": [], "propagate": true, "disabled": false}`},
		{"unknown", "/loggers/nope", 404, `{"error": "no logger \"nope\""}`},
		{"placeholder", "/loggers/x", 404, `{"error": "no logger \"x\""}`},
		{"ROOT is a name like another", "/loggers/ROOT", 404, `{"error": "no logger \"ROOT\""}`},
		{"escaped", "/loggers/a%2Fb", 404, `{"error": "no logger \"a/b\""}`},
	}
	for _, tt := range tests {
		res := e.do(t, "GET", tt.path, "")
		assert.Equal(t, tt.wantStatus, res.status, tt.name)
		assert.JSONEq(t, tt.want, res.body, tt.name)
	}
	assert.Empty(t, e.adminLines())
	assert.Nil(t, e.Tree().Logger("nope"), "GET creates no logger")
}

// TestAdminSetLevel: POST without expires sets the level, which the
// loggers, Tree and Explain see at once and which stays; the change is
// logged on slogtree.admin.
func TestAdminSetLevel(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	db := e.Logger("app.db")
	db.Debug("before")
	res := e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "debug"}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"configuredLevel": "DEBUG", "effectiveLevel": "DEBUG", "handlers": [], "propagate": true,
		"disabled": false, "revertsTo": "WARNING"}`, res.body)
	db.Debug("after")
	assert.Equal(t, "DEBUG app.db: after\n", e.take("a"))
	assert.Equal(t, slog.LevelDebug, e.Tree().Logger("app.db").Level)
	assert.True(t, e.Explain("app.db", slog.LevelDebug).Passes)
	assert.Equal(t, []string{"INFO slogtree.admin: level set logger=app.db from=WARNING to=DEBUG remote=127.0.0.1:4321"},
		e.adminLines())

	e.clock.advance(MaxAdminExpiry * 10)
	assert.Equal(t, slog.LevelDebug, e.Tree().Logger("app.db").Level, "without expires the level stays")
	assert.Zero(t, e.clock.waiting(), "no timer for a level without expiry")

	// A Python number, on a logger no one has used: POST creates it.
	res = e.do(t, "POST", "/loggers/app.new", `{"configuredLevel": 40}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"configuredLevel": "ERROR", "effectiveLevel": "ERROR", "handlers": [], "propagate": true,
		"disabled": false, "revertsTo": null}`, res.body)
	assert.Equal(t, []string{"INFO slogtree.admin: level set logger=app.new from=NOTSET to=ERROR remote=127.0.0.1:4321"},
		e.adminLines())
	assert.Empty(t, e.reported())
}

// TestAdminSetExpires: POST with expires sets the level until it expires,
// then the logger goes back to its configured level by itself, and says
// so on slogtree.admin.
func TestAdminSetExpires(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	db := e.Logger("app.db")
	res := e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"configuredLevel": "DEBUG", "effectiveLevel": "DEBUG", "handlers": [], "propagate": true,
		"disabled": false, "expires": "2026-01-02T03:14:05Z", "revertsTo": "WARNING"}`, res.body)
	assert.Equal(t, []string{"INFO slogtree.admin: level set logger=app.db from=WARNING to=DEBUG expires=10m0s " +
		"until=2026-01-02T03:14:05Z remote=127.0.0.1:4321"}, e.adminLines())

	e.clock.advance(10*time.Minute - time.Nanosecond)
	db.Debug("still on")
	assert.Equal(t, "DEBUG app.db: still on\n", e.take("a"))
	assert.Empty(t, e.adminLines())

	e.clock.advance(time.Nanosecond)
	db.Debug("expired")
	db.Warn("warning")
	assert.Equal(t, "WARNING app.db: warning\n", e.take("a"))
	assert.Equal(t, []string{"INFO slogtree.admin: level expired logger=app.db from=DEBUG to=WARNING"}, e.adminLines())
	res = e.do(t, "GET", "/loggers/app.db", "")
	assert.JSONEq(t, `{"configuredLevel": "WARNING", "effectiveLevel": "WARNING", "handlers": [], "propagate": true,
		"disabled": false}`, res.body, "no revertsTo once reverted")
	assert.Zero(t, e.clock.waiting())

	// A second POST replaces the first: its timer is stopped, and the
	// logger reverts to the configured level, not to the first POST's.
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "1m"}`)
	res = e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "ERROR", "expires": "1h"}`)
	assert.Contains(t, res.body, `"revertsTo":"WARNING"`)
	assert.Equal(t, 1, e.clock.waiting(), "the first timer is stopped")
	e.clock.advance(time.Hour)
	assert.Equal(t, slog.LevelWarn, e.Tree().Logger("app.db").Level)
	assert.Empty(t, e.reported())
}

// TestAdminSetNull: "configuredLevel": null clears the logger's own
// level, so that it inherits, as actuator's does; DELETE brings it back.
func TestAdminSetNull(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	res := e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": null}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"configuredLevel": null, "effectiveLevel": "INFO", "handlers": [], "propagate": true,
		"disabled": false, "revertsTo": "WARNING"}`, res.body)
	e.Logger("app.db").Info("inherited")
	assert.Equal(t, "INFO app.db: inherited\n", e.take("a"))
	assert.Equal(t, []string{"INFO slogtree.admin: level set logger=app.db from=WARNING to=NOTSET remote=127.0.0.1:4321"},
		e.adminLines())

	res = e.do(t, "POST", "/loggers/root", `{"configuredLevel": null}`)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.JSONEq(t, `{"error": "configuredLevel: root has no parent to inherit from: give a level (NOTSET passes every record)",
		"fields": ["configuredLevel"]}`, res.body)
}

// TestAdminDelete: DELETE reverts now, stopping the expiry; DELETE of a
// logger with no level set changes nothing; of an unknown logger, 404.
func TestAdminDelete(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`)
	e.adminLines()
	res := e.do(t, "DELETE", "/loggers/app.db", "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"configuredLevel": "WARNING", "effectiveLevel": "WARNING", "handlers": [], "propagate": true,
		"disabled": false}`, res.body)
	assert.Equal(t, []string{"INFO slogtree.admin: level reverted logger=app.db from=DEBUG to=WARNING remote=127.0.0.1:4321"},
		e.adminLines())
	assert.Zero(t, e.clock.waiting(), "the expiry is stopped")

	res = e.do(t, "DELETE", "/loggers/app.db", "")
	assert.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, e.adminLines(), "nothing to revert, nothing logged")

	res = e.do(t, "DELETE", "/loggers/nope", "")
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.JSONEq(t, `{"error": "no logger \"nope\""}`, res.body)
	assert.Nil(t, e.Tree().Logger("nope"), "DELETE creates no logger")

	// Root too, through /loggers/root, back to its configured INFO.
	e.do(t, "POST", "/loggers/root", `{"configuredLevel": "ERROR"}`)
	e.adminLines()
	res = e.do(t, "DELETE", "/loggers/root", "")
	assert.Contains(t, res.body, `"configuredLevel":"INFO"`)
	assert.Equal(t, []string{"INFO slogtree.admin: level reverted logger=root from=ERROR to=INFO remote=127.0.0.1:4321"},
		e.adminLines())
}

// TestAdminRootLevel: GET and PUT /level, zap's shape, on the root logger.
func TestAdminRootLevel(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	res := e.do(t, "GET", "/level", "")
	require.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, `{"level": "info"}`, res.body)

	e.Logger("jobs").Debug("dropped")
	res = e.do(t, "PUT", "/level", `{"level": "debug"}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"level": "debug"}`, res.body)
	e.Logger("jobs").Debug("kept")
	assert.Equal(t, "DEBUG jobs: kept\n", e.take("a"))
	assert.Equal(t, []string{"INFO slogtree.admin: level set logger=root from=INFO to=DEBUG remote=127.0.0.1:4321"},
		e.adminLines())

	res = e.do(t, "PUT", "/level", `{"level": "WARN", "expires": "30s"}`)
	assert.JSONEq(t, `{"level": "warning", "expires": "2026-01-02T03:04:35Z"}`, res.body)
	assert.JSONEq(t, res.body, e.do(t, "GET", "/level", "").body)
	assert.Contains(t, e.do(t, "GET", "/loggers/root", "").body, `"revertsTo":"INFO"`, "the first PUT's base is kept")
	e.clock.advance(30 * time.Second)
	assert.JSONEq(t, `{"level": "info"}`, e.do(t, "GET", "/level", "").body)

	for _, body := range []string{`{"level": null}`, `{}`, `{"configuredLevel": "DEBUG"}`} {
		res = e.do(t, "PUT", "/level", body)
		assert.Equal(t, http.StatusBadRequest, res.status, body)
		assert.Contains(t, res.json(t)["fields"], "level", body)
	}
}

// TestAdminBadRequests: every problem of a body is a 400 naming its field,
// all at once; nothing changes, and the refusal is logged.
func TestAdminBadRequests(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	tests := []struct {
		name, body string
		want       string // the error
		fields     []string
	}{
		{"bad JSON", `{"configuredLevel": "DEBUG"`,
			`want a JSON object such as {"configuredLevel": "DEBUG", "expires": "10m"}: unexpected EOF`, nil},
		{"empty body", ``, `want a JSON object such as {"configuredLevel": "DEBUG", "expires": "10m"}: EOF`, nil},
		{"not an object", `["DEBUG"]`,
			`want a JSON object such as {"configuredLevel": "DEBUG", "expires": "10m"}: json: cannot unmarshal array into Go value of type map[string]json.RawMessage`, nil},
		{"null", `null`, `want a JSON object such as {"configuredLevel": "DEBUG", "expires": "10m"}: null`, nil},
		{"two objects", `{"configuredLevel": "DEBUG"} {}`,
			`want one JSON object such as {"configuredLevel": "DEBUG", "expires": "10m"}, got more after it`, nil},
		{"unknown field", `{"level": "DEBUG"}`,
			`level: unknown field: want "configuredLevel" and "expires"; configuredLevel: missing: give a level, or null for the logger to inherit its parent's`,
			[]string{"level", "configuredLevel"}},
		{"missing level", `{"expires": "1m"}`,
			`configuredLevel: missing: give a level, or null for the logger to inherit its parent's`, []string{"configuredLevel"}},
		{"unknown level", `{"configuredLevel": "LOUD"}`, `configuredLevel: unknown level: "LOUD"`, []string{"configuredLevel"}},
		{"boolean level", `{"configuredLevel": true}`, `configuredLevel: a boolean is not a level`, []string{"configuredLevel"}},
		{"fractional level", `{"configuredLevel": 10.5}`,
			`configuredLevel: level not an integer or a valid string: 10.5`, []string{"configuredLevel"}},
		{"expires a number", `{"configuredLevel": "DEBUG", "expires": 600}`,
			`expires: want a duration such as "10m", got 600`, []string{"expires"}},
		{"expires unparsable", `{"configuredLevel": "DEBUG", "expires": "ten minutes"}`,
			`expires: want a duration such as "10m" or "1h30m", got "ten minutes"`, []string{"expires"}},
		{"expires zero", `{"configuredLevel": "DEBUG", "expires": "0s"}`,
			`expires: want a duration above zero, got "0s"`, []string{"expires"}},
		{"expires negative", `{"configuredLevel": "DEBUG", "expires": "-1m"}`,
			`expires: want a duration above zero, got "-1m"`, []string{"expires"}},
		{"expires too long", `{"configuredLevel": "DEBUG", "expires": "24h1s"}`,
			`expires: at most 24h0m0s, got "24h1s": set the level without expires for one that stays`, []string{"expires"}},
		{"every problem", `{"configuredLevel": "LOUD", "expires": "-1s", "extra": 1}`,
			`extra: unknown field: want "configuredLevel" and "expires"; configuredLevel: unknown level: "LOUD"; expires: want a duration above zero, got "-1s"`,
			[]string{"extra", "configuredLevel", "expires"}},
	}
	for _, tt := range tests {
		res := e.do(t, "POST", "/loggers/app.db", tt.body)
		assert.Equal(t, http.StatusBadRequest, res.status, tt.name)
		want := map[string]any{"error": tt.want}
		if tt.fields != nil {
			fields := make([]any, len(tt.fields))
			for i, f := range tt.fields {
				fields[i] = f
			}
			want["fields"] = fields
		}
		assert.Equal(t, want, res.json(t), tt.name)
		lines := e.adminLines()
		if assert.Len(t, lines, 1, tt.name) {
			assert.True(t, strings.HasPrefix(lines[0], "INFO slogtree.admin: request refused status=400 method=POST path=/loggers/app.db error="),
				"%s: %s", tt.name, lines[0])
		}
	}
	assert.Equal(t, slog.LevelWarn, e.Tree().Logger("app.db").Level, "no refused request changed anything")
	assert.Zero(t, e.clock.waiting())

	// At the boundary: 24h is taken, 1ns too.
	for _, d := range []string{"24h", "1ns"} {
		res := e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "`+d+`"}`)
		assert.Equal(t, http.StatusOK, res.status, d)
	}

	// A body over 64 KiB.
	res := e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "`+strings.Repeat("D", maxAdminBody)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status)
}

// TestAdminMethodsAndRoutes: a method a route does not take is 405 with
// Allow; a path that is no route is 404; both with a JSON error.
func TestAdminMethodsAndRoutes(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{"POST", "/loggers", 405, "GET"},
		{"DELETE", "/loggers", 405, "GET"},
		{"PUT", "/loggers/app.db", 405, "GET, POST, DELETE"},
		{"PATCH", "/loggers/app.db", 405, "GET, POST, DELETE"},
		{"POST", "/level", 405, "GET, PUT"},
		{"DELETE", "/level", 405, "GET, PUT"},
		{"GET", "/", 404, ""},
		{"GET", "/loggers/", 404, ""},
		{"GET", "/levels", 404, ""},
		{"HEAD", "/loggers", 200, ""},
		{"HEAD", "/level", 200, ""},
	}
	for _, tt := range tests {
		res := e.do(t, tt.method, tt.path, "")
		assert.Equal(t, tt.wantStatus, res.status, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.wantAllow, res.header.Get("Allow"), "%s %s", tt.method, tt.path)
		if tt.wantStatus >= 400 {
			assert.NotEmpty(t, res.json(t)["error"], "%s %s", tt.method, tt.path)
		}
	}
	res := e.do(t, "PATCH", "/loggers/app.db", "")
	assert.JSONEq(t, `{"error": "method PATCH not allowed on /loggers/app.db: use GET, POST, DELETE"}`, res.body)
	lines := e.adminLines()
	assert.Contains(t, lines, "INFO slogtree.admin: request refused status=405 method=PATCH path=/loggers/app.db "+
		`error="method PATCH not allowed on /loggers/app.db: use GET, POST, DELETE" remote=127.0.0.1:4321`)
}

// TestAdminAccess: the bearer token (401), the authorize function (403),
// the loopback rule without either, and AdminOpenReads.
func TestAdminAccess(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token"
	set := `{"configuredLevel": "DEBUG"}`

	t.Run("token", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, AdminBearerToken(token))
		for _, tt := range []struct {
			name, method, path, body string
			hdr                      []string
			wantStatus               int
			wantChallenge            string
		}{
			{"missing", "POST", "/loggers/app.db", set, nil, 401, `Bearer realm="slogtree"`},
			{"missing on a read", "GET", "/loggers", "", nil, 401, `Bearer realm="slogtree"`},
			{"missing on an unknown route", "GET", "/nope", "", nil, 401, `Bearer realm="slogtree"`},
			{"another scheme", "GET", "/level", "", []string{"Authorization: Basic " + token}, 401, `Bearer realm="slogtree"`},
			{"wrong", "POST", "/loggers/app.db", set, []string{"Authorization: Bearer s3cret-tokem"}, 401,
				`Bearer realm="slogtree", error="invalid_token"`},
			{"a prefix", "GET", "/level", "", []string{"Authorization: Bearer s3cret"}, 401,
				`Bearer realm="slogtree", error="invalid_token"`},
			{"empty", "GET", "/level", "", []string{"Authorization: Bearer "}, 401, `Bearer realm="slogtree", error="invalid_token"`},
			{"right", "GET", "/level", "", []string{"Authorization: Bearer " + token}, 200, ""},
			{"scheme in lower case", "GET", "/level", "", []string{"Authorization: bearer " + token}, 200, ""},
			{"right, from anywhere", "POST", "/loggers/app.db", set, []string{"Authorization: Bearer " + token}, 200, ""},
		} {
			res := e.doFrom(t, "203.0.113.9:5555", tt.method, tt.path, tt.body, tt.hdr...)
			assert.Equal(t, tt.wantStatus, res.status, tt.name)
			assert.Equal(t, tt.wantChallenge, res.header.Get("WWW-Authenticate"), tt.name)
			if tt.wantStatus == 401 {
				assert.NotContains(t, res.body, token, tt.name)
				assert.NotEmpty(t, res.json(t)["error"], tt.name)
			}
		}
		lines := e.adminLines()
		assert.Contains(t, lines, `INFO slogtree.admin: request refused status=401 method=POST path=/loggers/app.db `+
			`error="a bearer token is required" remote=203.0.113.9:5555`)
		assert.Contains(t, lines, `INFO slogtree.admin: request refused status=401 method=POST path=/loggers/app.db `+
			`error="the bearer token is not the endpoint's" remote=203.0.113.9:5555`)
		assert.Equal(t, slog.LevelDebug, e.Tree().Logger("app.db").Level, "only the right token changed the level")
	})

	t.Run("empty token refuses all", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, AdminBearerToken(""))
		for _, hdr := range []string{"Authorization: Bearer ", "Authorization: Bearer x", "X-None: 1"} {
			assert.Equal(t, 401, e.do(t, "GET", "/level", "", hdr).status, hdr)
		}
	})

	t.Run("authorize", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, AdminAuthorize(func(r *http.Request) bool { return r.Header.Get("X-Role") == "ops" }))
		res := e.doFrom(t, "203.0.113.9:5555", "POST", "/loggers/app.db", set)
		assert.Equal(t, http.StatusForbidden, res.status)
		assert.JSONEq(t, `{"error": "forbidden"}`, res.body)
		assert.Equal(t, http.StatusForbidden, e.do(t, "GET", "/loggers", "").status, "loopback is no exception")
		assert.Equal(t, http.StatusOK, e.doFrom(t, "203.0.113.9:5555", "POST", "/loggers/app.db", set, "X-Role: ops").status)
		assert.Contains(t, e.adminLines(), `INFO slogtree.admin: request refused status=403 method=POST path=/loggers/app.db `+
			`error=forbidden remote=203.0.113.9:5555`)
	})

	t.Run("token then authorize", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, AdminBearerToken(token), AdminAuthorize(func(r *http.Request) bool { return r.Header.Get("X-Role") == "ops" }))
		assert.Equal(t, 401, e.do(t, "GET", "/level", "", "X-Role: ops").status)
		assert.Equal(t, 403, e.do(t, "GET", "/level", "", "Authorization: Bearer "+token).status)
		assert.Equal(t, 200, e.do(t, "GET", "/level", "", "Authorization: Bearer "+token, "X-Role: ops").status)
	})

	t.Run("authorize panics", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, AdminAuthorize(func(*http.Request) bool { panic("boom") }))
		assert.Equal(t, http.StatusForbidden, e.do(t, "GET", "/level", "").status)
		errs := e.reported()
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0].Error(), "panic in the AdminAuthorize function: boom")
	})

	t.Run("loopback without options", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t)
		for _, remote := range []string{"127.0.0.1:1", "127.9.9.9:1", "[::1]:1"} {
			assert.Equal(t, 200, e.doFrom(t, remote, "GET", "/level", "").status, remote)
		}
		for _, remote := range []string{"203.0.113.9:1", "[2001:db8::1]:1", "", "garbage"} {
			res := e.doFrom(t, remote, "GET", "/level", "")
			assert.Equal(t, 403, res.status, remote)
			assert.Contains(t, res.body, "only loopback clients", remote)
		}
	})

	t.Run("open reads", func(t *testing.T) {
		t.Parallel()
		e := newAdminEnv(t, AdminBearerToken(token), AdminOpenReads())
		for _, path := range []string{"/loggers", "/loggers/app.db", "/level"} {
			assert.Equal(t, 200, e.doFrom(t, "203.0.113.9:1", "GET", path, "").status, path)
		}
		assert.Equal(t, 401, e.doFrom(t, "203.0.113.9:1", "POST", "/loggers/app.db", set).status)
		assert.Equal(t, 401, e.doFrom(t, "203.0.113.9:1", "PUT", "/level", `{"level": "debug"}`).status)
		assert.Equal(t, 401, e.doFrom(t, "203.0.113.9:1", "DELETE", "/loggers/app.db", "").status)
		assert.Equal(t, 401, e.doFrom(t, "203.0.113.9:1", "PATCH", "/loggers/app.db", "").status,
			"a method that is no read is checked before it is refused")
	})
}

// TestAdminFullReconfiguration: a full configuration takes back every
// level set through the endpoint and cancels their expiries: its own
// levels win, and a logger it does not name has its level from before.
// An incremental one leaves them, except on the loggers whose level it
// sets.
func TestAdminFullReconfiguration(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.Logger("app.http")
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`)
	e.do(t, "POST", "/loggers/app.http", `{"configuredLevel": "ERROR"}`)
	e.do(t, "PUT", "/level", `{"level": "WARNING", "expires": "1h"}`)
	e.do(t, "POST", "/loggers/jobs", `{"configuredLevel": "DEBUG", "expires": "5m"}`)
	e.adminLines()

	// An incremental configuration from elsewhere: it sets app.db, whose
	// endpoint level it replaces (and cancels); the others stay.
	e.config(t, jsonConfig(t, `{"version": 1, "incremental": true, "loggers": {"app.db": {"level": "INFO"}, "app": {"propagate": true}}}`))
	assert.Equal(t, []string{"INFO slogtree.admin: level replaced by a configuration logger=app.db level=DEBUG"}, e.adminLines())
	assert.Equal(t, 2, e.clock.waiting(), "app.db's expiry is cancelled; root's and jobs' wait")
	body := e.do(t, "GET", "/loggers", "").json(t)["loggers"].(map[string]any)
	assert.Equal(t, "INFO", body["app.db"].(map[string]any)["configuredLevel"])
	assert.NotContains(t, body["app.db"], "revertsTo")
	assert.Equal(t, "ERROR", body["app.http"].(map[string]any)["configuredLevel"])
	assert.Equal(t, "WARNING", body["root"].(map[string]any)["configuredLevel"])
	e.clock.advance(10 * time.Minute)
	assert.Equal(t, slog.LevelInfo, e.Tree().Logger("app.db").Level, "the cancelled expiry does not undo the newer change")
	assert.Equal(t, []string{"INFO slogtree.admin: level expired logger=jobs from=DEBUG to=NOTSET"}, e.adminLines())

	// A full configuration (a reload of the file, say): app.db takes its
	// level, app.http and root have what they had before the endpoint
	// changed them, and no expiry is left.
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`)
	e.adminLines()
	full := strings.Replace(adminBase, `"app.db": {"level": "WARNING"}`, `"app.db": {"level": "ERROR"}`, 1)
	e.config(t, jsonConfig(t, full))
	assert.Equal(t, []string{
		"INFO slogtree.admin: level replaced by a configuration logger=root level=WARNING",
		"INFO slogtree.admin: level replaced by a configuration logger=app.db level=DEBUG",
		"INFO slogtree.admin: level replaced by a configuration logger=app.http level=ERROR",
	}, e.adminLines())
	assert.Zero(t, e.clock.waiting(), "every expiry is cancelled")
	tree := e.Tree()
	assert.Equal(t, slog.LevelError, tree.Logger("app.db").Level, "the configuration's level")
	assert.Equal(t, LevelNotSet, tree.Logger("app.http").Level, "the level it had before the endpoint changed it")
	assert.Equal(t, slog.LevelInfo, tree.Root.Level)
	body = e.do(t, "GET", "/loggers", "").json(t)["loggers"].(map[string]any)
	for name, l := range body {
		assert.NotContains(t, l, "revertsTo", name)
		assert.NotContains(t, l, "expires", name)
	}
	e.clock.advance(2 * time.Hour)
	assert.Empty(t, e.adminLines())
	res := e.do(t, "DELETE", "/loggers/app.db", "")
	assert.Contains(t, res.body, `"configuredLevel":"ERROR"`, "nothing left to revert")

	// A refused full configuration changes nothing, the endpoint's levels
	// included.
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`)
	require.Error(t, e.DictConfig(jsonConfig(t, `{"version": 1, "root": {"level": "LOUD"}}`)))
	assert.Equal(t, 1, e.clock.waiting())
	assert.Equal(t, slog.LevelDebug, e.Tree().Logger("app.db").Level)
}

// TestAdminConcurrent: POSTs, DELETEs, expiries and reads of several
// clients while goroutines log and the configuration is applied again;
// run with -race. Every request succeeds, and once the last expiry and a
// last full configuration are done, the loggers have their configured
// levels.
func TestAdminConcurrent(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	names := []string{"app", "app.db", "app.http", "root"}
	for _, n := range names {
		e.Logger(n)
	}
	stop := make(chan struct{})
	var loggers sync.WaitGroup
	for i := range 4 {
		loggers.Add(1)
		go func() {
			defer loggers.Done()
			l := e.Logger(names[i])
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				l.Debug("tick", "n", n)
				l.Warn("tock", "n", n)
			}
		}()
	}
	var clients sync.WaitGroup
	for c := range 4 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := range 50 {
				path := "/loggers/" + names[(c+i)%len(names)]
				var res adminResponse
				switch i % 5 {
				case 0, 1:
					res = e.do(t, "POST", path, `{"configuredLevel": "DEBUG", "expires": "1m"}`)
				case 2:
					res = e.do(t, "POST", path, `{"configuredLevel": "ERROR"}`)
				case 3:
					res = e.do(t, "DELETE", path, "")
				default:
					res = e.do(t, "GET", "/loggers", "")
				}
				assert.Equal(t, http.StatusOK, res.status, res.body)
				if i%10 == 9 {
					e.clock.advance(30 * time.Second)
				}
			}
		}()
	}
	clients.Add(1)
	go func() {
		defer clients.Done()
		for range 5 {
			assert.NoError(t, e.DictConfig(jsonConfig(t, adminBase)))
		}
	}()
	clients.Wait()
	close(stop)
	loggers.Wait()
	e.clock.advance(time.Hour)
	e.config(t, jsonConfig(t, adminBase))
	tree := e.Tree()
	assert.Equal(t, slog.LevelInfo, tree.Root.Level)
	assert.Equal(t, slog.LevelInfo, tree.Logger("app").Level)
	assert.Equal(t, slog.LevelWarn, tree.Logger("app.db").Level)
	assert.Equal(t, LevelNotSet, tree.Logger("app.http").Level)
	assert.Zero(t, e.clock.waiting())
	assert.Empty(t, e.reported())
}

// TestAdminShutdown: Shutdown cancels the expiries and forgets the levels
// set (the loggers keep them); with the real clock, no timer outlives it
// (TestMain's goleak checks), and an expiry of the real clock reverts.
func TestAdminShutdown(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`)
	require.NoError(t, e.Shutdown())
	assert.Zero(t, e.clock.waiting())
	assert.Equal(t, slog.LevelDebug, e.Tree().Logger("app.db").Level, "the logger keeps its level")
	res := e.do(t, "DELETE", "/loggers/app.db", "")
	assert.Contains(t, res.body, `"configuredLevel":"DEBUG"`, "forgotten: nothing to revert")

	// The real clock.
	r := newTestEnv(t, "a", "adm")
	r.config(t, jsonConfig(t, adminBase))
	h := r.AdminHandler()
	post := func(body string) {
		req := httptest.NewRequest("POST", "/loggers/app.db", strings.NewReader(body))
		req.RemoteAddr = "127.0.0.1:1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	post(`{"configuredLevel": "DEBUG", "expires": "1ns"}`)
	deadline := time.Now().Add(20 * time.Second) // a safety net under load, not a measure
	for r.Tree().Logger("app.db").Level != slog.LevelWarn {
		require.True(t, time.Now().Before(deadline), "the expiry did not revert app.db")
		time.Sleep(time.Millisecond)
	}
	post(`{"configuredLevel": "DEBUG", "expires": "24h"}`)
	post(`{"configuredLevel": "INFO", "expires": "1ns"}`) // may fire while Shutdown runs
	require.NoError(t, r.Shutdown())
}

// TestAdminExpiryRacingShutdown: an expiry whose timer fired but which has
// not yet taken the configuration lock finds its level gone after
// Shutdown, changes nothing, and is waited for.
func TestAdminExpiryRacingShutdown(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.clock.async = true
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "1m"}`)
	e.adminLines()
	e.cfgMu.Lock()
	e.clock.advance(time.Minute) // the expiry starts, and waits for the lock
	expiring := e.admin.stopAll()
	e.cfgMu.Unlock()
	require.Len(t, expiring, 1, "the fired timer could not be stopped: its end is waited for")
	<-expiring[0]
	assert.Equal(t, slog.LevelDebug, e.Tree().Logger("app.db").Level, "the expiry found its level gone")
	assert.Empty(t, e.adminLines(), "and logged nothing")

	// Through Shutdown itself.
	e.do(t, "POST", "/loggers/app.db", `{"configuredLevel": "ERROR", "expires": "1m"}`)
	e.cfgMu.Lock()
	e.clock.advance(time.Minute)
	e.cfgMu.Unlock()
	require.NoError(t, e.Shutdown()) // returns once the expiry is done, whichever took the lock first
}

// TestAdminHandlerDefault: the package-level AdminHandler serves the
// default Manager.
func TestAdminHandlerDefault(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/level", nil)
	r.RemoteAddr = "127.0.0.1:1"
	w := httptest.NewRecorder()
	AdminHandler().ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, strings.ToLower(levelName(LoggerTree().Root.Level, nil)), got["level"])
}
