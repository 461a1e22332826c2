package httpapi.authz.nested

flag := true

count_users := count(data.users)
