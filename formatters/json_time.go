package formatters

import (
	"slices"
	"time"
)

// jsonTimeCache holds the text of one second of one location, in RFC 3339
// or in one DateFmt. The text is the same for every instant of the second
// (zone offsets change on whole seconds, and strftime has no directive
// for fractions), so the times of records made in the same second are
// formatted once.
type jsonTimeCache struct {
	sec    int64
	loc    *time.Location // nil: the cache is empty
	format string         // the DateFmt of text, "" for RFC 3339
	// text is, for RFC 3339, "2006-01-02T15:04:05" and the zone ("Z" or
	// "-07:00") without the fraction of the second; for a DateFmt, the
	// JSON-escaped string without its quotes.
	text []byte
}

// hit reports whether c holds the text of t in format.
func (c *jsonTimeCache) hit(t time.Time, format string) bool {
	return c.loc != nil && c.sec == t.Unix() && c.loc == t.Location() && c.format == format
}

func (c *jsonTimeCache) set(t time.Time, format string) {
	c.sec, c.loc, c.format = t.Unix(), t.Location(), format
}

// jsonYearError is what slog writes before a time whose year RFC 3339
// cannot hold.
var jsonYearError = []byte(`"!ERROR:time.Time year outside of range [0,9999]"`)

// rfc3339Clock is the length of "2006-01-02T15:04:05".
const rfc3339Clock = len("2006-01-02T15:04:05")

// appendTime appends t in RFC 3339 with nanoseconds, quoted, as slog
// does: a year outside [0, 9999] is preceded by an error string, with
// nothing between the two strings.
func (e *jsonEncoder) appendTime(t time.Time, c *jsonTimeCache) {
	if !c.hit(t, "") {
		c.text = t.AppendFormat(c.text[:0], time.RFC3339)
		// The year comes first: a sign, or a fifth digit where the '-'
		// after four digits should be, puts it out of range.
		if c.text[0] == '-' || c.text[4] != '-' {
			c.loc = nil
			start := len(e.b)
			e.b = append(e.b, '"')
			e.b = t.AppendFormat(e.b, time.RFC3339Nano)
			e.b = append(e.b, '"')
			e.b = slices.Insert(e.b, start, jsonYearError...)
			return
		}
		c.set(t, "")
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, c.text[:rfc3339Clock]...)
	if ns := t.Nanosecond(); ns != 0 {
		e.b = jsonAppendFraction(e.b, ns)
	}
	e.b = append(e.b, c.text[rfc3339Clock:]...)
	e.b = append(e.b, '"')
}

// jsonAppendFraction appends '.' and ns, a non-zero number of
// nanoseconds, in nine digits without the trailing zeros, as RFC3339Nano
// does.
func jsonAppendFraction(b []byte, ns int) []byte {
	var d [10]byte
	d[0] = '.'
	for i := 9; i > 0; i-- {
		d[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := len(d)
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

// appendRecordTime appends the time of a record, by the formatter's
// DateFmt and UTC.
func (e *jsonEncoder) appendRecordTime(t time.Time) {
	e.appendOptionTime(t, &e.st.recordTime)
}

// appendOptionTime appends t in UTC when the formatter says so, and as a
// strftime string when it has a DateFmt.
func (e *jsonEncoder) appendOptionTime(t time.Time, c *jsonTimeCache) {
	if e.f.utc {
		t = t.UTC()
	}
	if e.f.dateFmt == "" {
		e.appendTime(t, c)
		return
	}
	if !c.hit(t, e.f.dateFmt) {
		e.st.scratch = AppendStrftime(e.st.scratch[:0], e.f.dateFmt, t)
		c.text = jsonAppendStringBody(c.text[:0], unsafeString(e.st.scratch))
		c.set(t, e.f.dateFmt)
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, c.text...)
	e.b = append(e.b, '"')
}
