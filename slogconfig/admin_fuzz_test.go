package slogconfig

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzAdminHandler sends arbitrary requests (a method, a path, a body, with
// and without the token) to the admin endpoint: every answer is a JSON
// object with a status the endpoint documents, and the Manager still takes
// a configuration and logs through it afterwards.
func FuzzAdminHandler(f *testing.F) {
	seeds := []struct {
		method byte
		path   string
		body   string
		auth   bool
	}{
		{0, "/loggers", "", true},
		{0, "/loggers/app.db", "", false},
		{1, "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`, true},
		{1, "/loggers/app", `{"configuredLevel": null}`, true},
		{1, "/loggers/x", `{"configuredLevel": "LOUD", "expires": "-1s"}`, true},
		{2, "/loggers/app.db", "", true},
		{3, "/level", `{"level": "debug"}`, true},
		{0, "/level", "", true},
		{1, "/loggers/", `{`, true},
		{4, "/loggers/%2e%2e", "null", true},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body), s.auth)
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch, http.MethodHead}
	documented := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true, 413: true}
	f.Fuzz(func(t *testing.T, m byte, path string, body []byte, auth bool) {
		e := &adminEnv{testEnv: newTestEnv(t, "a", "adm"), clock: newAdminFakeClock()}
		e.config(t, jsonConfig(t, adminBase))
		e.h = e.AdminHandler(adminWithClock(e.clock), AdminBearerToken("s3cret"))
		req, err := http.NewRequest(methods[int(m)%len(methods)], "http://127.0.0.1"+path, bytes.NewReader(body))
		if err != nil || req.URL.Path == "" {
			return // not a request a client can send
		}
		req.RemoteAddr = "127.0.0.1:4321"
		if auth {
			req.Header.Set("Authorization", "Bearer s3cret")
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if !documented[w.Code] {
			t.Fatalf("%s %q: status %d", req.Method, path, w.Code)
		}
		if req.Method != http.MethodHead {
			var v map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s %q: status %d, body %q is not a JSON object: %v", req.Method, path, w.Code, w.Body.String(), err)
			}
		}
		e.clock.advance(25 * time.Hour) // every expiry due
		e.config(t, jsonConfig(t, adminBase))
		e.Logger("app").Info("still logging")
		if got := e.take("a"); got != "INFO app: still logging\n" {
			t.Fatalf("after %s %q the Manager logs %q", req.Method, path, got)
		}
	})
}
