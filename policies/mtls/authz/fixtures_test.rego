# Shared fixtures: one allowed request per demo service (see data.json).
# alice_input is policies/testdata/allow.json.
package mtls.authz_test

alice_input := {
	"certificate": {
		"present": true,
		"verified": true,
		"verify_code": 0,
		"sha1": "8beb576d759b77c90532e4aa9848f02e4628fbf4",
		"sha256": "bfac3ee1c1786f7e294617205583ebd72cc3e8680e9ad267f19032e6b06602a2",
		"subject_dn": "CN=Alice Martin,OU=Workforce,O=Example Corp,C=US",
		"issuer_dn": "CN=Example Corp Issuing CA 1,O=Example Corp,C=US",
		"cn": "Alice Martin",
		"ou": ["Workforce"],
		"o": "Example Corp",
		"serial": "4f1c2a9be07d3c55a1e8",
		"not_before": "2025-09-01T00:00:00Z",
		"not_after": "2026-09-01T00:00:00Z",
		"expires_in_days": 174,
		"san": {
			"dns": [],
			"uri": [],
			"email": ["alice@corp.example.com"],
			"ip": [],
		},
		"chain_sha256": [
			"bfac3ee1c1786f7e294617205583ebd72cc3e8680e9ad267f19032e6b06602a2",
			"34a8f033ab47e99cb302f5ab5d7056bb7f4d84c6348a556326374459e3643e04",
			"6bd21aced0752176f4abebc3a9b1a96799229e317cf8f5f43c5f25205946d37d",
		],
	},
	"connection": {
		"client_ip": "10.14.2.31",
		"sni": "console.corp.example.com",
		"tls_version": "TLSv1.3",
		"cipher": "TLS_AES_128_GCM_SHA256",
	},
	"request": {
		"method": "GET",
		"path": "/admin/users?page=2",
		"host": "console.corp.example.com",
		"headers": {
			"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
			"accept": "application/json",
			"x-request-id": "7c0e5d1a-2f44-4c1b-9a57-0c1f3e2d9b11",
		},
	},
	"service": {
		"id": "admin-console",
		"profile": "workforce",
	},
	"subject": {
		"id": "alice",
		"groups": [
			"staff",
			"sre",
		],
		"groups_status": "ok",
	},
	"mfa": {
		"verified": true,
		"methods": [
			"pwd",
			"hwk",
		],
		"acr": "urn:example:acr:phr",
		"age_seconds": 240,
		"status": "ok",
		"token_bound": true,
	},
	"device": {
		"id": "dev-7f3a9c",
		"status": "ok",
		"posture": {
			"compliant": true,
			"managed": true,
			"disk_encrypted": true,
			"os_patch_age_days": 6,
			"edr_running": true,
			"os": "macos",
		},
	},
	"time": {
		"now": "2026-03-10T09:30:12.345Z",
		"epoch_ms": 1773135012345,
		"timezone": "UTC",
		"weekday": "Tue",
		"hour": 9,
		"minute": 30,
		"zones": {
			"Europe/London": {
				"weekday": "Tue",
				"hour": 9,
				"minute": 30,
			},
			"Europe/Paris": {
				"weekday": "Tue",
				"hour": 10,
				"minute": 30,
			},
			"UTC": {
				"weekday": "Tue",
				"hour": 9,
				"minute": 30,
			},
		},
	},
}

acme_input := {
	"certificate": {
		"present": true,
		"verified": true,
		"verify_code": 0,
		"sha1": "b120965b687392903a01f7121bd6436af1f25a69",
		"sha256": "903400f057855f842293a366b0ea5e498f31cf010aa509acc28947e3b20f9b79",
		"subject_dn": "CN=erp.acme.example,OU=Integrations,O=Acme Partners Ltd,C=GB",
		"issuer_dn": "CN=Acme Partner CA,O=Acme Partners Ltd,C=GB",
		"cn": "erp.acme.example",
		"ou": ["Integrations"],
		"o": "Acme Partners Ltd",
		"serial": "0a3f9c1d77e2b4c8",
		"not_before": "2025-06-01T00:00:00Z",
		"not_after": "2026-06-01T00:00:00Z",
		"expires_in_days": 82,
		"san": {
			"dns": ["erp.acme.example"],
			"uri": [],
			"email": [],
			"ip": [],
		},
		"chain_sha256": [
			"903400f057855f842293a366b0ea5e498f31cf010aa509acc28947e3b20f9b79",
			"2b69ade8e8aade228e239d05882848de422c77fcd8987efd005ccefbe851bee2",
		],
	},
	"connection": {
		"client_ip": "203.0.113.20",
		"sni": "api.example.com",
		"tls_version": "TLSv1.3",
		"cipher": "TLS_AES_256_GCM_SHA384",
	},
	"request": {
		"method": "POST",
		"path": "/v2/orders",
		"host": "api.example.com",
		"headers": {
			"user-agent": "acme-erp-connector/4.2.1",
			"content-type": "application/json",
			"x-request-id": "b3e1c9a0-5d2f-4e61-8b7a-2c9d0f4e1a36",
		},
	},
	"service": {
		"id": "partner-api",
		"profile": "partner",
	},
	"subject": {
		"id": "erp.acme.example",
		"groups": [],
		"groups_status": "ok",
	},
	"time": {
		"now": "2026-03-10T14:05:40Z",
		"epoch_ms": 1773151540000,
		"timezone": "UTC",
		"weekday": "Tue",
		"hour": 14,
		"minute": 5,
		"zones": {
			"Europe/London": {
				"weekday": "Tue",
				"hour": 14,
				"minute": 5,
			},
			"Europe/Paris": {
				"weekday": "Tue",
				"hour": 15,
				"minute": 5,
			},
			"UTC": {
				"weekday": "Tue",
				"hour": 14,
				"minute": 5,
			},
		},
	},
}

batch_input := {
	"certificate": {
		"present": true,
		"verified": true,
		"verify_code": 0,
		"sha1": "c175dc238c6cbd531cab4fb52598c87671959cb5",
		"sha256": "02979b49fa40e4aade47c99dda32a3df76ddc830b74bf1e87cb098f7198606bc",
		"subject_dn": "O=Example Corp,C=US",
		"issuer_dn": "CN=Example Corp Issuing CA 1,O=Example Corp,C=US",
		"o": "Example Corp",
		"ou": [],
		"serial": "7be1044c9d02a3f6",
		"not_before": "2026-03-09T22:00:00Z",
		"not_after": "2026-03-10T23:10:00Z",
		"expires_in_days": 0,
		"san": {
			"dns": [],
			"uri": ["spiffe://corp.example.com/ns/billing/sa/batch"],
			"email": [],
			"ip": [],
		},
		"spiffe_id": "spiffe://corp.example.com/ns/billing/sa/batch",
		"chain_sha256": [
			"02979b49fa40e4aade47c99dda32a3df76ddc830b74bf1e87cb098f7198606bc",
			"34a8f033ab47e99cb302f5ab5d7056bb7f4d84c6348a556326374459e3643e04",
			"6bd21aced0752176f4abebc3a9b1a96799229e317cf8f5f43c5f25205946d37d",
		],
	},
	"connection": {
		"client_ip": "10.31.7.200",
		"sni": "billing.internal.corp.example.com",
		"tls_version": "TLSv1.3",
		"cipher": "TLS_AES_128_GCM_SHA256",
	},
	"request": {
		"method": "POST",
		"path": "/v1/invoices",
		"host": "billing.internal.corp.example.com",
		"headers": {
			"user-agent": "billing-batch/2.8.0",
			"x-request-id": "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f",
		},
	},
	"service": {
		"id": "billing-internal",
		"profile": "internal-backend",
	},
	"time": {
		"now": "2026-03-10T23:02:51Z",
		"epoch_ms": 1773183771000,
		"timezone": "UTC",
		"weekday": "Tue",
		"hour": 23,
		"minute": 2,
		"zones": {
			"Europe/London": {
				"weekday": "Tue",
				"hour": 23,
				"minute": 2,
			},
			"Europe/Paris": {
				"weekday": "Wed",
				"hour": 0,
				"minute": 2,
			},
			"UTC": {
				"weekday": "Tue",
				"hour": 23,
				"minute": 2,
			},
		},
	},
}

# Deep merge of a patch into a fixture (objects merge, other values replace).
patch(base, changes) := object.union(base, changes)

# The reason codes of a decision, as a set.
codes(d) := {r.code | some r in d.reasons}

# data.mtls.services with services[id][key] replaced by value. (Use this
# rather than "with data.mtls.services[id][key] as value": OPA merges such an
# override with the original object when a rule reaches it through a dynamic
# reference.)
service_with(id, key, value) := object.union(
	object.remove(data.mtls.services, [id]),
	{id: object.union(object.remove(data.mtls.services[id], [key]), {key: value})},
)
