package io.certgate.pdp.pip;

import io.certgate.pdp.config.ConfigNode;
import java.util.List;

/**
 * {@code providers.scim}: groups from a SCIM 2.0 service ({@code GET {base_url}/Users?filter=userName eq
 * "…"}); a group's name is its {@code display} (or {@code value}) in the user resource.
 */
public record ScimConfig(HttpEndpoint endpoint, String groupAttribute, IdentitySource subject,
        ResilienceSettings resilience) {

    static ScimConfig parse(ConfigNode s) {
        HttpEndpoint endpoint = HttpEndpoint.parse(s);
        String attr = s.oneOf("group_attribute", "display", List.of("display", "value"));
        IdentitySource subject = IdentitySource.parse(s, "subject_from", "subject_prefix", "cn");
        return new ScimConfig(endpoint, attr, subject, ResilienceSettings.parse(s, ResilienceSettings.defaults()));
    }
}
