package httpapi.authz

default allow := false

allow if input.user == "alice"

allow if data.users[input.user].admin

greeting := sprintf("hi %s", [input.user])

roles := ["reader", "writer"]

deny contains msg if {
	input.user == "eve"
	msg := "eve is blocked"
}

deny contains "no user" if not input.user

clock := input.time if is_string(input.time)

users[name] := role(u) if some name, u in data.users

role(u) := "admin" if u.admin

else := "user"
