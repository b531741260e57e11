package ini

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slogtree/slogtree/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// iniCases are read by both TestParse (against want) and
// TestParseMatchesConfigParser (against CPython).
var iniCases = []struct {
	name     string
	give     string
	defaults map[string]string
	want     string // the rendering of render(); "" when Parse must fail
}{
	{
		name: "delimiters and stripping",
		give: "[s]\na=1\nb : 2\nc  =  x = y  \nd:e=f\n",
		want: "[s] a=1 b=2 c=x = y d=e=f",
	},
	{
		name: "comments are whole lines only",
		give: "# top\n; top\n[s]\n  # indented comment\na = b ; not a comment\nc = d # nor this\n",
		want: "[s] a=b ; not a comment c=d # nor this",
	},
	{
		name: "case-insensitive options, case-sensitive sections",
		give: "[S]\nKeys = A\n[s]\nkeys = b\n",
		want: "[S] keys=A [s] keys=b",
	},
	{
		name: "continuation lines",
		give: "[s]\nargs = (\n    'a',\n    'w')\nnext = 1\n",
		want: "[s] args=(\n'a',\n'w') next=1",
	},
	{
		name: "blank lines inside a value are kept, trailing ones dropped",
		give: "[s]\na = 1\n\n  2\n\n\nb = 3\n\n",
		want: "[s] a=1\n\n2 b=3",
	},
	{
		name: "comment inside a value is dropped",
		give: "[s]\na = 1\n  # c\n  2\n",
		want: "[s] a=1\n2",
	},
	{
		name: "continuation needs more indent than the option line",
		give: "[s]\n  a = 1\n  b = 2\n    c\n",
		want: "[s] a=1 b=2\nc",
	},
	{
		name: "indented header is a continuation",
		give: "[s]\na = 1\n  [t]\n",
		want: "[s] a=1\n[t]",
	},
	{
		name: "empty value",
		give: "[s]\nkeys=\n",
		want: "[s] keys=",
	},
	{
		name: "header runs to the last bracket",
		give: "[a]b] trailing\nx=1\n[ c ]\ny=2\n",
		want: "[a]b] x=1 [ c ] y=2",
	},
	{
		name: "DEFAULT goes to every section",
		give: "[DEFAULT]\nlevel = ERROR\n[a]\nx = 1\n[b]\nlevel = INFO\n",
		want: "[DEFAULT] level=ERROR [a] x=1 level=ERROR [b] level=INFO",
	},
	{
		name: "two DEFAULT sections merge",
		give: "[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nb = 2\n",
		want: "[DEFAULT] a=1 b=2 [s] a=1 b=2",
	},
	{
		name:     "defaults argument, overridden by DEFAULT",
		give:     "[DEFAULT]\nb = file\n[s]\nx = %(A)s-%(b)s\n",
		defaults: map[string]string{"A": "arg", "b": "arg"},
		want:     "[DEFAULT] a=arg b=file [s] x=arg-file a=arg b=file",
	},
	{
		name: "interpolation",
		give: "[DEFAULT]\ndir = /var/log\n[s]\nfile = %(dir)s/app.log\npct = 100%%\nchain = %(file)s!\nself = %(Dir)s\n",
		want: "[DEFAULT] dir=/var/log [s] file=/var/log/app.log pct=100% chain=/var/log/app.log! self=/var/log dir=/var/log",
	},
	{
		name: "interpolation errors stay with their option",
		give: "[s]\nmissing = %(nope)s\nbare = 50%\nbadref = %(x)d\nloop = %(loop)s\nok = fine\n",
		want: "[s] missing=! bare=! badref=! loop=! ok=fine",
	},
	{
		name: "CRLF and CR line ends",
		give: "[s]\r\na = 1\r\nb = 2\rc = 3\r",
		want: "[s] a=1 b=2 c=3",
	},
	{
		name: "unicode white space",
		give: "[s]\n\u00a0a\u2003=\u3000v\u00a0\n",
		want: "[s] a=v",
	},
	{name: "no section header", give: "a = 1\n[s]\n"},
	{name: "indented option before any section", give: "  a = 1\n"},
	{name: "duplicate section", give: "[s]\n[t]\n[s]\n"},
	{name: "duplicate option", give: "[s]\na = 1\nA = 2\n"},
	{name: "duplicate option in DEFAULT", give: "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n"},
	{name: "line without a delimiter", give: "[s]\njust words\n"},
	{name: "option without a name", give: "[s]\n= 1\n"},
	{name: "empty brackets", give: "[]\n"},
	{name: "duplicate defaults keys", give: "[s]\n", defaults: map[string]string{"A": "1", "a": "2"}},
	{
		name: "empty file",
		give: "",
		want: "",
	},
}

// render lists every section with its options, DEFAULT first when it has
// any, a value that fails to interpolate as "!".
func render(f *File) string {
	var parts []string
	names := f.Sections()
	if len(f.Options(DefaultSection)) > 0 {
		names = append([]string{DefaultSection}, names...)
	}
	for _, s := range names {
		parts = append(parts, "["+s+"]")
		for _, o := range f.Options(s) {
			v, err := f.Get(s, o)
			if err != nil {
				v = "!"
			}
			parts = append(parts, o+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range iniCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Parse(tt.give, tt.defaults)
			if tt.want == "" && tt.give != "" {
				require.Error(t, err)
				var se *SyntaxError
				assert.ErrorAs(t, err, &se)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, render(f))
		})
	}
}

func TestParseErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "no header", give: "\n\na = 1\n", want: `line 3: no section header before "a = 1": the file must start with a [section] line`},
		{name: "every bad line", give: "[s]\nx\n[s]\ny\n", want: `line 2: want option = value or a [section] header, got "x"; line 3: section "s" given twice; line 4: want option = value or a [section] header, got "y"`},
		{name: "duplicate option", give: "[s]\nA=1\na=2\n", want: `line 3: option "a" in section "s" given twice`},
		{name: "invalid UTF-8", give: "[s]\na=\xff\n", want: `line 2: not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.give, nil)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	f, err := Parse("[DEFAULT]\nd = 1\n[s]\na = %(d)s%%\nbad = %(nope)s\n", nil)
	require.NoError(t, err)
	tests := []struct {
		name    string
		section string
		option  string
		want    string
		wantErr error
		wantMsg string
	}{
		{name: "own", section: "s", option: "A", want: "1%"},
		{name: "inherited", section: "s", option: "d", want: "1"},
		{name: "DEFAULT itself", section: "DEFAULT", option: "d", want: "1"},
		{name: "no section", section: "t", option: "a", wantErr: ErrNoSection},
		{name: "no option", section: "s", option: "x", wantErr: ErrNoOption},
		{name: "interpolation", section: "s", option: "bad", wantMsg: `option "bad" in section "s": %(nope)s names no option of the section or the defaults (raw value "%(nope)s")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := f.Get(tt.section, tt.option)
			switch {
			case tt.wantErr != nil:
				assert.ErrorIs(t, err, tt.wantErr)
			case tt.wantMsg != "":
				assert.EqualError(t, err, tt.wantMsg)
				var ie *InterpolationError
				assert.True(t, errors.As(err, &ie))
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
	raw, ok := f.Raw("s", "a")
	assert.True(t, ok)
	assert.Equal(t, "%(d)s%%", raw)
	assert.True(t, f.Has("s", "D"))
	assert.False(t, f.Has("t", "d"))
}

// TestParseMatchesConfigParser reads every iniCases source with CPython's
// configparser and compares sections, options and interpolated values.
func TestParseMatchesConfigParser(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	type pyCase struct {
		Src      string            `json:"src"`
		Defaults map[string]string `json:"defaults"`
	}
	var in []pyCase
	for _, tt := range iniCases {
		in = append(in, pyCase{tt.give, tt.defaults})
	}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "cpread.py"))
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var res []struct {
		Error    string  `json:"error"`
		Sections [][]any `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(out, &res))
	require.Len(t, res, len(iniCases))
	for i, tt := range iniCases {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.give, tt.defaults)
			if res[i].Error != "" {
				assert.Error(t, err, "CPython: %s", res[i].Error)
				return
			}
			require.NoError(t, err)
			var parts []string
			for _, s := range res[i].Sections {
				name := s[0].(string)
				opts := s[1].([]any)
				if name == DefaultSection && len(opts) == 0 {
					continue
				}
				parts = append(parts, "["+name+"]")
				for _, o := range opts {
					kv := o.([]any)
					v := kv[1].(string)
					if strings.HasPrefix(v, "!") {
						v = "!"
					}
					parts = append(parts, kv[0].(string)+"="+v)
				}
			}
			assert.Equal(t, strings.Join(parts, " "), render(f))
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range iniCases {
		f.Add(tt.give)
	}
	f.Add("[loggers]\nkeys=root\n[logger_root]\nhandlers=\nlevel=%(x)s\n[DEFAULT]\nx=%(x)s\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse(src, map[string]string{"d": "%(d)s"})
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || len(se.Problems) == 0 {
				t.Fatalf("error %v: want a *SyntaxError with problems", err)
			}
			return
		}
		// Every option reads, or fails with an interpolation error; none
		// recurses without bound.
		for _, s := range append([]string{DefaultSection}, file.Sections()...) {
			for _, o := range file.Options(s) {
				if !file.Has(s, o) {
					t.Fatalf("option %q of %q is listed but not there", o, s)
				}
				if _, err := file.Get(s, o); err != nil {
					var ie *InterpolationError
					if !errors.As(err, &ie) {
						t.Fatalf("Get(%q, %q): %v", s, o, err)
					}
				}
			}
		}
	})
}

// TestGetBoundsExpansion refuses values whose interpolation would grow
// exponentially, where Python runs out of memory.
func TestGetBoundsExpansion(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("[s]\nl0 = " + strings.Repeat("x", 1000) + "\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("l" + string(rune('0'+i)) + " = " + strings.Repeat("%(l"+string(rune('0'+i-1))+")s", 50) + "\n")
	}
	b.WriteString("e0 =\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("e" + string(rune('0'+i)) + " = " + strings.Repeat("%(e"+string(rune('0'+i-1))+")s", 50) + "\n")
	}
	f, err := Parse(b.String(), nil)
	require.NoError(t, err)
	_, err = f.Get("s", "l9")
	assert.ErrorContains(t, err, "interpolated value longer than")
	_, err = f.Get("s", "e9")
	assert.ErrorContains(t, err, "more than 100000 substitutions")
	got, err := f.Get("s", "l1")
	require.NoError(t, err)
	assert.Len(t, got, 50*1000)
}
