package formatters

import (
	"strconv"
	"time"
)

// AppendStrftime appends t formatted by a C strftime format in the C locale,
// as Python's time.strftime does on glibc: the C89 directives, glibc's
// %e %z %s and the common POSIX ones (%D %F %T %R %C %g %G %V %u %k %l %P
// %h %n %t). %f and other unknown directives are copied literally, as glibc
// does.
func AppendStrftime(b []byte, format string, t time.Time) []byte {
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		b = appendDirective(b, format[i], t)
	}
	return b
}

var (
	shortDays   = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	longDays    = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	shortMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	longMonths  = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

func appendInt(b []byte, n, width int, pad byte) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for k := len(s); k < width; k++ {
		b = append(b, pad)
	}
	return append(b, s...)
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return h
}

// weekNumber returns the week of the year with weeks starting on the given
// weekday (0 = Sunday), days before the first such day in week 0.
func weekNumber(t time.Time, first time.Weekday) int {
	yday := t.YearDay() - 1
	wday := (int(t.Weekday()) - int(first) + 7) % 7
	return (yday + 7 - wday) / 7
}

func appendDirective(b []byte, d byte, t time.Time) []byte {
	switch d {
	case 'a':
		return append(b, shortDays[t.Weekday()]...)
	case 'A':
		return append(b, longDays[t.Weekday()]...)
	case 'b', 'h':
		return append(b, shortMonths[t.Month()-1]...)
	case 'B':
		return append(b, longMonths[t.Month()-1]...)
	case 'c':
		return AppendStrftime(b, "%a %b %e %H:%M:%S %Y", t)
	case 'C':
		return appendInt(b, t.Year()/100, 2, '0')
	case 'd':
		return appendInt(b, t.Day(), 2, '0')
	case 'D', 'x':
		return AppendStrftime(b, "%m/%d/%y", t)
	case 'e':
		return appendInt(b, t.Day(), 2, ' ')
	case 'F':
		return AppendStrftime(b, "%Y-%m-%d", t)
	case 'g':
		y, _ := t.ISOWeek()
		return appendInt(b, y%100, 2, '0')
	case 'G':
		y, _ := t.ISOWeek()
		return appendInt(b, y, 1, '0')
	case 'H':
		return appendInt(b, t.Hour(), 2, '0')
	case 'I':
		return appendInt(b, hour12(t), 2, '0')
	case 'j':
		return appendInt(b, t.YearDay(), 3, '0')
	case 'k':
		return appendInt(b, t.Hour(), 2, ' ')
	case 'l':
		return appendInt(b, hour12(t), 2, ' ')
	case 'm':
		return appendInt(b, int(t.Month()), 2, '0')
	case 'M':
		return appendInt(b, t.Minute(), 2, '0')
	case 'n':
		return append(b, '\n')
	case 'p':
		if t.Hour() < 12 {
			return append(b, "AM"...)
		}
		return append(b, "PM"...)
	case 'P':
		if t.Hour() < 12 {
			return append(b, "am"...)
		}
		return append(b, "pm"...)
	case 'R':
		return AppendStrftime(b, "%H:%M", t)
	case 's':
		return strconv.AppendInt(b, t.Unix(), 10)
	case 'S':
		return appendInt(b, t.Second(), 2, '0')
	case 't':
		return append(b, '\t')
	case 'T', 'X':
		return AppendStrftime(b, "%H:%M:%S", t)
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return appendInt(b, wd, 1, '0')
	case 'U':
		return appendInt(b, weekNumber(t, time.Sunday), 2, '0')
	case 'V':
		_, w := t.ISOWeek()
		return appendInt(b, w, 2, '0')
	case 'w':
		return appendInt(b, int(t.Weekday()), 1, '0')
	case 'W':
		return appendInt(b, weekNumber(t, time.Monday), 2, '0')
	case 'y':
		return appendInt(b, t.Year()%100, 2, '0')
	case 'Y':
		return appendInt(b, t.Year(), 1, '0')
	case 'z':
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		b = appendInt(b, off/3600, 2, '0')
		return appendInt(b, off%3600/60, 2, '0')
	case 'Z':
		name, _ := t.Zone()
		return append(b, name...)
	case '%':
		return append(b, '%')
	}
	return append(b, '%', d)
}
