package io.certgate.pdp.pip;

import io.certgate.pdp.config.ConfigNode;

/** {@code providers.posture}: device posture from {@code GET {base_url}/devices/{id}}. */
public record PostureConfig(HttpEndpoint endpoint, IdentitySource device, ResilienceSettings resilience) {

    static PostureConfig parse(ConfigNode s) {
        HttpEndpoint endpoint = HttpEndpoint.parse(s);
        IdentitySource device = IdentitySource.parse(s, "device_from", "device_prefix", "cn");
        return new PostureConfig(endpoint, device, ResilienceSettings.parse(s, ResilienceSettings.defaults()));
    }
}
