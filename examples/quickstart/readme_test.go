package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goTool returns the go command that runs the tests.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	require.NoError(t, err, "the go command, to build the program")
	return p
}

// readmeBlock returns the first fenced block of kind lang after the line
// containing after in the repository's README.
func readmeBlock(t *testing.T, readme, after, lang string) string {
	t.Helper()
	i := strings.Index(readme, after)
	require.GreaterOrEqual(t, i, 0, "README has %q", after)
	rest := readme[i:]
	start := strings.Index(rest, "```"+lang+"\n")
	require.GreaterOrEqual(t, start, 0, "a ```%s block after %q", lang, after)
	rest = rest[start+len("```"+lang+"\n"):]
	end := strings.Index(rest, "```")
	require.GreaterOrEqual(t, end, 0)
	return rest[:end]
}

// TestREADMEUsage builds the README's Usage program as shown, runs it
// with the README's logging.yaml, and compares what its console shows
// with what the README says it shows (time stamps aside).
func TestREADMEUsage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	readme := string(data)
	program := readmeBlock(t, readme, "## Usage", "go")
	config := readmeBlock(t, readme, "## Usage", "yaml")
	shown := readmeBlock(t, readme, "The console then shows", "")

	// A directory named testdata inside the module: the go command builds
	// it with the module's requirements and ./... never lists it.
	src, err := os.MkdirTemp(".", "testdata-readme-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(src) })
	pkg := filepath.Join(src, "testdata")
	require.NoError(t, os.Mkdir(pkg, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "main.go"), []byte(program), 0o644))
	bin := filepath.Join(t.TempDir(), "usage")
	build := exec.Command(goTool(t), "build", "-o", bin, "./"+filepath.ToSlash(pkg))
	out, err := build.CombinedOutput()
	require.NoError(t, err, "the README's Usage program does not build:\n%s", out)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "logging.yaml"), []byte(config), 0o644))
	run := exec.Command(bin)
	run.Dir = dir
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	require.NoError(t, run.Run(), "stderr: %s", stderr.String())
	stamp := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)
	assert.Equal(t, stamp.ReplaceAllString(shown, ""), stamp.ReplaceAllString(stdout.String(), ""))
	jsonLog, err := os.ReadFile(filepath.Join(dir, "app.log"))
	require.NoError(t, err, "the JSON log the README describes")
	assert.Regexp(t, `(?m)^\{"time":"[^"]+","level":"DEBUG","msg":"query","logger":"app.db","rows":3\}$`, string(jsonLog))
}

// TestQuickstartLeavesNothing runs the program with its own temporary
// directory: it removes what it wrote there, and says so.
func TestQuickstartLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	bin := filepath.Join(t.TempDir(), "quickstart")
	out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	tmp := t.TempDir()
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "TMPDIR="+tmp, "QUICKSTART_LOG=")
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "== removed "+tmp)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "what the program left in its temporary directory")
}
