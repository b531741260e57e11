package slogconfig

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocsListEveryClass: the README names every class the Registry has
// built in, Go names and Python aliases, and the package documentation
// names every Go name and every Python alias that is not a
// logging.handlers class.
func TestDocsListEveryClass(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	pkgDoc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	r := NewRegistry()
	var all []string
	all = append(all, names(r, r.handlers)...)
	all = append(all, names(r, r.formatters)...)
	all = append(all, names(r, r.filters)...)
	for _, n := range all {
		assert.True(t, strings.Contains(string(readme), "`"+n+"`"), "README's class table does not name %q", n)
		short, isHandlers := strings.CutPrefix(n, "logging.handlers.")
		if isHandlers {
			n = short // the package doc names them once, after their prefix
		}
		named := regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`).Match(pkgDoc)
		assert.True(t, named, "slogconfig's doc.go does not name %q", n)
	}
}
