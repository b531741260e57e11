package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMailHeaders builds mails from any sender, recipients, subject and
// text: the parser and the folding never panic, and a mail they accept is
// well formed: ASCII headers, each line of a header after its first
// starting with whitespace, the seven headers of CPython's mail in order,
// "\r\n" line ends, and a body of the encoding the header names.
func FuzzMailHeaders(f *testing.F) {
	for _, c := range mailCorpus() {
		f.Add(c.From, strings.Join(c.To, "\x00"), c.Subject, c.Body)
	}
	f.Add("a@b.c", "x@y.z", "=?utf-8?q?a?=", "")
	f.Add(`"\" <a@b.c>`, "(c) x@y.z", "a\rb", "\xff")
	f.Fuzz(func(t *testing.T, from, to, subject, body string) {
		h, err := newMailHeaders(from, strings.Split(to, "\x00"), subject)
		if err != nil {
			return
		}
		msg := string(h.message(mailDate, body))
		head, text, ok := strings.Cut(msg, "\r\n\r\n")
		if !ok {
			t.Fatalf("no end of headers: %q", msg)
		}
		var names []string
		for i, l := range strings.Split(head, "\r\n") {
			if !isASCII(l) || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("header line %d %q is not ASCII", i, l)
			}
			if l != "" && (l[0] == ' ' || l[0] == '\t') {
				continue
			}
			name, _, ok := strings.Cut(l, ":")
			if !ok {
				t.Fatalf("header line %d %q neither starts a header nor continues one", i, l)
			}
			names = append(names, name)
		}
		if got := strings.Join(names, ","); got != "From,To,Subject,Date,Content-Type,Content-Transfer-Encoding,MIME-Version" {
			t.Fatalf("headers %s in %q", got, head)
		}
		if !strings.HasSuffix(text, "\r\n") || strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
			t.Fatalf("body line ends: %q", text)
		}
		cte := head[strings.Index(head, "Content-Transfer-Encoding: ")+len("Content-Transfer-Encoding: "):]
		cte, _, _ = strings.Cut(cte, "\r\n")
		switch cte {
		case "7bit", "quoted-printable", "base64":
			if !isASCII(text) {
				t.Fatalf("%s body is not ASCII: %q", cte, text)
			}
		case "8bit":
			if !utf8.ValidString(text) {
				t.Fatalf("8bit body is not UTF-8: %q", text)
			}
		default:
			t.Fatalf("Content-Transfer-Encoding %q", cte)
		}
		if len(h.recipients) == 0 || h.sender == "" {
			t.Fatalf("envelope: from %q to %q", h.sender, h.recipients)
		}
	})
}
