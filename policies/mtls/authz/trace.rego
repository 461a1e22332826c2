# Decision trace, for what-if analysis (pdp.jar decide --trace): for every
# outcome class in precedence order, whether it passed, the reasons it produced
# and the data and input values its checks read. Computed by the same rules as
# the decision, so it is exact for what ran. The PDP evaluates it only when
# asked, never per request.
package mtls.authz

# METADATA
# entrypoint: true
decision_trace := {
	"decision": decision,
	"winning_class": value_or_null([winning_class | winning_class]),
	"classes": class_traces,
}

class_traces := [t |
	some pair in sort([[c.rank, n] | some n, c in classes])
	name := pair[1]
	t := {
		"class": name,
		"rank": classes[name].rank,
		"effect": classes[name].effect,
		"status": classes[name].status,
		"passed": count(reasons_by_class[name]) == 0,
		"won": [name] == [winning_class | winning_class],
		"reasons": reasons_by_class[name],
		"consulted": consulted[name],
	}
]

reasons_by_class[name] := sort([v | some v in violations; class_of(v.code) == name]) if some name, _ in classes

# What each class's checks read, by data.json key or input field.
consulted := {
	"certificate": {
		"input.certificate": traced_certificate,
		"verify": verify_mode,
		"data.mtls.revoked": count([true | revoked_fingerprint(data.mtls.revoked, cert)]) > 0,
	},
	"method": {
		"input.request.method": or_null(or_null(traced_input, "request"), "method"),
		"service.methods": or_null(traced_service, "methods"),
		"profile": value_or_null([profile | profile]),
		"data.mtls.profiles[profile].methods": value_or_null([m | m := data.mtls.profiles[profile].methods]),
	},
	"rate_limit": {"input.limits": or_null(traced_input, "limits")},
	"policy": {
		"service_id": or_null(or_null(traced_input, "service"), "id"),
		"data.mtls.services[service_id]": traced_service,
		"issuers": {"allowed_for_service": sort(service_issuer_ids), "vouching": sort(matched_issuers)},
		"clients": {
			"matched": sort(matched_clients),
			"client_id": value_or_null([client_id | client_id]),
			"entry": traced_client,
		},
		"client_ip": value_or_null([client_ip | client_ip]),
		"allowed_cidrs": {
			"service": or_null(traced_service, "allowed_cidrs"),
			"issuers": trace_issuer_cidrs,
			"client": or_null(traced_client, "allowed_cidrs"),
		},
		"groups": {
			"required": or_null(or_null(traced_service, "groups"), "any_of"),
			"subject": sort(subject_groups),
			"status": groups_status,
		},
		"device": {
			"require": or_null(or_null(traced_service, "device"), "require"),
			"posture": or_null(or_null(traced_input, "device"), "posture"),
			"status": device_status,
		},
		"time": {"time_windows": or_null(traced_service, "time_windows"), "clocks": trace_clocks},
	},
	"challenge": {
		"service.mfa": or_null(traced_service, "mfa"),
		"required": count([true | mfa_required]) > 0,
		"input.mfa": or_null(traced_input, "mfa"),
	},
}

traced_input := value_or_null([input | input])

traced_service := value_or_null([svc | svc])

traced_client := value_or_null([client | client])

traced_certificate[k] := cert[k] if {
	some k in ["present", "verified", "verify_code", "verify_error", "issuer_dn", "subject_dn", "not_after", "sha256"]
}

# The only element of a zero- or one-element array, or null: [rule | rule]
# turns a possibly undefined rule into a value the trace can always show.
value_or_null(xs) := xs[0] if count(xs) > 0

else := null

# The value under key, or null when the object or the key is missing.
or_null(obj, key) := object.get(obj, key, null) if is_object(obj)

else := null

# The allow-lists of the issuers that may vouch for this service.
trace_issuer_cidrs[id] := cidrs if {
	some id in allowed_issuers
	cidrs := data.mtls.issuers[id].allowed_cidrs
	is_array(cidrs)
}

# The local clock of every time zone the service's windows name.
trace_clocks[w.timezone] := window_clock(w) if {
	some w in svc.time_windows
}
