# Time windows and time arithmetic
# 403 class: OUTSIDE_TIME_WINDOW. services[x].time_windows is a list of
# {days: ["Mon".."Sun"], from: "HH:MM", to: "HH:MM", timezone: "<IANA>"};
# access is allowed inside any of them. from >= to is an overnight window
# (22:00-06:00 belongs to the day it starts on). Local time comes from
# input.time.zones[timezone], else from input.time when the zone is
# input.time.timezone or the window names none; an unknown zone fails closed.
# No time.* builtin is used: all time facts come from input.
package mtls.authz

time_windows := svc.time_windows if {
	is_array(svc.time_windows)
	count(svc.time_windows) > 0
}

# The day before each weekday; also the check that a weekday is valid.
# (Function clauses: an object literal is rebuilt on every evaluation in
# WebAssembly.)
day_before("Mon") := "Sun"

day_before("Tue") := "Mon"

day_before("Wed") := "Tue"

day_before("Thu") := "Wed"

day_before("Fri") := "Thu"

day_before("Sat") := "Fri"

day_before("Sun") := "Sat"

# Local clocks {weekday, hour, minute} by IANA zone: input.time.zones, plus
# input.time itself under input.time.timezone (merged with the zone's entry
# when both exist, the entry winning).
# (input.time.zones[tz] is undefined when zones is not an object.)
zone_listed(tz) if _ = input.time.zones[tz]

zone_clock(tz) := clk if {
	entry := input.time.zones[tz]
	is_object(entry)
	clk := zone_entry_clock(entry, tz)
} else := input.time if {
	not zone_listed(tz)
	input.time.timezone == tz
}

zone_entry_clock(entry, tz) := object.union(input.time, entry) if input.time.timezone == tz

else := entry

# Clock of a window: its zone's, or input.time when the window names no zone.
# Undefined when the zone is unknown.
window_clock(w) := zone_clock(w.timezone) if is_string(w.timezone)

else := input.time if {
	not w.timezone
	is_object(input.time)
}

clock_minute_of_day(clk) := (clk.hour * 60) + clk.minute if {
	is_number(clk.hour)
	is_number(clk.minute)
	day_before(clk.weekday)
}

# Seconds elapsed in the current minute, read from input.time.now
# ("YYYY-MM-DDTHH:MM:SS..."), else 0.
default second_of_minute := 0

second_of_minute := to_number(substring(input.time.now, 17, 2)) if {
	substring(input.time.now, 16, 1) == ":"
}

# "HH:MM" -> minutes since midnight ("24:00" = 1440).
hhmm_minutes(s) := minutes if {
	is_string(s)
	parts := split(s, ":")
	count(parts) == 2
	h := to_number(parts[0])
	h >= 0
	m := to_number(parts[1])
	m >= 0
	m < 60
	minutes := (h * 60) + m
	minutes <= 1440
}

# Start and end minutes of a well-formed window (from default 00:00, to
# default 24:00).
window_start(w) := hhmm_minutes(w.from) if w.from

else := 0 if not w.from

window_end(w) := hhmm_minutes(w.to) if w.to

else := 1440 if not w.to

window_day_ok(w, _) if not w.days

window_day_ok(w, day) if day in w.days

# Arithmetic is costly in WebAssembly, so times are compared as [hour,
# minute] pairs where that orders them exactly as minutes since midnight
# would: whole hours and minutes in [0, 60) (the common case). Otherwise
# (fractional hours, ...) as minutes.
#
# [now, start, end] of a window, all in the same form.
window_points(w, clk) := [now, start, end] if {
	now := clock_pair(clk)
	start := window_start_pair(w)
	end := window_end_pair(w)
} else := [now, start, end] if {
	now := clock_minute_of_day(clk)
	start := window_start(w)
	end := window_end(w)
}

clock_pair(clk) := [h, m] if {
	h := clk.hour
	whole_number_text(json.marshal(h))
	m := clk.minute
	is_number(m)
	m >= 0
	m < 60
	day_before(clk.weekday)
}

# "HH:MM" -> [hour, minute], for whole hours; the same windows as
# hhmm_minutes.
hhmm_pair(s) := [h, m] if {
	is_string(s)
	[hours, minutes] := split(s, ":")
	whole_number_text(hours)
	h := to_number(hours)
	h >= 0
	m := to_number(minutes)
	m >= 0
	m < 60
	[h, m] <= [24, 0]
}

# Text of a whole number: a number of at most two characters without a
# decimal point (to_number accepts no exponent or other notation that short).
whole_number_text(s) if {
	s != ""
	count(s) <= 2
	not contains(s, ".")
}

window_start_pair(w) := hhmm_pair(w.from) if w.from

else := [0, 0] if not w.from

window_end_pair(w) := hhmm_pair(w.to) if w.to

else := [24, 0] if not w.to

point_minutes(p) := (p[0] * 60) + p[1] if is_array(p)

else := p

# The windows open now, as [now, start, end] (see window_points), computed
# once: the seconds left are only derived from these (for the allow TTL)
# when the decision is an allow.
open_windows := [[now, start, end] |
	windows := svc.time_windows
	is_array(windows)
	some w in windows
	clk := window_clock(w)
	[now, start, end] := window_points(w, clk)
	window_open(w, clk.weekday, now, start, end)
]

# start < end: [start, end) of the current day. start >= end: an overnight
# window (or 24 h when equal) belongs to the day it starts on: open from
# start until midnight, and from midnight until end on the next day.
window_open(w, day, now, start, end) if {
	start < end
	start <= now
	now < end
	window_day_ok(w, day)
} else if {
	start >= end
	now >= start
	window_day_ok(w, day)
} else if {
	start >= end
	now < end
	window_day_ok(w, day_before(day))
}

# Seconds until the current window closes (the latest-closing open window).
time_window_seconds_left := max([secs |
	some [now, start, end] in open_windows
	secs := open_window_seconds_left(point_minutes(now), point_minutes(start), point_minutes(end))
]) if {
	count(open_windows) > 0
}

# An open window that ends more than two hours from now leaves more than an
# hour (the current second of the minute being at most 99): it cannot bound
# a TTL of at most an hour, and its seconds are not worth computing.
time_window_outlasts_base_ttl if {
	base_ttl_seconds <= 3600
	some [now, start, end] in open_windows
	start < end
	ends_in_over_two_hours(now, end)
}

# (Pairs: three whole hours apart is over 120 minutes.)
ends_in_over_two_hours(now, end) if {
	is_array(now)
	end[0] - now[0] >= 3
} else if {
	is_number(now)
	end - now > 120
}

open_window_seconds_left(now, start, end) := (((1440 - now) + end) * 60) - second_of_minute if {
	start >= end
	now >= start
} else := ((end - now) * 60) - second_of_minute

policy_violations contains reason("OUTSIDE_TIME_WINDOW", window_detail(i, w, window_clock_or_null(w))) if {
	time_windows
	count(open_windows) == 0
	some i, w in time_windows
}

window_clock_or_null(w) := clk if {
	clk := window_clock(w)
} else := null

default window_detail(_, _, _) := "outside the allowed time windows"

window_detail(i, w, null) := concat("", [
	window_label(i, w),
	": time zone ", quote(w.timezone), " is unknown to the PDP",
]) if {
	w.timezone
} else := concat("", [window_label(i, w), ": the current time is unknown"])

window_detail(i, w, clk) := concat("", [window_label(i, w), ": the current time is unknown"]) if {
	clk != null
	not clock_minute_of_day(clk)
} else := concat("", [window_label(i, w), ": the window is malformed"]) if {
	clk != null
	not window_bounds_ok(w)
} else := concat("", [window_label(i, w), ": now ", clock_text(clk)]) if {
	clk != null
}

window_bounds_ok(w) if {
	window_start(w)
	window_end(w)
}

window_label(i, w) := concat("", ["time_windows[", format_int(i, 10), "] ", window_text(w)])

window_text(w) := concat(" ", [
	days_text(w),
	concat("-", [field_text(w, "from"), field_text(w, "to")]),
	field_text(w, "timezone"),
])

default days_text(_) := "every day"

days_text(w) := concat(",", [text(d) | some d in w.days]) if is_array(w.days)

field_text(obj, key) := text(obj[key]) if obj[key]

else := default_texts[key]

default_texts := {"from": "00:00", "to": "24:00", "timezone": "local"}

clock_text(clk) := concat("", [clk.weekday, " ", two_digits(clk.hour), ":", two_digits(clk.minute)])

two_digits(n) := concat("", ["0", format_int(n, 10)]) if {
	n < 10
} else := format_int(n, 10)

# --- RFC 3339 -> seconds since the epoch (pure arithmetic) -----------------------

# Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)".
rfc3339_seconds(s) := secs if {
	is_string(s)
	count(s) >= 20
	substring(s, 4, 1) == "-"
	substring(s, 7, 1) == "-"
	date_time_separator(upper(substring(s, 10, 1)))
	substring(s, 13, 1) == ":"
	substring(s, 16, 1) == ":"
	y := to_number(substring(s, 0, 4))
	mo := to_number(substring(s, 5, 2))
	d := to_number(substring(s, 8, 2))
	h := to_number(substring(s, 11, 2))
	mi := to_number(substring(s, 14, 2))
	se := to_number(substring(s, 17, 2))
	off := utc_offset_seconds(substring(s, 19, -1))
	secs := minus_offset((((days_from_civil(y, mo, d) * 86400) + (h * 3600)) + (mi * 60)) + se, off)
}

date_time_separator("T")

date_time_separator(" ")

minus_offset(secs, 0) := secs

minus_offset(secs, off) := secs - off if off != 0

utc_offset_seconds(rest) := 0 if {
	endswith(upper(rest), "Z")
} else := sign * ((to_number(substring(tail, 1, 2)) * 3600) + (to_number(substring(tail, 4, 2)) * 60)) if {
	count(rest) >= 6
	tail := substring(rest, count(rest) - 6, 6)
	substring(tail, 3, 1) == ":"
	sign := {"+": 1, "-": -1}[substring(tail, 0, 1)]
}

# Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
# algorithm). Arithmetic is costly in WebAssembly: for the years 2000-2399
# (March-based) and whole months the constant parts are tabled.
days_from_civil(y, m, d) := doe + 11017 if {
	yy := march_year(y, m)
	yy >= 2000
	yy < 2400
	yoe := yy - 2000
	doe := (((yoe * 365) + floor(yoe / 4)) - century_of_era(yoe)) + (d + march_month_days(m))
} else := ((era * 146097) + doe) - 719468 if {
	yy := y - march_year_shift(m)
	era := floor(yy / 400)
	yoe := yy - (era * 400)
	doy := (floor(((153 * ((m + 9) % 12)) + 2) / 5) + d) - 1
	doe := (((yoe * 365) + floor(yoe / 4)) - floor(yoe / 100)) + doy
}

default march_year_shift(_) := 0

march_year_shift(m) := 1 if m <= 2

march_year(y, m) := y if m > 2

else := y - 1

# floor(yoe / 100) for a year of era in [0, 400).
century_of_era(yoe) := 0 if {
	yoe < 100
} else := 1 if {
	yoe < 200
} else := 2 if {
	yoe < 300
} else := 3

# floor((153 * ((m + 9) % 12) + 2) / 5) - 1: days before the month in a
# March-based year, less one.
march_month_days(3) := -1

march_month_days(4) := 30

march_month_days(5) := 60

march_month_days(6) := 91

march_month_days(7) := 121

march_month_days(8) := 152

march_month_days(9) := 183

march_month_days(10) := 213

march_month_days(11) := 244

march_month_days(12) := 274

march_month_days(1) := 305

march_month_days(2) := 336

now_seconds := floor(input.time.epoch_ms / 1000) if {
	is_number(input.time.epoch_ms)
} else := rfc3339_seconds(input.time.now)

# Seconds left before the certificate's not_after. Not computed when the PEP
# reports at least two days left (expires_in_days), which no TTL reaches:
# date arithmetic is the most expensive part of an evaluation.
cert_seconds_left := rfc3339_seconds(cert.not_after) - now_seconds if not cert_days_left_exceed_ttl

cert_days_left_exceed_ttl if {
	is_number(cert.expires_in_days)
	cert.expires_in_days >= 2
	base_ttl_seconds <= 86400
}
