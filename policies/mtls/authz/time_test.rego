package mtls.authz_test

import data.mtls.authz

paris(weekday, hour, minute) := patch(alice_input, {"time": {"zones": {"Europe/Paris": {"weekday": weekday, "hour": hour, "minute": minute}}}})

utc_batch(weekday, hour, minute) := patch(batch_input, {"time": {
	"now": "2026-03-10T00:00:51Z",
	"weekday": weekday, "hour": hour, "minute": minute,
	"zones": {"UTC": {"weekday": weekday, "hour": hour, "minute": minute}},
}})

window_reason(detail) := {"code": "OUTSIDE_TIME_WINDOW", "message": concat("", ["access is not allowed at this time: ", detail])}

test_inside_window if {
	d := authz.decision with input as paris("Tue", 19, 59)
	d.effect == "allow"
}

test_outside_window_by_hour if {
	d := authz.decision with input as paris("Tue", 20, 0)
	d.status == 403
	d.reasons == [window_reason("time_windows[0] Mon,Tue,Wed,Thu,Fri 07:00-20:00 Europe/Paris: now Tue 20:00")]
	d2 := authz.decision with input as paris("Tue", 6, 59)
	d2.reasons == [window_reason("time_windows[0] Mon,Tue,Wed,Thu,Fri 07:00-20:00 Europe/Paris: now Tue 06:59")]
}

test_outside_window_by_day if {
	d := authz.decision with input as paris("Sat", 10, 0)
	codes(d) == {"OUTSIDE_TIME_WINDOW"}
}

test_unknown_zone_fails_closed if {
	d := authz.decision with input as json.remove(alice_input, ["time/zones/Europe~1Paris"])
	d.reasons == [window_reason("time_windows[0] Mon,Tue,Wed,Thu,Fri 07:00-20:00 Europe/Paris: time zone 'Europe/Paris' is unknown to the PDP")]
}

test_zone_of_input_time if {
	t := {"now": "2026-03-10T09:30:12Z", "timezone": "Europe/Paris", "weekday": "Tue", "hour": 10, "minute": 30}
	d := authz.decision with input as object.union(json.remove(alice_input, ["time"]), {"time": t})
	d.effect == "allow"
}

test_window_without_zone_uses_input_time if {
	w := [{"days": ["Tue"], "from": "09:00", "to": "09:31"}]
	d := authz.decision with input as alice_input with data.mtls.services["admin-console"].time_windows as w
	d.effect == "allow"
	d.ttl_seconds == 48
}

test_window_without_zone_and_no_time if {
	w := [{"from": "09:00", "to": "10:00"}]
	d := authz.decision with input as json.remove(alice_input, ["time"])
		with data.mtls.services["admin-console"].time_windows as w
	d.reasons == [window_reason("time_windows[0] every day 09:00-10:00 local: the current time is unknown")]
}

test_zone_clock_without_weekday if {
	d := authz.decision with input as paris("Tuesday", 10, 0)
	d.reasons == [window_reason("time_windows[0] Mon,Tue,Wed,Thu,Fri 07:00-20:00 Europe/Paris: the current time is unknown")]
}

test_malformed_window_fails_closed if {
	w := [{"from": "8h", "to": "18:00", "timezone": "Europe/Paris"}]
	d := authz.decision with input as alice_input with data.mtls.services["admin-console"].time_windows as w
	d.reasons == [window_reason("time_windows[0] every day 8h-18:00 Europe/Paris: the window is malformed")]
}

test_hhmm_parsing if {
	authz.hhmm_minutes("00:00") == 0
	authz.hhmm_minutes("07:30") == 450
	authz.hhmm_minutes("24:00") == 1440
	not authz.hhmm_minutes("24:01")
	not authz.hhmm_minutes("12:60")
	not authz.hhmm_minutes("-1:00")
	not authz.hhmm_minutes("1200")
	not authz.hhmm_minutes(1200)
}

test_window_defaults_to_the_whole_day if {
	d := authz.decision with input as alice_input
		with data.mtls.services["admin-console"].time_windows as [{"days": ["Tue"], "timezone": "UTC"}]
	d.effect == "allow"
}

test_overnight_window_every_day if {
	# billing-internal: 22:00-06:00 UTC
	authz.decision.effect == "allow" with input as utc_batch("Tue", 23, 0)
	authz.decision.effect == "allow" with input as utc_batch("Wed", 5, 59)
	d := authz.decision with input as utc_batch("Wed", 6, 0)
	d.reasons == [window_reason("time_windows[0] every day 22:00-06:00 UTC: now Wed 06:00")]
}

test_overnight_window_belongs_to_the_day_it_starts if {
	w := [{"days": ["Fri"], "from": "22:00", "to": "06:00", "timezone": "UTC"}]
	authz.decision.effect == "allow" with input as utc_batch("Fri", 23, 0) with data.mtls.services["billing-internal"].time_windows as w
	authz.decision.effect == "allow" with input as utc_batch("Sat", 2, 0) with data.mtls.services["billing-internal"].time_windows as w
	authz.decision.effect == "deny" with input as utc_batch("Sat", 23, 0) with data.mtls.services["billing-internal"].time_windows as w
	authz.decision.effect == "deny" with input as utc_batch("Fri", 2, 0) with data.mtls.services["billing-internal"].time_windows as w
}

test_equal_from_and_to_is_a_24_hour_window if {
	w := [{"days": ["Mon"], "from": "08:00", "to": "08:00", "timezone": "UTC"}]
	authz.decision.effect == "allow" with input as utc_batch("Tue", 7, 59) with data.mtls.services["billing-internal"].time_windows as w
	authz.decision.effect == "deny" with input as utc_batch("Tue", 8, 0) with data.mtls.services["billing-internal"].time_windows as w
}

test_window_ttl_before_and_after_midnight if {
	# 23:00:51 -> 06:00 is 7 h minus 51 s; the certificate bound is removed
	inp := json.remove(utc_batch("Tue", 23, 0), ["certificate/not_after", "certificate/expires_in_days"])
	authz.time_window_seconds_left == 25149 with input as inp
	inp2 := json.remove(utc_batch("Wed", 5, 30), ["certificate/not_after", "certificate/expires_in_days"])
	authz.time_window_seconds_left == 1749 with input as inp2
	authz.decision.ttl_seconds == 600 with input as inp
	authz.decision.ttl_seconds == 600 with input as inp2 with data.mtls.services["billing-internal"].time_windows as null
}

test_latest_closing_window_bounds_the_ttl if {
	w := [
		{"from": "09:00", "to": "09:35", "timezone": "UTC"},
		{"from": "09:30", "to": "09:40", "timezone": "UTC"},
		{"from": "11:00", "to": "12:00", "timezone": "UTC"},
	]
	authz.time_window_seconds_left == 588 with input as alice_input with data.mtls.services["admin-console"].time_windows as w
}

test_second_of_minute if {
	authz.second_of_minute == 12 with input as alice_input
	authz.second_of_minute == 0 with input as json.remove(alice_input, ["time/now"])
	authz.second_of_minute == 0 with input as patch(alice_input, {"time": {"now": "2026-03-10T09:30Z"}})
}

test_rfc3339_seconds if {
	authz.rfc3339_seconds("1970-01-01T00:00:00Z") == 0
	authz.rfc3339_seconds("1969-12-31T23:59:59Z") == -1
	authz.rfc3339_seconds("2000-03-01T00:00:00Z") == 951868800
	authz.rfc3339_seconds("2024-02-29T12:00:00+02:00") == 1709200800
	authz.rfc3339_seconds("2024-02-29T05:30:00-04:30") == 1709200800
	authz.rfc3339_seconds("2026-03-10t09:30:12.345z") == 1773135012
	authz.rfc3339_seconds("2026-03-10 09:30:12.345678+00:00") == 1773135012
	not authz.rfc3339_seconds("2026-03-10T09:30:12")
	not authz.rfc3339_seconds("2026-03-10T09:30:12+0100")
	not authz.rfc3339_seconds("2026/03/10T09:30:12Z")
	not authz.rfc3339_seconds("2026-03-10X09:30:12Z")
	not authz.rfc3339_seconds("2026-03-10T09-30-12Z")
	not authz.rfc3339_seconds("2026-03-10T09:30:12*01:00")
	not authz.rfc3339_seconds(1773135012)
}

test_now_seconds_from_epoch_ms_else_now if {
	authz.now_seconds == 1773135012 with input as alice_input
	authz.now_seconds == 1773135012 with input as json.remove(alice_input, ["time/epoch_ms"])
}

test_cert_seconds_left_only_near_expiry if {
	not authz.cert_seconds_left with input as alice_input
	authz.cert_seconds_left == 429 with input as batch_input
	authz.cert_seconds_left == 15552000 - 2 with input as patch(alice_input, {"certificate": {"expires_in_days": 1, "not_after": "2026-09-06T09:30:10Z"}})
}

test_rfc3339_seconds_across_the_tabled_years if {
	authz.rfc3339_seconds("2000-01-01T00:00:00Z") == 946684800
	authz.rfc3339_seconds("2000-02-29T12:00:00Z") == 951825600
	authz.rfc3339_seconds("2024-12-31T23:59:59Z") == 1735689599
	authz.rfc3339_seconds("2100-03-01T00:00:00Z") == 4107542400
	authz.rfc3339_seconds("2399-12-31T23:59:59Z") == 13569465599
	authz.rfc3339_seconds("2400-03-01T00:00:00Z") == 13574649600
	authz.rfc3339_seconds("2026-13-01T00:00:00Z") == authz.rfc3339_seconds("2027-01-01T00:00:00Z")
}

test_rfc3339_seconds_every_month if {
	authz.rfc3339_seconds("2026-01-15T06:07:08Z") == 1768457228
	authz.rfc3339_seconds("2251-02-15T06:07:08Z") == 8871401228
	authz.rfc3339_seconds("2026-03-15T06:07:08Z") == 1773554828
	authz.rfc3339_seconds("2251-04-15T06:07:08Z") == 8876498828
	authz.rfc3339_seconds("2026-05-15T06:07:08Z") == 1778825228
	authz.rfc3339_seconds("2251-06-15T06:07:08Z") == 8881769228
	authz.rfc3339_seconds("2026-07-15T06:07:08Z") == 1784095628
	authz.rfc3339_seconds("2251-08-15T06:07:08Z") == 8887039628
	authz.rfc3339_seconds("2026-09-15T06:07:08Z") == 1789452428
	authz.rfc3339_seconds("2251-10-15T06:07:08Z") == 8892310028
	authz.rfc3339_seconds("2026-11-15T06:07:08Z") == 1794722828
	authz.rfc3339_seconds("2251-12-15T06:07:08Z") == 8897580428
}

# A window whose detail cannot be worked out still yields a reason with a message.
test_window_detail_falls_back_to_a_generic_message if {
	authz.window_detail("x", {}, {"weekday": "Mon", "hour": 9, "minute": 0}) == "outside the allowed time windows"
}
