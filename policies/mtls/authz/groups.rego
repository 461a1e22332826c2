# Group membership.
# 403 class: GROUP_REQUIRED, GROUPS_UNAVAILABLE, GROUPS_STALE.
# services[x].groups = {any_of: [...], on_unavailable: allow|deny, allow_stale: bool}.
package mtls.authz

# ok | stale | unavailable. An unknown status, or neither a status nor a
# group list in the input, reads as unavailable.
default groups_status := "unavailable"

groups_status := s if {
	s := input.subject.groups_status
	known_status(s)
} else := "ok" if {
	not input.subject.groups_status
	is_array(input.subject.groups)
}

groups_usable if groups_status == "ok"

groups_usable if {
	groups_status == "stale"
	not nested_setting("groups", "allow_stale") == false
}

# One rule for the three reasons (at most one applies): every rule costs a
# memoization in WebAssembly.
policy_violations contains reason(code, group_detail(code, required)) if {
	required := svc.groups.any_of
	is_array(required)
	count(required) > 0
	code := group_problem(required, groups_status)
}

group_problem(_, "unavailable") := "GROUPS_UNAVAILABLE" if {
	not nested_setting("groups", "on_unavailable") == "allow"
}

group_problem(_, "stale") := "GROUPS_STALE" if {
	nested_setting("groups", "allow_stale") == false
}

group_problem(required, _) := "GROUP_REQUIRED" if {
	groups_usable
	not has_required_group(required)
}

# (input.subject.groups is read inside: "not f(x)" with an undefined x is
# not true in Rego.)
has_required_group(required) if {
	groups := input.subject.groups
	some g in required
	g in groups
}

group_detail("GROUPS_UNAVAILABLE", _) := service_requirement_detail("group membership")

group_detail("GROUPS_STALE", _) := service_requirement_detail("fresh group membership")

group_detail("GROUP_REQUIRED", required) := concat("", ["one of ", join_sorted(required)])

# Groups usable for role mapping (obligations): only a known membership.
subject_groups contains g if {
	groups_usable
	some g in input.subject.groups
	is_string(g)
}

# (Function clauses rather than a set literal, which would be rebuilt on
# every evaluation in WebAssembly.)
known_status("ok")

known_status("stale")

known_status("unavailable")

default service_requirement_detail(_) := "the service requires it"

service_requirement_detail(what) := concat("", ["service ", quote(service_id), " requires ", what])
