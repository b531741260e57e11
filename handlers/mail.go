package handlers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// This file writes the mail of Python's SMTPHandler as CPython 3.11's
// email package writes it: an EmailMessage with From, To, Subject and
// Date, whose set_content(text) picks a Content-Transfer-Encoding with
// the heuristics of email.contentmanager, flattened by BytesGenerator
// with email.policy.default. Headers are folded with a port of
// email._header_value_parser._refold_parse_tree over the parse tree
// CPython makes of them, so that the bytes are CPython's.

// mailMaxLine is email.policy.default's max_line_length.
const mailMaxLine = 78

// mailHeaders are the headers of every mail of one handler, folded once:
// From, To and Subject lines, each ending in "\r\n".
type mailHeaders struct {
	from, to, subject string
	sender            string   // the From address, for MAIL FROM
	recipients        []string // the To addresses, for RCPT TO
}

// newMailHeaders parses and folds the headers of from, to (joined with
// ",", as SMTPHandler joins toaddrs) and subject, or returns an error for
// what CPython's email package would refuse, or what this port does not
// take (see parseAddressList).
func newMailHeaders(from string, to []string, subject string) (*mailHeaders, error) {
	var errs []error
	h := &mailHeaders{}
	fromList, err := parseAddressList(from)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("from address %q: %w", from, err))
	case len(fromList.addrs) != 1:
		errs = append(errs, fmt.Errorf("from address %q: want one address, got %d", from, len(fromList.addrs)))
	default:
		h.sender = fromList.addrs[0]
		if h.from, err = foldHeader("From", fromList.tree); err != nil {
			errs = append(errs, fmt.Errorf("from address %q: %w", from, err))
		}
	}
	if len(to) == 0 {
		errs = append(errs, errors.New("to addresses: want at least one"))
	} else {
		joined := strings.Join(to, ",")
		toList, err := parseAddressList(joined)
		if err != nil {
			errs = append(errs, fmt.Errorf("to addresses %q: %w", joined, err))
		} else {
			h.recipients = toList.addrs
			if h.to, err = foldHeader("To", toList.tree); err != nil {
				errs = append(errs, fmt.Errorf("to addresses %q: %w", joined, err))
			}
		}
	}
	if err := checkHeaderText(subject); err != nil {
		errs = append(errs, fmt.Errorf("subject %q: %w", subject, err))
	} else if h.subject, err = foldHeader("Subject", parseUnstructured(subject)); err != nil {
		errs = append(errs, fmt.Errorf("subject %q: %w", subject, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return h, nil
}

// checkHeaderText refuses what EmailMessage refuses in a header value
// (line breaks, by Python's str.splitlines), invalid UTF-8, and RFC 2047
// encoded words, which CPython would decode and this port does not.
func checkHeaderText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("invalid UTF-8")
	}
	if i := strings.IndexFunc(s, pyLineBreak); i >= 0 {
		return fmt.Errorf("a header may not contain a line break (%q)", s[i:i+utf8.RuneLen(rune(s[i]))])
	}
	if strings.Contains(s, "=?") {
		return errors.New(`"=?" (an RFC 2047 encoded word) is not supported in a header`)
	}
	return nil
}

// pyLineBreak reports whether r is a line boundary of Python's
// str.splitlines.
func pyLineBreak(r rune) bool {
	switch r {
	case '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// pySpace reports whether r is whitespace to Python's str.isspace (what
// str.lstrip removes).
func pySpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// message returns the mail of one record, as CPython's SMTPHandler sends
// it: the headers, the Date, the content headers and body of text, with
// "\r\n" line ends. The SMTP client adds the dot-stuffing.
func (h *mailHeaders) message(date time.Time, text string) []byte {
	cte, body := encodeMailText(text)
	var b strings.Builder
	b.Grow(len(h.from) + len(h.to) + len(h.subject) + len(body) + 200)
	b.WriteString(h.from)
	b.WriteString(h.to)
	b.WriteString(h.subject)
	// email.utils.format_datetime(email.utils.localtime()): short and ASCII,
	// so never folded.
	b.WriteString("Date: ")
	b.WriteString(date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	b.WriteString("\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: ")
	b.WriteString(cte)
	b.WriteString("\r\nMIME-Version: 1.0\r\n\r\n")
	// smtplib's BytesGenerator has no policy, so it mangles "From " at the
	// start of a line, as for an mbox.
	if strings.HasPrefix(body, "From ") {
		b.WriteByte('>')
	}
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\nFrom ", "\n>From "), "\n", "\r\n"))
	return []byte(b.String())
}

// encodeMailText is email.contentmanager._encode_text(text, "utf-8", None,
// email.policy.default): the Content-Transfer-Encoding and the body, with
// "\n" line ends. Invalid UTF-8 (which a Python str cannot hold) is
// replaced by U+FFFD first.
func encodeMailText(text string) (cte, body string) {
	text = strings.ToValidUTF8(text, "\uFFFD")
	lines := bytesSplitLines(text)
	longest := 0
	ascii := true
	for _, l := range lines {
		longest = max(longest, len(l))
		for i := 0; i < len(l) && ascii; i++ {
			ascii = l[i] < 0x80
		}
	}
	normal := strings.Join(lines, "\n") + "\n"
	if longest <= mailMaxLine {
		if ascii {
			return "7bit", normal
		}
		return "8bit", normal // policy.default's cte_type is 8bit
	}
	// email.policy.default's linesep is "\n", so the embedded body of the
	// sniff is the normal body of its lines.
	sniff := strings.Join(lines[:min(len(lines), 10)], "\n") + "\n"
	sniffQP := quopriBodyEncode(sniff, mailMaxLine)
	sniffB64 := base64.StdEncoding.EncodedLen(len(sniff)) + 1 // binascii.b2a_base64 adds a newline
	if len(sniffQP) > sniffB64 {
		return "base64", encodeBase64Lines(normal, mailMaxLine)
	}
	if len(lines) <= 10 {
		return "quoted-printable", sniffQP
	}
	return "quoted-printable", quopriBodyEncode(normal, mailMaxLine)
}

// bytesSplitLines is Python's bytes.splitlines: lines end at "\n", "\r"
// or "\r\n", and the ends are dropped.
func bytesSplitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// quopriSafe are the bytes quoprimime's body encoding leaves as they are
// ("\r" and "\n" too, as line ends).
var quopriSafe = func() (safe [256]bool) {
	for _, c := range []byte(" !\"#$%&'()*+,-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t\r\n") {
		safe[c] = true
	}
	return safe
}()

// quopriBodyEncode is email.quoprimime.body_encode(body, maxlinelen) with
// eol "\n", over the bytes of body (CPython decodes them as Latin-1
// first, one character per byte).
func quopriBodyEncode(body string, maxlinelen int) string {
	if body == "" {
		return ""
	}
	var t strings.Builder
	for i := 0; i < len(body); i++ {
		if c := body[i]; quopriSafe[c] {
			t.WriteByte(c)
		} else {
			fmt.Fprintf(&t, "=%02X", c)
		}
	}
	translated := t.String()
	maxlinelen1 := maxlinelen - 1
	var out []string
	for _, line := range strSplitLinesCRLF(translated) {
		start := 0
		laststart := len(line) - 1 - maxlinelen
		for start <= laststart {
			stop := start + maxlinelen1
			switch {
			case line[stop-2] == '=':
				out = append(out, line[start:stop-1])
				start = stop - 2
			case line[stop-1] == '=':
				out = append(out, line[start:stop])
				start = stop - 1
			default:
				out = append(out, line[start:stop]+"=")
				start = stop
			}
		}
		if line != "" && (line[len(line)-1] == ' ' || line[len(line)-1] == '\t') {
			room := start - laststart
			var q string
			switch {
			case room >= 3:
				q = fmt.Sprintf("=%02X", line[len(line)-1])
			case room == 2:
				q = line[len(line)-1:] + "=\n"
			default:
				q = fmt.Sprintf("=\n=%02X", line[len(line)-1])
			}
			out = append(out, line[start:len(line)-1]+q)
		} else {
			out = append(out, line[start:])
		}
	}
	if c := translated[len(translated)-1]; c == '\r' || c == '\n' {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// strSplitLinesCRLF is Python's str.splitlines of a string whose only
// line breaks are "\r" and "\n" (the others are quoted by then).
func strSplitLinesCRLF(s string) []string { return bytesSplitLines(s) }

// encodeBase64Lines is email.contentmanager._encode_base64: base64 in
// lines of maxLine/4*3 input bytes, each ended by "\n".
func encodeBase64Lines(data string, maxLine int) string {
	per := maxLine / 4 * 3
	var b strings.Builder
	for i := 0; i < len(data); i += per {
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(data[i:min(i+per, len(data))])))
		b.WriteByte('\n')
	}
	return b.String()
}

// A mailToken is a node of the parse tree of a header value, as
// email._header_value_parser makes it: a terminal (text) or a list
// (parts), with the attributes the folding reads.
type mailToken struct {
	kind  string // token_type: "vtext", "fws", "atext", "ptext", "dot", "cfws", "atom", ...
	text  string // a terminal's text
	parts []*mailToken
	list  bool

	noEW      bool // the list's class sets as_ew_allowed = False
	ewAlways  bool // the list's class sets as_ew_allowed = True (DotAtomText)
	ws        bool // a WhiteSpaceTerminal
	ewWS      bool // an EWWhiteSpaceTerminal: whitespace between encoded words, rendered as ""
	quoted    bool // a BareQuotedString: rendered quoted
	endMarker bool // _refold_parse_tree's end_ew_not_allowed
}

func terminal(kind, text string) *mailToken {
	return &mailToken{kind: kind, text: text, ws: kind == "fws"}
}

func tokenList(kind string, parts ...*mailToken) *mailToken {
	return &mailToken{kind: kind, list: true, parts: parts}
}

// String is str() of the token.
func (t *mailToken) String() string {
	if !t.list {
		if t.ewWS {
			return ""
		}
		return t.text
	}
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(p.String())
	}
	if t.quoted {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(b.String()) + `"`
	}
	return b.String()
}

// asEWAllowed is the token's as_ew_allowed.
func (t *mailToken) asEWAllowed() bool {
	switch {
	case !t.list:
		return true
	case t.noEW:
		return false
	case t.ewAlways:
		return true
	}
	for _, p := range t.parts {
		if !p.asEWAllowed() {
			return false
		}
	}
	return true
}

// startsWithFWS is the token's startswith_fws().
func (t *mailToken) startsWithFWS() bool {
	if !t.list {
		return t.ws
	}
	return len(t.parts) > 0 && t.parts[0].startsWithFWS()
}

// errFold is the error of a header CPython's folding fails on.
var errFold = errors.New("CPython's email package cannot fold this header")

// foldHeader is BaseHeader.fold of header name with value tree, with
// "\r\n" line ends.
func foldHeader(name string, tree *mailToken) (string, error) {
	label := tokenList("header-label", terminal("header-name", name), terminal("header-sep", ":"))
	label.noEW = true
	header := tokenList("header", label)
	if len(tree.parts) > 0 {
		header.parts = append(header.parts, tokenList("cfws", terminal("fws", " ")), tree)
	}
	s, err := refold(header)
	if err != nil {
		return "", err
	}
	// One deviation: CPython may start a continuation line without
	// whitespace (an encoded part that fits on a line of its own, after a
	// part with no trailing whitespace), which ends the header there and
	// breaks the mail. Such a line gets a space, and may then be 79
	// characters long; the folding is CPython's otherwise.
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := 1; i < len(lines); i++ {
		if l := lines[i]; l == "" || (l[0] != ' ' && l[0] != '\t') {
			lines[i] = " " + l
		}
	}
	return strings.Join(lines, "\r\n") + "\r\n", nil
}

// pySpecials is the parser's SPECIALS.
const pySpecials = `()<>@,:;.\"[]`

// runeLen is Python's len of a str.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// refold is _refold_parse_tree with email.policy.default (max_line_length
// 78, utf8 False), with "\n" line ends.
func refold(tree *mailToken) (string, error) {
	const maxlen = mailMaxLine
	lines := []string{""}
	lastEW := -1
	blocked := 0
	wantEncoding := false
	// parts is a stack, the next part last, so that putting a part's
	// parts in front of the rest costs only them.
	parts := pushFront(nil, tree.parts)
	for len(parts) > 0 {
		part := parts[len(parts)-1]
		parts = parts[:len(parts)-1]
		if part.endMarker {
			blocked--
			continue
		}
		tstr := part.String()
		if part.kind == "ptext" && strings.ContainsAny(tstr, pySpecials) {
			wantEncoding = true
		}
		if !isASCII(tstr) {
			wantEncoding = true
		}
		if wantEncoding && blocked == 0 {
			if !part.asEWAllowed() {
				wantEncoding = false
				lastEW = -1
				// syntactic_break is true for every token made here.
				folded, err := refold(part)
				if err != nil {
					return "", err
				}
				encoded := folded[:len(folded)-1]
				if !strings.Contains(encoded, "\n") {
					if runeLen(encoded) > maxlen-runeLen(lines[len(lines)-1]) {
						lines = append(lines, stealTrailingWSP(lines))
					}
					lines[len(lines)-1] += encoded
					continue
				}
			}
			if part.list {
				parts = pushFront(parts, part.parts)
			} else {
				var err error
				if lastEW, err = foldAsEW(tstr, &lines, maxlen, lastEW); err != nil {
					return "", err
				}
			}
			wantEncoding = false
			continue
		}
		if runeLen(tstr) <= maxlen-runeLen(lines[len(lines)-1]) {
			lines[len(lines)-1] += tstr
			continue
		}
		if runeLen(tstr)+1 <= maxlen {
			newline := stealTrailingWSP(lines)
			if newline != "" || part.startsWithFWS() {
				lines = append(lines, newline+tstr)
				lastEW = -1
				continue
			}
		}
		if part.list {
			if !part.asEWAllowed() {
				blocked++
				parts = append(parts, &mailToken{endMarker: true})
			}
			parts = pushFront(parts, part.parts)
			continue
		}
		if part.asEWAllowed() && blocked == 0 {
			parts = append(parts, part)
			wantEncoding = true
			continue
		}
		newline := stealTrailingWSP(lines)
		if newline != "" || part.startsWithFWS() {
			lines = append(lines, newline+tstr)
		} else {
			lines[len(lines)-1] += tstr
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// pushFront puts front before the rest of the stack parts: in reverse
// order on its top.
func pushFront(parts, front []*mailToken) []*mailToken {
	for i := len(front) - 1; i >= 0; i-- {
		parts = append(parts, front[i])
	}
	return parts
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// stealTrailingWSP is _steal_trailing_WSP_if_exists.
func stealTrailingWSP(lines []string) string {
	last := lines[len(lines)-1]
	if last != "" && (last[len(last)-1] == ' ' || last[len(last)-1] == '\t') {
		lines[len(lines)-1] = last[:len(last)-1]
		return last[len(last)-1:]
	}
	return ""
}

// foldAsEW is _fold_as_ew for a terminal (whose ew_combine_allowed is
// always true) of charset utf-8 (or us-ascii, encoded as utf-8).
// lastEW -1 is None. Offsets are in characters, as in Python.
func foldAsEW(toEncode string, linesp *[]string, maxlen, lastEW int) (int, error) {
	lines := *linesp
	defer func() { *linesp = lines }()
	last := func() string { return lines[len(lines)-1] }
	if lastEW >= 0 {
		// lastEW may be past the end of the line, where CPython's slices
		// give "" and the whole line.
		r := []rune(last())
		at := min(lastEW, len(r))
		toEncode = parseUnstructured(string(r[at:]) + toEncode).String()
		lines[len(lines)-1] = string(r[:at])
	}
	if toEncode == "" {
		return 0, errFold // CPython: IndexError
	}
	if toEncode[0] == ' ' || toEncode[0] == '\t' {
		lead := toEncode[:1]
		toEncode = toEncode[1:]
		if runeLen(last()) == maxlen {
			lines = append(lines, stealTrailingWSP(lines))
		}
		lines[len(lines)-1] += lead
	}
	if toEncode == "" {
		return 0, errFold // CPython: IndexError
	}
	trailing := ""
	if c := toEncode[len(toEncode)-1]; c == ' ' || c == '\t' {
		trailing = toEncode[len(toEncode)-1:]
		toEncode = toEncode[:len(toEncode)-1]
	}
	newLastEW := lastEW
	if lastEW < 0 {
		newLastEW = runeLen(last())
	}
	const chromeLen = len("utf-8") + 7
	rest := []rune(toEncode)
	for len(rest) > 0 {
		remaining := maxlen - runeLen(last())
		textSpace := remaining - chromeLen
		if textSpace <= 0 {
			lines = append(lines, " ")
			continue
		}
		word := rest[:min(textSpace, len(rest))]
		encoded := encodeWord(string(word))
		for len(encoded) > remaining && len(word) > 0 {
			word = word[:len(word)-1]
			encoded = encodeWord(string(word))
		}
		lines[len(lines)-1] += encoded
		rest = rest[len(word):]
		if len(rest) > 0 {
			lines = append(lines, " ")
			newLastEW = 1
		}
	}
	lines[len(lines)-1] += trailing
	return newLastEW, nil
}

// qSafe are the bytes email._encoded_words' q encoding leaves as they are.
var qSafe = func() (safe [256]bool) {
	for _, c := range []byte("-!*+/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
		safe[c] = true
	}
	return safe
}()

// encodeWord is email._encoded_words.encode(s, charset="utf-8"): q or b,
// whichever is shorter, with a bias of 5 towards q.
func encodeWord(s string) string {
	qlen := 0
	for i := 0; i < len(s); i++ {
		if qSafe[s[i]] || s[i] == ' ' {
			qlen++
		} else {
			qlen += 3
		}
	}
	blen := (len(s) + 2) / 3 * 4
	if qlen-blen >= 5 {
		return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
	}
	var b strings.Builder
	b.WriteString("=?utf-8?q?")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteByte('_')
		case qSafe[c]:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	b.WriteString("?=")
	return b.String()
}

// decodeWord decodes an encoded word that encodeWord made (utf-8, q or b).
func decodeWord(ew string) (string, bool) {
	body, ok := strings.CutPrefix(ew, "=?")
	if !ok {
		return "", false
	}
	body, ok = strings.CutSuffix(body, "?=")
	if !ok {
		return "", false
	}
	f := strings.Split(body, "?")
	if len(f) != 3 || !strings.EqualFold(f[0], "utf-8") {
		return "", false
	}
	switch strings.ToLower(f[1]) {
	case "b":
		b, err := base64.StdEncoding.DecodeString(f[2])
		return string(b), err == nil && utf8.Valid(b)
	case "q":
		var b []byte
		s := f[2]
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == '_':
				b = append(b, ' ')
			case s[i] == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
				b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
				i += 2
			default:
				b = append(b, s[i])
			}
		}
		return string(b), utf8.Valid(b)
	}
	return "", false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// parseUnstructured is get_unstructured, for text that holds no encoded
// word but those encodeWord made.
func parseUnstructured(value string) *mailToken {
	u := tokenList("unstructured")
	for value != "" {
		if value[0] == ' ' || value[0] == '\t' {
			var fws *mailToken
			fws, value = getFWS(value)
			u.parts = append(u.parts, fws)
			continue
		}
		if strings.HasPrefix(value, "=?") {
			if ew, rest, ok := getEncodedWord(value); ok {
				n := len(u.parts)
				if n > 1 && u.parts[n-1].kind == "fws" && u.parts[n-2].kind == "encoded-word" {
					u.parts[n-1].ewWS = true
				}
				u.parts = append(u.parts, ew)
				value = rest
				continue
			}
		}
		tok := value
		if i := strings.IndexAny(value, " \t"); i >= 0 {
			tok = value[:i]
		}
		if j := strings.Index(tok, "=?"); j > 0 && hasEncodedWord(tok) {
			tok = tok[:j]
		}
		u.parts = append(u.parts, terminal("vtext", tok))
		value = value[len(tok):]
	}
	return u
}

// getFWS is get_fws: the whitespace str.lstrip removes.
func getFWS(value string) (*mailToken, string) {
	rest := strings.TrimLeftFunc(value, pySpace)
	return terminal("fws", value[:len(value)-len(rest)]), rest
}

// getEncodedWord is get_encoded_word for an encoded word encodeWord made:
// "=?" charset "?" q or b "?" text "?=".
func getEncodedWord(value string) (*mailToken, string, bool) {
	q := strings.IndexByte(value[2:], '?')
	if q < 0 || 2+q+2 >= len(value) || value[2+q+2] != '?' {
		return nil, "", false
	}
	end := strings.Index(value[2+q+3:], "?=")
	if end < 0 {
		return nil, "", false
	}
	ew := value[:2+q+3+end+2]
	text, ok := decodeWord(ew)
	if !ok {
		return nil, "", false
	}
	tok := tokenList("encoded-word")
	for text != "" {
		if text[0] == ' ' || text[0] == '\t' {
			var fws *mailToken
			fws, text = getFWS(text)
			tok.parts = append(tok.parts, fws)
			continue
		}
		chars := text
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			chars = text[:i]
		}
		tok.parts = append(tok.parts, terminal("vtext", chars))
		text = text[len(chars):]
	}
	return tok, value[len(ew):], true
}

// hasEncodedWord reports whether s holds what rfc2047_matcher matches:
// "=?", a charset, "?", q or b, "?", then "?=".
func hasEncodedWord(s string) bool {
	for i := strings.Index(s, "=?"); i >= 0; {
		rest := s[i+2:]
		if q := strings.IndexByte(rest, '?'); q >= 0 && q+2 < len(rest) && strings.ContainsRune("qQbB", rune(rest[q+1])) && rest[q+2] == '?' &&
			strings.Contains(rest[q+3:], "?=") {
			return true
		}
		j := strings.Index(rest, "=?")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// mailAddressList is an address header's value: CPython's parse tree of
// it and the addr-specs of its addresses.
type mailAddressList struct {
	tree  *mailToken
	addrs []string
}

// parseAddressList is get_address_list for the addresses this port takes:
// each an addr-spec (local@domain, both dot-atoms of ASCII atext) or a
// name-addr (a display name of words, each an atom, which may hold
// non-ASCII text, or a quoted string, and periods, then <local@domain>),
// with spaces and tabs around words and addresses, separated by commas.
// Comments, groups, domain literals, quoted local parts, quoted pairs,
// encoded words and non-ASCII addresses (which need SMTPUTF8) are
// refused.
func parseAddressList(s string) (*mailAddressList, error) {
	if err := checkHeaderText(s); err != nil {
		return nil, err
	}
	for _, c := range []string{"(", ")", ":", ";", "[", "]", `\`} {
		if strings.Contains(s, c) {
			return nil, fmt.Errorf("%q (comments, groups, domain literals, quoted pairs) is not supported in an address", c)
		}
	}
	p := &addrParser{v: s}
	list := tokenList("address-list")
	var addrs []string
	for {
		addr, spec, err := p.address()
		if err != nil {
			return nil, err
		}
		list.parts = append(list.parts, addr)
		addrs = append(addrs, spec)
		if p.v == "" {
			break
		}
		if p.v[0] != ',' {
			return nil, fmt.Errorf("want \",\" or the end after an address, got %q", p.v)
		}
		list.parts = append(list.parts, terminal("list-separator", ","))
		p.v = p.v[1:]
	}
	return &mailAddressList{tree: list, addrs: addrs}, nil
}

// addrParser reads addresses from v.
type addrParser struct{ v string }

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// cfws reads whitespace, if any, as a CFWSList.
func (p *addrParser) cfws() *mailToken {
	if p.v == "" || !isWSP(p.v[0]) {
		return nil
	}
	var fws *mailToken
	fws, p.v = getFWS(p.v)
	return tokenList("cfws", fws)
}

// address reads one address: Address[Mailbox[NameAddr or AddrSpec]].
func (p *addrParser) address() (*mailToken, string, error) {
	end := p.addressEnd()
	if end < 0 {
		return nil, "", fmt.Errorf("unterminated quoted string in %q", p.v)
	}
	var tok *mailToken
	var spec string
	var err error
	if strings.Contains(p.v[:end], "<") {
		tok, spec, err = p.nameAddr()
	} else {
		tok, spec, err = p.addrSpec(p.cfws())
	}
	if err != nil {
		return nil, "", err
	}
	return tokenList("address", tokenList("mailbox", tok)), spec, nil
}

// addressEnd returns the index of the "," that ends the next address, or
// len(v), or -1 for an unterminated quoted string.
func (p *addrParser) addressEnd() int {
	quoted := false
	for i := 0; i < len(p.v); i++ {
		switch {
		case p.v[i] == '"':
			quoted = !quoted
		case p.v[i] == ',' && !quoted:
			return i
		}
	}
	if quoted {
		return -1
	}
	return len(p.v)
}

// nameAddr reads [display-name] angle-addr.
func (p *addrParser) nameAddr() (*mailToken, string, error) {
	na := tokenList("name-addr")
	leader := p.cfws()
	if p.v != "" && p.v[0] != '<' {
		dn := &mailToken{kind: "display-name", list: true}
		for p.v != "" && p.v[0] != '<' {
			switch {
			case p.v[0] == '.':
				if len(dn.parts) == 0 {
					return nil, "", fmt.Errorf("a display name may not start with \".\": %q", p.v)
				}
				dn.parts = append(dn.parts, terminal("dot", "."))
				p.v = p.v[1:]
			case p.v[0] == '"':
				w, err := p.quotedString(p.cfws())
				if err != nil {
					return nil, "", err
				}
				dn.parts = append(dn.parts, w)
			default:
				w, err := p.atom(p.cfws())
				if err != nil {
					return nil, "", err
				}
				dn.parts = append(dn.parts, w)
			}
		}
		if leader != nil {
			first := dn.parts[0]
			first.parts = append([]*mailToken{leader}, first.parts...)
			leader = nil
		}
		na.parts = append(na.parts, dn)
	}
	aa := tokenList("angle-addr")
	if leader != nil {
		aa.parts = append(aa.parts, leader)
	}
	if p.v == "" || p.v[0] != '<' {
		return nil, "", fmt.Errorf("want \"<\", got %q", p.v)
	}
	aa.parts = append(aa.parts, terminal("angle-addr-start", "<"))
	p.v = p.v[1:]
	spec, addr, err := p.addrSpec(nil)
	if err != nil {
		return nil, "", err
	}
	if p.v == "" || p.v[0] != '>' {
		return nil, "", fmt.Errorf("want \">\" after %q, got %q", addr, p.v)
	}
	p.v = p.v[1:]
	aa.parts = append(aa.parts, spec, terminal("angle-addr-end", ">"))
	if c := p.cfws(); c != nil {
		aa.parts = append(aa.parts, c)
	}
	na.parts = append(na.parts, aa)
	return na, addr, nil
}

// atom reads an Atom of the display name: [CFWS] atext [CFWS].
func (p *addrParser) atom(leader *mailToken) (*mailToken, error) {
	a := tokenList("atom")
	if leader != nil {
		a.parts = append(a.parts, leader)
	}
	n := 0
	for n < len(p.v) && !strings.ContainsRune(pySpecials+" \t", rune(p.v[n])) {
		n++
	}
	text := p.v[:n]
	if text == "" {
		return nil, fmt.Errorf("want a word of the display name, got %q", p.v)
	}
	if strings.IndexFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return nil, fmt.Errorf("control character in the display name %q", text)
	}
	p.v = p.v[n:]
	a.parts = append(a.parts, terminal("atext", text))
	if c := p.cfws(); c != nil {
		a.parts = append(a.parts, c)
	}
	return a, nil
}

// quotedString reads a QuotedString: [CFWS] BareQuotedString [CFWS].
func (p *addrParser) quotedString(leader *mailToken) (*mailToken, error) {
	q := tokenList("quoted-string")
	if leader != nil {
		q.parts = append(q.parts, leader)
	}
	bare := tokenList("bare-quoted-string")
	bare.quoted = true
	v := p.v[1:]
	for v != "" && v[0] != '"' {
		if isWSP(v[0]) {
			var fws *mailToken
			fws, v = getFWS(v)
			bare.parts = append(bare.parts, fws)
			continue
		}
		n := 0
		for n < len(v) && v[n] != '"' && !isWSP(v[n]) {
			n++
		}
		if strings.IndexFunc(v[:n], func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return nil, fmt.Errorf("control character in the display name %q", v[:n])
		}
		bare.parts = append(bare.parts, terminal("ptext", v[:n]))
		v = v[n:]
	}
	if v == "" {
		return nil, fmt.Errorf("unterminated quoted string in %q", p.v)
	}
	p.v = v[1:]
	q.parts = append(q.parts, bare)
	if c := p.cfws(); c != nil {
		q.parts = append(q.parts, c)
	}
	return q, nil
}

// addrSpec reads AddrSpec[LocalPart[DotAtom], "@", Domain[DotAtom]], the
// leader (whitespace read before it) at the start of the local part.
func (p *addrParser) addrSpec(leader *mailToken) (*mailToken, string, error) {
	local, ltext, err := p.dotAtom(leader, "local part")
	if err != nil {
		return nil, "", err
	}
	if p.v == "" || p.v[0] != '@' {
		return nil, "", fmt.Errorf("want local@domain, got %q", ltext+p.v)
	}
	p.v = p.v[1:]
	domain, dtext, err := p.dotAtom(nil, "domain")
	if err != nil {
		return nil, "", err
	}
	lp := tokenList("local-part", local)
	lp.noEW = true
	dom := tokenList("domain", domain)
	dom.noEW = true
	spec := tokenList("addr-spec", lp, terminal("address-at-symbol", "@"), dom)
	spec.noEW = true
	return spec, ltext + "@" + dtext, nil
}

// dotAtom reads a DotAtom of ASCII atext: [CFWS] dot-atom-text [CFWS].
func (p *addrParser) dotAtom(leader *mailToken, what string) (*mailToken, string, error) {
	da := tokenList("dot-atom")
	if leader != nil {
		da.parts = append(da.parts, leader)
	}
	if c := p.cfws(); c != nil {
		da.parts = append(da.parts, c)
	}
	text := tokenList("dot-atom-text")
	text.ewAlways = true
	start := p.v
	for {
		n := 0
		for n < len(p.v) && isAtext(p.v[n]) {
			n++
		}
		if n == 0 {
			if p.v != "" && p.v[0] >= 0x80 {
				return nil, "", fmt.Errorf("non-ASCII %s %q: an address must be ASCII (SMTPUTF8 is not supported)", what, start)
			}
			return nil, "", fmt.Errorf("want the %s of an address, got %q", what, p.v)
		}
		text.parts = append(text.parts, terminal("atext", p.v[:n]))
		p.v = p.v[n:]
		if p.v == "" || p.v[0] != '.' {
			break
		}
		text.parts = append(text.parts, terminal("dot", "."))
		p.v = p.v[1:]
	}
	da.parts = append(da.parts, text)
	if c := p.cfws(); c != nil {
		da.parts = append(da.parts, c)
	}
	return da, text.String(), nil
}

// isAtext reports whether c is RFC 5322 atext (ASCII).
func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}
