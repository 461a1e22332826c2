package io.certgate.pep.quickstart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.Server;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldif.LDIFException;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * The systems a conditional-access decision asks, in miniature, all on loopback: a directory
 * (UnboundID's in-memory LDAP server) with the demo identities' groups, a device posture service
 * ({@code GET /devices/{id}}) and an MFA token issuer ({@code POST /idp/token}, keys at
 * {@code /idp/jwks.json}) whose tokens say the user just completed a second factor.
 */
final class DemoProviders implements AutoCloseable {
    static final String BASE_DN = "dc=demo,dc=certgate";
    static final String AUDIENCE = "certgate-quickstart";
    static final String MFA_ACR = "urn:certgate:acr:mfa";

    /** Device posture by certificate CN: the partner's machine is healthy, the IoT device is not. */
    private static final Map<String, Map<String, Object>> POSTURE = Map.of(
            "billing-service", Map.of("compliant", true, "managed", true, "disk_encrypted", true,
                    "edr_running", true, "os_patch_age_days", 3, "last_seen", "2026-11-23T08:00:00Z"),
            "device-A1B2C3D4E5F6", Map.of("compliant", false, "managed", true, "disk_encrypted", false,
                    "edr_running", false, "os_patch_age_days", 210, "last_seen", "2026-11-20T17:45:00Z"));

    private final InMemoryDirectoryServer ldap;
    private final Server http;
    private final ECKey signingKey;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    private DemoProviders(Clock clock, int httpPort) throws LDAPException, LDIFException, JOSEException {
        this.clock = clock;
        this.signingKey = new ECKeyGenerator(Curve.P_256).keyID("quickstart-1").generate();
        this.ldap = directory();
        this.http = Server.builder()
                .http(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort))
                // demo parts stay out of the gateway's metrics; a registry of its own, as every server registers
                // the shared blocking executor's meters and a second registration in one registry logs a WARN
                .meterRegistry(new CompositeMeterRegistry())
                .service("/devices/{id}", (ctx, req) -> posture(ctx.pathParam("id")))
                .service("/idp/jwks.json", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8,
                        new JWKSet(signingKey.toPublicJWK()).toString()))
                .service("/idp/token", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(r -> {
                    String subject = QueryParams.fromQueryString(r.contentUtf8()).get("sub", "billing-service");
                    return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, token(subject));
                })))
                .build();
    }

    /** Starts the providers, the HTTP ones (token issuer, device posture) on {@code httpPort} (0 = any). */
    static DemoProviders start(Clock clock, int httpPort) throws Exception {
        DemoProviders p = new DemoProviders(clock, httpPort);
        p.ldap.startListening();
        p.http.start().join();
        return p;
    }

    private static InMemoryDirectoryServer directory() throws LDAPException, LDIFException {
        InMemoryDirectoryServerConfig cfg = new InMemoryDirectoryServerConfig(BASE_DN);
        cfg.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("demo", InetAddress.getLoopbackAddress(), 0,
                null));
        cfg.setSchema(null); // memberOf as a plain attribute, as Active Directory and OpenLDAP's overlay show it
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(cfg);
        server.add("dn: " + BASE_DN, "objectClass: domain", "dc: demo");
        server.add("dn: ou=people," + BASE_DN, "objectClass: organizationalUnit", "ou: people");
        server.add("dn: ou=groups," + BASE_DN, "objectClass: organizationalUnit", "ou: groups");
        for (String group : List.of("partners", "iot-devices")) {
            server.add("dn: cn=" + group + ",ou=groups," + BASE_DN, "objectClass: groupOfNames", "cn: " + group);
        }
        server.add("dn: uid=billing-service,ou=people," + BASE_DN, "objectClass: inetOrgPerson",
                "uid: billing-service", "cn: billing-service", "sn: Billing",
                "memberOf: cn=partners,ou=groups," + BASE_DN);
        server.add("dn: uid=device-A1B2C3D4E5F6,ou=people," + BASE_DN, "objectClass: inetOrgPerson",
                "uid: device-A1B2C3D4E5F6", "cn: device-A1B2C3D4E5F6", "sn: Sensor",
                "memberOf: cn=iot-devices,ou=groups," + BASE_DN);
        return server;
    }

    private HttpResponse posture(String deviceId) {
        Map<String, Object> p = POSTURE.get(deviceId);
        if (p == null) {
            return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.JSON_UTF_8, "{\"error\":\"unknown device\"}");
        }
        ObjectNode body = json.createObjectNode().put("device_id", deviceId);
        body.setAll((ObjectNode) json.valueToTree(p));
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, body.toString());
    }

    /** A token for {@code subject} whose second factor was completed just now. */
    String token(String subject) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer())
                .audience(AUDIENCE)
                .subject(subject)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(15))))
                .claim("auth_time", now.getEpochSecond())
                .claim("amr", List.of("pwd", "otp"))
                .claim("acr", MFA_ACR)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKey.getKeyID()).build(),
                claims);
        try {
            jwt.sign(new ECDSASigner(signingKey));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the demo token", e);
        }
        return jwt.serialize();
    }

    int ldapPort() {
        return ldap.getListenPort();
    }

    int httpPort() {
        return http.activeLocalPort();
    }

    String httpBase() {
        return "http://127.0.0.1:" + httpPort();
    }

    String issuer() {
        return httpBase() + "/idp";
    }

    @Override
    public void close() {
        http.stop().join();
        ldap.shutDown(true);
    }
}
