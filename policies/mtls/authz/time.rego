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

previous_day := {
	"Mon": "Sun", "Tue": "Mon", "Wed": "Tue", "Thu": "Wed",
	"Fri": "Thu", "Sat": "Fri", "Sun": "Sat",
}

# Local clocks {weekday, hour, minute} by IANA zone: input.time.zones, plus
# input.time itself under input.time.timezone.
clocks := object.union(local_clock, input_zones)

default local_clock := {}

local_clock := {input.time.timezone: input.time} if is_string(input.time.timezone)

default input_zones := {}

input_zones := input.time.zones if is_object(input.time.zones)

# Clock of each window (by index): its zone's, or input.time when the window
# names no zone. Undefined when the zone is unknown.
window_clock[i] := clocks[w.timezone] if {
	some i, w in time_windows
	is_string(w.timezone)
	is_object(clocks[w.timezone])
}

window_clock[i] := input.time if {
	is_object(input.time)
	some i, w in time_windows
	not w.timezone
}

# Minute of the day now, for each window whose clock is usable.
window_now[i] := clock_minute_of_day(clk) if some i, clk in window_clock

clock_minute_of_day(clk) := (clk.hour * 60) + clk.minute if {
	is_number(clk.hour)
	is_number(clk.minute)
	previous_day[clk.weekday]
}

# Seconds elapsed in the current minute, read from input.time.now
# ("YYYY-MM-DDTHH:MM:SS..."), else 0.
default second_of_minute := 0

second_of_minute := to_number(substring(input.time.now, 17, 2)) if {
	substring(input.time.now, 16, 1) == ":"
}

# "HH:MM" -> minutes since midnight ("24:00" = 1440).
hhmm_minutes(s) := (h * 60) + m if {
	is_string(s)
	parts := split(s, ":")
	count(parts) == 2
	h := to_number(parts[0])
	h >= 0
	m := to_number(parts[1])
	m >= 0
	m < 60
	(h * 60) + m <= 1440
}

# [start, end] minutes of each well-formed window (from default 00:00, to
# default 24:00).
window_range[i] := [window_start(w), window_end(w)] if some i, w in time_windows

window_start(w) := hhmm_minutes(w.from) if w.from

else := 0 if not w.from

window_end(w) := hhmm_minutes(w.to) if w.to

else := 1440 if not w.to

window_day_ok(w, _) if not w.days

window_day_ok(w, day) if day in w.days

# Seconds until each open window closes (by index; absent = not open now).
window_seconds_left[i] := ((end - now) * 60) - second_of_minute if {
	some i, now in window_now
	[start, end] := window_range[i]
	start < end
	start <= now
	now < end
	window_day_ok(time_windows[i], window_clock[i].weekday)
}

# Overnight window, before midnight: it started today.
window_seconds_left[i] := (((1440 - now) + end) * 60) - second_of_minute if {
	some i, now in window_now
	[start, end] := window_range[i]
	start >= end
	now >= start
	window_day_ok(time_windows[i], window_clock[i].weekday)
}

# Overnight window, after midnight: it started yesterday.
window_seconds_left[i] := ((end - now) * 60) - second_of_minute if {
	some i, now in window_now
	[start, end] := window_range[i]
	start >= end
	now < end
	window_day_ok(time_windows[i], previous_day[window_clock[i].weekday])
}

in_time_window if count(window_seconds_left) > 0

# Seconds until the current window closes (the latest-closing open window).
time_window_seconds_left := max({s | some s in window_seconds_left}) if in_time_window

violations contains reason("OUTSIDE_TIME_WINDOW", window_detail(i, w, object.get(window_clock, i, null))) if {
	time_windows
	not in_time_window
	some i, w in time_windows
}

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
	upper(substring(s, 10, 1)) in {"T", " "}
	substring(s, 13, 1) == ":"
	substring(s, 16, 1) == ":"
	y := to_number(substring(s, 0, 4))
	mo := to_number(substring(s, 5, 2))
	d := to_number(substring(s, 8, 2))
	h := to_number(substring(s, 11, 2))
	mi := to_number(substring(s, 14, 2))
	se := to_number(substring(s, 17, 2))
	off := utc_offset_seconds(substring(s, 19, -1))
	secs := ((((days_from_civil(y, mo, d) * 86400) + (h * 3600)) + (mi * 60)) + se) - off
}

utc_offset_seconds(rest) := 0 if {
	endswith(upper(rest), "Z")
} else := sign * ((to_number(substring(tail, 1, 2)) * 3600) + (to_number(substring(tail, 4, 2)) * 60)) if {
	count(rest) >= 6
	tail := substring(rest, count(rest) - 6, 6)
	substring(tail, 3, 1) == ":"
	sign := {"+": 1, "-": -1}[substring(tail, 0, 1)]
}

# Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
days_from_civil(y, m, d) := ((era * 146097) + doe) - 719468 if {
	yy := y - march_year_shift(m)
	era := floor(yy / 400)
	yoe := yy - (era * 400)
	doy := (floor(((153 * ((m + 9) % 12)) + 2) / 5) + d) - 1
	doe := (((yoe * 365) + floor(yoe / 4)) - floor(yoe / 100)) + doy
}

default march_year_shift(_) := 0

march_year_shift(m) := 1 if m <= 2

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
