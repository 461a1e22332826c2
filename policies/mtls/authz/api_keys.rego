# API keys of partners migrating to client certificates.
# A service with verify "optional" and accept_api_keys: true lets a request
# without a certificate be identified by an API key. The PDP looked the key
# up by its SHA-256 in data.mtls.api_keys (or an attribute provider) and
# input.api_key says {present, valid, client_id, key_id}: the key itself
# never enters the input. Only clients marked migrating: true may use a key.
# A presented certificate identifies the client: the key is then ignored.
# A key the bundle does not know may be looked up by the PDP's api_keys
# attribute provider: api_key.status is then ok, stale (its last answer,
# accepted) or unavailable (valid: false; the key could not be checked).
# 401 class: API_KEY_NOT_ACCEPTED, API_KEY_INVALID, API_KEY_UNAVAILABLE,
# CERT_MISSING (neither).
# 403 class: CLIENT_NOT_MIGRATING.
package mtls.authz

# The key the request presents, when no certificate identifies it.
api_key := k if {
	k := input.api_key
	is_object(k)
	k.present == true
	not cert_in_scope
}

# The service opts in to key-based access (never with verify "required").
api_keys_accepted if {
	verify_mode == "optional"
	svc.accept_api_keys == true
}

# The registered client the key maps to.
api_key_client_id := id if {
	api_key.valid == true
	id := api_key.client_id
	is_string(id)
	is_object(data.mtls.clients[id])
}

certificate_violations contains reason("API_KEY_NOT_ACCEPTED", api_key_service_detail) if {
	api_key
	not api_keys_accepted
}

# A service that accepts keys wants one credential or the other.
certificate_violations contains reason("CERT_MISSING", api_key_missing_detail) if {
	api_keys_accepted
	not cert_in_scope
	not api_key
}

certificate_violations contains reason("API_KEY_INVALID", "") if {
	api_keys_accepted
	api_key
	not api_key_client_id
	not api_key_unavailable
}

# The provider could not say: fail closed, but tell the client to retry
# rather than that its key is wrong.
certificate_violations contains reason("API_KEY_UNAVAILABLE", "") if {
	api_keys_accepted
	api_key_unavailable
}

api_key_unavailable if api_key.status == "unavailable"

policy_violations contains reason("CLIENT_NOT_MIGRATING", api_key_client_detail) if {
	api_keys_accepted
	not data.mtls.clients[api_key_client_id].migrating == true
}

default api_key_service_detail := ""

api_key_service_detail := concat("", ["service ", quote(service_id), " requires a client certificate"]) if service_id

default api_key_missing_detail := "or an API key"

api_key_missing_detail := concat("", ["service ", quote(service_id), " requires one or an API key"]) if service_id

api_key_client_detail := concat("", ["client ", quote(api_key_client_id), " must use its certificate"])
