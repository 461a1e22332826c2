package test.authz

# METADATA
# entrypoint: true
decision := {
	"effect": effect,
	"status": status,
	"reasons": reasons,
	"obligations": {"headers": {"x-rev": data.rev, "x-user": object.get(input, "user", "")}},
	"ttl_seconds": object.get(input, "ttl", 0),
}

default effect := "deny"

effect := "allow" if input.user in data.allowed

status := 200 if effect == "allow"

status := 403 if effect == "deny"

reasons := [] if effect == "allow"

reasons := [{"code": "USER_NOT_ALLOWED", "message": "not in data.allowed"}] if effect == "deny"

# METADATA
# entrypoint: true
spin := count([x | some x in numbers.range(1, 100000000); x > 0])

# METADATA
# entrypoint: true
hog := [sprintf("%d-padding-padding-padding", [x]) | some x in numbers.range(1, input.n)]

# METADATA
# entrypoint: true
malformed := {"effect": "maybe", "status": 200}

# METADATA
# entrypoint: true
lenient_allow := {"effect": "allow", "status": 500}

# METADATA
# entrypoint: true
echo := input
