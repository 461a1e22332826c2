package gateways.common_test

import data.gateways.common

test_challenge_becomes_www_authenticate if {
	common.headers({"effect": "challenge", "challenge": {"acr_values": "urn:example:acr:phr"}}) == {"WWW-Authenticate": "Bearer error=\"insufficient_user_authentication\", acr_values=\"urn:example:acr:phr\""}
}

test_message_defaults_without_reasons if {
	common.message({"reasons": []}) == "access denied"
	common.message({"reasons": [{"code": "X", "message": "why"}]}) == "why"
}

test_wrong_types_are_left_out if {
	common.mapped(7, {"method": 1, "headers": {"accept": "*/*"}}, ["x"], "now") == {
		"certificate": {"present": false},
		"connection": {},
		"request": {"headers": {"accept": "*/*"}},
		"service": {},
	}
}
