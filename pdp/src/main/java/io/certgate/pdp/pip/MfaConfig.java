package io.certgate.pdp.pip;

import com.nimbusds.jose.JWSAlgorithm;
import io.certgate.pdp.config.ConfigNode;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code providers.mfa}: MFA facts from the OIDC token in {@code Authorization: Bearer …}, verified
 * against the issuer's JWKS. A token counts as multi-factor when one of its {@code amr} values is in
 * {@code mfaAmr} or its {@code acr} is in {@code mfaAcr}.
 */
public record MfaConfig(HttpEndpoint jwks, String issuer, Set<String> audiences, Duration clockSkew,
        Set<JWSAlgorithm> algorithms, Set<String> mfaAmr, Set<String> mfaAcr, ResilienceSettings resilience) {

    static final List<String> ASYMMETRIC = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
            "ES384", "ES512", "EdDSA", "Ed25519");
    static final List<String> DEFAULT_MFA_AMR = List.of("mfa", "otp", "hwk", "swk", "fpt", "face", "sc");

    /** JWKS: fresh for 5 minutes, usable for an hour while the issuer is down (keys rotate slowly). */
    static ResilienceSettings jwksDefaults() {
        ResilienceSettings d = ResilienceSettings.defaults();
        return new ResilienceSettings(d.timeout(), 4, Duration.ofSeconds(300), Duration.ofSeconds(240),
                Duration.ofSeconds(3600), 4, d.failureRatePercent(), d.minimumCalls(), d.windowCalls(),
                d.breakerOpen());
    }

    static MfaConfig parse(ConfigNode s) {
        URI uri = s.url("jwks_url", HttpEndpoint.HTTP, "the issuer's jwks_uri, e.g. https://idp.example.com/jwks.json",
                "must be an http(s) URL");
        if (uri == null) {
            uri = URI.create("http://invalid/");
        }
        String issuer = s.string("issuer", null);
        if (issuer == null) {
            s.error("issuer", "is required (the exact iss of accepted tokens)");
        }
        List<String> aud = s.strings("audience");
        if (aud.isEmpty()) {
            s.error("audience", "is required: a list of accepted aud values");
        }
        int skew = s.integer("clock_skew_seconds", 30, 0, 300);
        List<String> algs = s.has("algorithms") ? s.strings("algorithms") : ASYMMETRIC;
        Set<JWSAlgorithm> accepted = new LinkedHashSet<>();
        for (int i = 0; i < algs.size(); i++) {
            if (!ASYMMETRIC.contains(algs.get(i))) {
                s.error("algorithms[" + i + "]", "'" + algs.get(i) + "' is not accepted: only asymmetric signature"
                        + " algorithms verify against a JWKS (" + String.join(", ", ASYMMETRIC) + ")");
            } else {
                accepted.add(JWSAlgorithm.parse(algs.get(i)));
            }
        }
        List<String> amr = s.has("mfa_amr") ? s.strings("mfa_amr") : DEFAULT_MFA_AMR;
        List<String> acr = s.strings("mfa_acr");
        return new MfaConfig(new HttpEndpoint(uri, null), issuer == null ? "" : issuer, new LinkedHashSet<>(aud),
                Duration.ofSeconds(skew), accepted, new LinkedHashSet<>(amr), new LinkedHashSet<>(acr),
                ResilienceSettings.parse(s, jwksDefaults()));
    }
}
