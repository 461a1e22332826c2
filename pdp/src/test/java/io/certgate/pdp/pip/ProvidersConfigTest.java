package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.PdpConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code providers:} section of pdp.yaml: defaults, the example of docs/pdp.md, and located errors. */
class ProvidersConfigTest {

    @Test
    void absentMeansOff() throws Exception {
        assertThat(PdpConfig.parse("server: {port: 0}", "t").providers().isEmpty()).isTrue();
        assertThat(PdpConfig.defaults().providers()).isEqualTo(ProvidersConfig.none());
    }

    @Test
    void theDocumentedExampleParses() throws Exception {
        ProvidersConfig p = PdpConfig.parse("""
                providers:
                  ldap:
                    url: ldaps://ldap.corp.example.com:636
                    bind_dn: cn=certgate,ou=services,dc=corp,dc=example,dc=com
                    bind_password: secret
                    base_dn: ou=people,dc=corp,dc=example,dc=com
                    user_filter: (mail={id})
                    subject_from: san_email
                    groups_from: member_of
                    timeout_ms: 200
                    cache: {ttl_seconds: 300, refresh_after_seconds: 240, max_stale_seconds: 900}
                    breaker: {failure_rate_percent: 50, minimum_calls: 5, window_calls: 20, open_seconds: 15}
                  posture:
                    base_url: https://posture.corp.example.com/api
                    device_from: san_uri
                    device_prefix: "urn:device:"
                    token_env: HOME
                  mfa:
                    jwks_url: https://idp.corp.example.com/.well-known/jwks.json
                    issuer: https://idp.corp.example.com
                    audience: [certgate]
                    clock_skew_seconds: 30
                    mfa_acr: [urn:example:acr:mfa, urn:example:acr:phr]
                """, "t").providers();
        assertThat(p.ldap().subject()).isEqualTo(new IdentitySource("san_email", ""));
        assertThat(p.ldap().resilience().timeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(p.ldap().memberOf()).isTrue();
        assertThat(p.posture().device()).isEqualTo(new IdentitySource("san_uri", "urn:device:"));
        assertThat(p.posture().endpoint().bearerToken()).isEqualTo(System.getenv("HOME"));
        assertThat(p.mfa().algorithms()).contains(JWSAlgorithm.RS256, JWSAlgorithm.ES256)
                .doesNotContain(JWSAlgorithm.HS256);
        assertThat(p.mfa().resilience().maxStale()).isEqualTo(Duration.ofHours(1));
        assertThat(p.scim()).isNull();
    }

    @Test
    void everyErrorIsReportedWithItsPath() {
        assertThatThrownBy(() -> PdpConfig.parse("""
                providers:
                  ldap: {url: 'http://x', user_filter: '(uid=x', groups_from: both, bind_dn: 'cn=x',
                         subject_from: nickname, cache: {ttl_seconds: 10, refresh_after_seconds: 20}, colour: red}
                  scim: {base_url: 'ftp://scim'}
                  posture: {timeout_ms: 0}
                  mfa: {jwks_url: 'https://idp/jwks', issuer: 'https://idp', audience: [], algorithms: [RS256, HS256, none]}
                  opa: {}
                """, "pdp.yaml"))
                .isInstanceOf(ConfigException.class)
                .message()
                .contains("providers.ldap.url: must be ldap://host[:port] or ldaps://host[:port], got 'http://x'")
                .contains("providers.ldap.base_dn: is required")
                .contains("providers.ldap.user_filter: must contain {id}")
                .contains("providers.ldap.groups_from: must be one of member_of | search, got 'both'")
                .contains("providers.ldap.bind_dn: needs bind_password or bind_password_env")
                .contains("providers.ldap.subject_from: must be one of cn | serial | san_email")
                .contains("providers.ldap.cache.refresh_after_seconds: must be at most ttl_seconds (10), got 20")
                .contains("providers.ldap.colour: unknown key")
                .contains("providers.scim.base_url: must be an http(s) URL, got 'ftp://scim'")
                .contains("providers.scim: configure one group source: ldap or scim, not both")
                .contains("providers.posture.base_url: is required")
                .contains("providers.posture.timeout_ms: must be an integer in [1, 60000], got 0")
                .contains("providers.mfa.audience: is required")
                .contains("providers.mfa.algorithms[1]: 'HS256' is not accepted: only asymmetric")
                .contains("providers.mfa.algorithms[2]: 'none' is not accepted")
                .contains("providers.opa: unknown key");
    }

    @Test
    void aUrlWithoutSchemeIsALocatedErrorNotACrash() {
        assertThatThrownBy(() -> PdpConfig.parse("""
                providers:
                  posture: {base_url: posture.corp.example.com/api}
                  mfa: {jwks_url: idp.example.com/jwks.json, issuer: 'https://idp', audience: [certgate]}
                """, "pdp.yaml"))
                .isInstanceOf(ConfigException.class)
                .message()
                .contains("providers.posture.base_url: must be an http(s) URL, got 'posture.corp.example.com/api'")
                .contains("providers.mfa.jwks_url: must be an http(s) URL, got 'idp.example.com/jwks.json'");
    }

    @Test
    void anLdapFilterThatDoesNotParseIsAConfigError() {
        assertThatThrownBy(() -> PdpConfig.parse("providers:\n  ldap: {url: 'ldap://x', base_dn: 'dc=x',"
                + " user_filter: '(&(uid={id})'}\n", "t"))
                .hasMessageContaining("providers.ldap.user_filter: is not an LDAP filter (RFC 4515)");
    }
}
