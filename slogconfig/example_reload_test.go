package slogconfig_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/slogtree/slogtree/slogconfig"
)

// Watch applies a configuration file before it returns, then applies it
// again each time it changes. A program would add
// slogconfig.ReloadOnSignal(syscall.SIGHUP) for operators. The file says
// disable_existing_loggers: false, or each reload would disable the
// loggers the program made that it does not name, as dictConfig does.
func ExampleManager_Watch() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "logging.json")
	write := func(level string) error {
		// Written to a temporary file renamed over the configuration, as
		// deployment tools do, so that it is never read half written.
		tmp := path + ".tmp"
		err := os.WriteFile(tmp, []byte(`{"version": 1, "disable_existing_loggers": false,
			"formatters": {"f": {"format": "%(levelname)s %(name)s: %(message)s"}},
			"handlers": {"out": {"class": "stream", "stream": "ext://sys.stdout", "formatter": "f"}},
			"root": {"level": "`+level+`", "handlers": ["out"]}}`), 0o644)
		if err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	if err := write("INFO"); err != nil {
		fmt.Println(err)
		return
	}

	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	defer m.Shutdown()
	w, err := m.Watch(path) // applies the file now
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close() // before Shutdown

	db := m.Logger("app.db")
	db.Debug("not shown at INFO")
	db.Info("connected")

	start := w.LastReload()
	if err := write("DEBUG"); err != nil { // an operator turns on debugging
		fmt.Println(err)
		return
	}
	for deadline := time.Now().Add(10 * time.Second); w.LastReload().Equal(start); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			fmt.Println("not reloaded:", w.Err())
			return
		}
	}
	db.Debug("query", "rows", 3)
	// Output:
	// INFO app.db: connected
	// DEBUG app.db: query rows=3
}

// Reopen moves every file of the configuration to a new file at its path,
// after a rotation by logrotate's "create", which renamed it away.
func ExampleManager_Reopen() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.log")
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	defer m.Shutdown()
	err = m.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": map[string]any{"format": "%(message)s"}},
		"handlers":   map[string]any{"file": map[string]any{"class": "file", "filename": path, "formatter": "f"}},
		"root":       map[string]any{"level": "INFO", "handlers": []any{"file"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	m.Logger("app").Info("before the rotation")
	if err := os.Rename(path, path+".1"); err != nil { // logrotate
		fmt.Println(err)
		return
	}
	m.Logger("app").Info("still to the renamed file")
	if err := m.Reopen(); err != nil { // on logrotate's signal
		fmt.Println(err)
		return
	}
	m.Logger("app").Info("after Reopen")

	for _, name := range []string{path + ".1", path} {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s:\n%s", filepath.Base(name), b)
	}
	// Output:
	// app.log.1:
	// before the rotation
	// still to the renamed file
	// app.log:
	// after Reopen
}
