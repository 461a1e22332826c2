package io.certgate.pdp.pip;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.config.ConfigNode;

/**
 * The {@code providers:} section of pdp.yaml: each provider is off unless its sub-section is present.
 * At most one group source (LDAP or SCIM).
 *
 * @param apiKeys the store of API keys the bundle's {@code data.json} does not list
 */
public record ProvidersConfig(@Nullable LdapConfig ldap, @Nullable ScimConfig scim, @Nullable PostureConfig posture,
        @Nullable MfaConfig mfa, @Nullable ApiKeysConfig apiKeys) {

    public static ProvidersConfig none() {
        return new ProvidersConfig(null, null, null, null, null);
    }

    public boolean isEmpty() {
        return ldap == null && scim == null && posture == null && mfa == null && apiKeys == null;
    }

    /** Parses {@code providers} (errors go to the section's error list, located by path). */
    public static ProvidersConfig parse(ConfigNode providers) {
        LdapConfig ldap = null;
        ScimConfig scim = null;
        PostureConfig posture = null;
        MfaConfig mfa = null;
        ApiKeysConfig apiKeys = null;
        if (providers.has("ldap")) {
            ConfigNode s = providers.section("ldap");
            ldap = LdapConfig.parse(s);
            s.rejectUnknownKeys();
        }
        if (providers.has("scim")) {
            ConfigNode s = providers.section("scim");
            scim = ScimConfig.parse(s);
            s.rejectUnknownKeys();
        }
        if (ldap != null && scim != null) {
            providers.error("scim", "configure one group source: ldap or scim, not both");
        }
        if (providers.has("posture")) {
            ConfigNode s = providers.section("posture");
            posture = PostureConfig.parse(s);
            s.rejectUnknownKeys();
        }
        if (providers.has("mfa")) {
            ConfigNode s = providers.section("mfa");
            mfa = MfaConfig.parse(s);
            s.rejectUnknownKeys();
        }
        if (providers.has("api_keys")) {
            ConfigNode s = providers.section("api_keys");
            apiKeys = ApiKeysConfig.parse(s);
            s.rejectUnknownKeys();
        }
        // mark the known keys as read, also when absent
        providers.section("ldap");
        providers.section("scim");
        providers.section("posture");
        providers.section("mfa");
        providers.section("api_keys");
        providers.rejectUnknownKeys();
        return new ProvidersConfig(ldap, scim, posture, mfa, apiKeys);
    }
}
