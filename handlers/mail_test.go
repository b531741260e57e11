package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/testutil"
)

// mailCase is one mail of TestMailMatchesCPython.
type mailCase struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// mailDate is the Date of every mail of the comparison.
var mailDate = time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))

// mailCorpus is written out: the forms a configuration gives, the edges of
// the folding and of the body encodings.
func mailCorpus() []mailCase {
	long := strings.Repeat("word ", 30)
	lines := func(n int, line string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(line)
			if i < n-1 {
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	c := []mailCase{
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "Log", Body: "hello"},
		{From: "App Server <app@example.com>", To: []string{"ops@example.com", "Dev Team <dev@example.com>"}, Subject: "Error in app — über", Body: "hällo wörld"},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "A very long subject line that goes on and on and on past the seventy-eight column limit of headers", Body: strings.Repeat("x", 100)},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "x", Body: "line1\nline2\r\nline3\rline4"},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "x", Body: strings.Repeat("ü", 100)},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "", Body: ""},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "x", Body: "trailing\n"},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "x", Body: ".leading dot\n.\nFrom the start\nmore"},
		{From: "app@example.com", To: []string{"operations-team@example.com", "developers-list@example.com", "another.person@example.org", "x@y.z"}, Subject: "Log", Body: "b"},
		{From: "Jöhn Dœ <app@example.com>", To: []string{`"Smith, John" <js@example.com>`, "Ünïcode Pérson <u@example.com>"}, Subject: "Łódź error: something happened at the disk subsystem while writing a very long block", Body: "b"},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: strings.Repeat("x", 100), Body: "b"},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: long, Body: long},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: "ab  cd\tef  ", Body: "b"},
		{From: "app@example.com", To: []string{"ops@example.com"}, Subject: strings.Repeat("ü", 100), Body: "b"},
		{From: "a@b.c", To: []string{"Jöhn <a@b.c>,Ünïcode Pérson <u@b.c>"}, Subject: "Łódź error: ü", Body: "b"},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "ab \u00a0cd", Body: "b"},
		{From: "John Q. Public <a@b.c>", To: []string{" x@y.z ", "First  Last<a@b.c> ", `"Q, N" <a@b.c>`, "<a@b.c>"}, Subject: "a", Body: "b"},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "s", Body: "trailing space \nand tab\t\n" + strings.Repeat("y", 77) + " \n" + strings.Repeat("z", 76) + "\t\n" + strings.Repeat("q", 90) + " "},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "s", Body: lines(12, strings.Repeat("=", 30)+strings.Repeat("a", 60))},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "s", Body: lines(12, strings.Repeat("é", 50))},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "s", Body: lines(3, strings.Repeat("a", 78)) + "\n" + strings.Repeat("a", 79)},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "s", Body: "ctrl \x00\x01\x7f \v form\ffeed \x1c\x85 end " + strings.Repeat("b", 80)},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "emoji 😀 and 日本語のテキスト " + strings.Repeat("長", 40), Body: strings.Repeat("😀", 30)},
		{From: "a@b.c", To: []string{"x@y.z"}, Subject: "2024-01-02 03:04:05,678 - app.db - ERROR - connection to the database server was lost while executing a query", Body: "2024-01-02 03:04:05,678 - app.db - ERROR - connection to the database server was lost while executing a query\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nValueError: boom"},
	}
	return c
}

// randomMailCorpus returns n mails made of random pieces, the same for a
// seed.
func randomMailCorpus(seed uint64, n int) []mailCase {
	rng := rand.New(rand.NewPCG(seed, 0))
	pieces := []string{"a", "b", "word", " ", "  ", "\t", "ü", "日本", "😀", "=", ".", "_", "?", ",", "-", "x", "é", "\u00a0", ":", "'", "\"", "Z9"}
	text := func(max int) string {
		var b strings.Builder
		for range rng.IntN(max) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	body := func() string {
		var b strings.Builder
		for range rng.IntN(14) {
			b.WriteString(text(60))
			b.WriteString([]string{"\n", "\r\n", "\r", "\n\n", " \n"}[rng.IntN(5)])
		}
		b.WriteString(text(120))
		return b.String()
	}
	names := []string{"Ops", "Jöhn Dœ", "Ünïcode Pérson", "First  Last", `"Smith, John"`, `"Q. Ü"`, "John Q. Public", "A Very Long Display Name Of Someone Important", "日本 語"}
	locals := []string{"a", "ops", "first.last", "x+tag", "o'brien", "very.long.local.part.of.an.address"}
	domains := []string{"b.c", "example.com", "mail.example.org", "a-very-long-domain-name-for-testing.example.net"}
	addr := func() string {
		a := locals[rng.IntN(len(locals))] + "@" + domains[rng.IntN(len(domains))]
		switch rng.IntN(4) {
		case 0:
			return a
		case 1:
			return " " + a
		default:
			sep := []string{" ", "", "  "}[rng.IntN(3)]
			return names[rng.IntN(len(names))] + sep + "<" + a + ">"
		}
	}
	var out []mailCase
	for range n {
		c := mailCase{From: addr(), Subject: strings.TrimLeft(text(40), ""), Body: body()}
		for range 1 + rng.IntN(5) {
			c.To = append(c.To, addr())
		}
		if strings.Contains(c.Subject, "=?") {
			c.Subject = strings.ReplaceAll(c.Subject, "=?", "= ?")
		}
		out = append(out, c)
	}
	return out
}

// pyMail is what testdata/pymail.py made of one case.
type pyMail struct {
	Mail  string   `json:"mail"`
	From  string   `json:"from"`
	To    []string `json:"to"`
	Error string   `json:"error"`
}

// TestMailMatchesCPython builds the mails of a written corpus and of a
// few thousand random ones as CPython's SMTPHandler does and compares the
// bytes: headers, Content-Transfer-Encoding, body, and the addresses of
// the SMTP envelope.
func TestMailMatchesCPython(t *testing.T) {
	py := testutil.Python3(t)
	t.Parallel()
	cases := append(mailCorpus(), randomMailCorpus(1, 2000)...)
	in, err := json.Marshal(cases)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "pymail.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "pymail.py: %s", stderr.String())
	var want []pyMail
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &want))
	require.Len(t, want, len(cases))
	failures := 0
	for i, c := range cases {
		w := want[i]
		h, err := newMailHeaders(c.From, c.To, c.Subject)
		if w.Error != "" {
			assert.Error(t, err, "case %d %+v: CPython fails with %s", i, c, w.Error)
			continue
		}
		if !assert.NoError(t, err, "case %d %+v", i, c) {
			failures++
			continue
		}
		mail, err := base64.StdEncoding.DecodeString(w.Mail)
		require.NoError(t, err)
		mail = withContinuationSpaces(mail)
		got := h.message(mailDate, c.Body)
		if !assert.Equal(t, string(mail), string(got), "case %d: %+v", i, c) ||
			!assert.Equal(t, w.From, h.sender, "case %d: MAIL FROM", i) ||
			!assert.Equal(t, w.To, h.recipients, "case %d: RCPT TO", i) {
			failures++
		}
		if failures > 10 {
			t.Fatal("more than 10 cases differ")
		}
	}
}

// withContinuationSpaces puts a space at the start of each line of the
// header that starts without whitespace and is none of the headers: the
// deviation of refold, where CPython breaks the header.
func withContinuationSpaces(mail []byte) []byte {
	head, body, _ := bytes.Cut(mail, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	for i, l := range lines {
		name, _, ok := strings.Cut(l, ":")
		switch {
		case l == "" || l[0] == ' ' || l[0] == '\t':
		case ok && slices.Contains([]string{"From", "To", "Subject", "Date", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"}, name):
		default:
			lines[i] = " " + l
		}
	}
	return append([]byte(strings.Join(lines, "\r\n")+"\r\n\r\n"), body...)
}
