# Group membership.
# 403 class: GROUP_REQUIRED, GROUPS_UNAVAILABLE, GROUPS_STALE.
# services[x].groups = {any_of: [...], on_unavailable: allow|deny, allow_stale: bool}.
package mtls.authz

required_groups := svc.groups.any_of if {
	is_array(svc.groups.any_of)
	count(svc.groups.any_of) > 0
}

# ok | stale | unavailable. An unknown status, or neither a status nor a
# group list in the input, reads as unavailable.
default groups_status := "unavailable"

groups_status := s if {
	s := input.subject.groups_status
	s in {"ok", "stale", "unavailable"}
} else := "ok" if {
	not input.subject.groups_status
	is_array(input.subject.groups)
}

groups_usable if groups_status == "ok"

groups_usable if {
	groups_status == "stale"
	not nested_setting("groups", "allow_stale") == false
}

has_required_group if {
	some g in required_groups
	g in input.subject.groups
}

violations contains reason("GROUPS_UNAVAILABLE", service_requirement_detail("group membership")) if {
	required_groups
	groups_status == "unavailable"
	not nested_setting("groups", "on_unavailable") == "allow"
}

violations contains reason("GROUPS_STALE", service_requirement_detail("fresh group membership")) if {
	required_groups
	groups_status == "stale"
	not groups_usable
}

violations contains reason("GROUP_REQUIRED", concat("", ["one of ", join_sorted(required_groups)])) if {
	required_groups
	groups_usable
	not has_required_group
}

# Groups usable for role mapping (obligations): only a known membership.
subject_groups contains g if {
	groups_usable
	some g in input.subject.groups
	is_string(g)
}

default service_requirement_detail(_) := "the service requires it"

service_requirement_detail(what) := concat("", ["service ", quote(service_id), " requires ", what])
