package io.certgate.pdp.pip;

import io.certgate.pdp.config.ConfigNode;

/**
 * {@code providers.api_keys}: API keys kept in an external store, asked for by the key's SHA-256 at
 * {@code GET {base_url}/api-keys/{sha256}} (the key itself never leaves the gateway).
 */
public record ApiKeysConfig(HttpEndpoint endpoint, ResilienceSettings resilience) {

    static ApiKeysConfig parse(ConfigNode s) {
        HttpEndpoint endpoint = HttpEndpoint.parse(s);
        return new ApiKeysConfig(endpoint, ResilienceSettings.parse(s, ResilienceSettings.defaults()));
    }
}
