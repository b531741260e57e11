package slogconfig_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/slogtree/slogtree/slogconfig"
)

// expires matches the expiry of a level, a time that varies.
var expires = regexp.MustCompile(`"expires":"[^"]*"`)

// AdminHandler serves the loggers' levels to operators: here an operator
// turns app.db to DEBUG for ten minutes, then takes it back. A program
// serves it on a loopback port of its own, with a bearer token.
func ExampleManager_AdminHandler() {
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	defer m.Shutdown()
	err := m.DictConfig(map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"f": map[string]any{"format": "%(levelname)s %(name)s: %(message)s"},
			// The endpoint's lines also carry the expiry and the client's
			// address, which vary: this example leaves them out.
			"admin": map[string]any{"format": "%(levelname)s %(name)s: %(message)s %(logger)s %(from)s -> %(to)s",
				"extras": "ignore"},
		},
		"handlers": map[string]any{
			"out":   map[string]any{"class": "stream", "stream": "ext://sys.stdout", "formatter": "f"},
			"admin": map[string]any{"class": "stream", "stream": "ext://sys.stdout", "formatter": "admin"},
		},
		"loggers": map[string]any{
			"app.db":         map[string]any{"level": "WARNING"},
			"slogtree.admin": map[string]any{"level": "INFO", "handlers": []any{"admin"}, "propagate": false},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"out"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(m.AdminHandler(slogconfig.AdminBearerToken("s3cret")))
	defer srv.Close()
	call := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		fmt.Print(res.Status, " ", expires.ReplaceAllString(string(b), `"expires":"…"`))
	}

	db := m.Logger("app.db")
	call("GET", "/loggers/app.db", "")
	call("POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "10m"}`) // logged on slogtree.admin
	db.Debug("query", "rows", 3)
	call("DELETE", "/loggers/app.db", "")
	db.Debug("not shown at WARNING")
	// Output:
	// 200 OK {"configuredLevel":"WARNING","effectiveLevel":"WARNING","handlers":[],"propagate":true,"disabled":false}
	// INFO slogtree.admin: level set app.db WARNING -> DEBUG
	// 200 OK {"configuredLevel":"DEBUG","effectiveLevel":"DEBUG","handlers":[],"propagate":true,"disabled":false,"expires":"…","revertsTo":"WARNING"}
	// DEBUG app.db: query rows=3
	// INFO slogtree.admin: level reverted app.db DEBUG -> WARNING
	// 200 OK {"configuredLevel":"WARNING","effectiveLevel":"WARNING","handlers":[],"propagate":true,"disabled":false}
}
