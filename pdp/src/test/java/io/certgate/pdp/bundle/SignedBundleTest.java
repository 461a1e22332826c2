package io.certgate.pdp.bundle;

import static io.certgate.pdp.bundle.SignedBundles.tamper;
import static io.certgate.pdp.bundle.SignedBundles.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.annotation.Nullable;
import com.nimbusds.jose.JWSAlgorithm;
import io.certgate.pdp.bundle.SignedBundles.SigningKey;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bundles signed by the pinned opa ({@code opa build --signing-key}, RS256, ES256 and HS256) are verified as
 * OPA verifies them; tampered copies are rejected with their reason while the last good bundle keeps serving.
 */
class SignedBundleTest {
    private static final String ENTRYPOINT = "test/authz/decision";

    @TempDir
    static Path work;

    private static SigningKey rsa;
    private static SigningKey ec;
    private static SigningKey otherRsa;
    private static byte[] rsaSigned;
    private static byte[] ecSignedWithScope;

    private final ObjectMapper json = new ObjectMapper();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<byte[]> next = new AtomicReference<>();
    private PolicyEngine engine;
    private BundleManager manager;

    @BeforeAll
    static void signWithOpa() {
        rsa = SigningKey.create(TestPki.KeyType.RSA_2048, work, "rsa");
        ec = SigningKey.create(TestPki.KeyType.EC_P256, work, "ec");
        otherRsa = SigningKey.create(TestPki.KeyType.RSA_2048, work, "other-rsa");
        Path basic = TestBundles.testPolicies("basic");
        rsaSigned = SignedBundles.build(basic, "rsa-signed", rsa.privatePem(), "RS256", "ci", Map.of(), work);
        ecSignedWithScope = SignedBundles.build(basic, "ec-signed", ec.privatePem(), "ES256", "ci-ec",
                Map.of("scope", "authz", "keyid", "ci-ec"), work);
    }

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private void start(@Nullable BundleVerification verification) {
        engine = new PolicyEngine(EngineOptions.defaults(), json, List.of(ENTRYPOINT));
        BundleSource source = new BundleSource() {
            @Override
            public String describe() {
                return "test-source";
            }

            @Override
            public byte[] poll() {
                return next.getAndSet(null);
            }
        };
        manager = new BundleManager(source,
                new BundleReader(json, verification == null ? null : new SignatureVerifier(verification, json)),
                engine, Clock.systemUTC(), registry);
    }

    private boolean offer(byte[] bundle) {
        next.set(bundle);
        return manager.pollOnce();
    }

    private static BundleVerification keys(VerificationKey... keys) {
        Map<String, VerificationKey> byId = new LinkedHashMap<>();
        for (VerificationKey k : keys) {
            byId.put(k.id(), k);
        }
        return new BundleVerification(byId, null, null, List.of());
    }

    private static BundleVerification rsaOnly() {
        return keys(rsa.verificationKey("ci", JWSAlgorithm.RS256));
    }

    private double rejections(RejectionReason reason) {
        return registry.get("pdp_bundle_rejections_total").tag("reason", reason.label()).counter().count();
    }

    @Test
    void bundlesSignedByOpaWithRs256AndEs256Activate() {
        start(keys(rsa.verificationKey("ci", JWSAlgorithm.RS256),
                new VerificationKey("ci-ec", JWSAlgorithm.ES256, ec.pair().getPublic(), "authz")));
        assertThat(offer(rsaSigned)).as(String.valueOf(manager.status().lastError())).isTrue();
        assertThat(manager.status().revision()).isEqualTo("rsa-signed");
        assertThat(offer(ecSignedWithScope)).as(String.valueOf(manager.status().lastError())).isTrue();
        assertThat(manager.status().revision()).isEqualTo("ec-signed");
        assertThat(manager.status().rejections()).isZero();
    }

    @Test
    void anHs256BundleVerifiesWithTheSharedSecret() {
        String secret = "0123456789abcdef0123456789abcdef-test-secret";
        // opa takes an HMAC secret itself where it takes the path of an RSA or EC key
        byte[] hs = SignedBundles.build(TestBundles.testPolicies("basic"), "hs-signed", Path.of(secret), "HS256",
                "shared", Map.of(), work);
        start(keys(new VerificationKey("shared", JWSAlgorithm.HS256,
                new SecretKeySpec(utf8(secret), "HmacSHA256"), null)));
        assertThat(offer(hs)).as(String.valueOf(manager.status().lastError())).isTrue();

        start(keys(new VerificationKey("shared", JWSAlgorithm.HS256,
                new SecretKeySpec(utf8(secret.replace('0', 'x')), "HmacSHA256"), null)));
        assertThat(offer(hs)).isFalse();
        assertThat(manager.status().lastErrorReason()).isEqualTo(RejectionReason.SIGNATURE_INVALID);
    }

    static Stream<Arguments> tampered() {
        byte[] otherWasm = SignedBundles.entries(TestBundles.compile(TestBundles.testPolicies("cache"), "other"))
                .get("/policy.wasm");
        return Stream.of(
                Arguments.of("changed data.json", RejectionReason.DIGEST_MISMATCH,
                        "/data.json does not match its signature",
                        tamper(rsaSigned, e -> put(e, "/data.json", "{\"rev\":\"A\",\"allowed\":[\"mallory\"]}"))),
                Arguments.of("swapped policy.wasm", RejectionReason.DIGEST_MISMATCH,
                        "/policy.wasm does not match its signature",
                        tamper(rsaSigned, e -> put(e, "/policy.wasm", otherWasm))),
                Arguments.of("added file", RejectionReason.FILE_UNSIGNED,
                        "/extra/data.json is in the bundle but not in its signature",
                        tamper(rsaSigned, e -> put(e, "/extra/data.json", "{\"admin\":true}"))),
                Arguments.of("removed file", RejectionReason.FILE_MISSING,
                        "listed in the signature but not in the bundle: /.manifest",
                        tamper(rsaSigned, e -> remove(e, "/.manifest"))),
                Arguments.of("signature from another key", RejectionReason.SIGNATURE_INVALID,
                        "the signature does not verify with key 'ci' (RS256)",
                        SignedBundles.build(TestBundles.testPolicies("basic"), "forged", otherRsa.privatePem(),
                                "RS256", "ci", Map.of(), work)),
                Arguments.of("truncated JWT", RejectionReason.SIGNATURE_INVALID,
                        "the JWT in /.signatures.json is malformed",
                        tamper(rsaSigned, e -> put(e, "/.signatures.json",
                                "{\"signatures\":[\"" + jwt(rsaSigned).substring(0, jwt(rsaSigned).indexOf('.') + 20)
                                        + "\"]}"))),
                Arguments.of("cut signature", RejectionReason.SIGNATURE_INVALID,
                        "the signature does not verify with key 'ci'",
                        tamper(rsaSigned, e -> put(e, "/.signatures.json",
                                "{\"signatures\":[\"" + jwt(rsaSigned).substring(0, jwt(rsaSigned).length() - 8)
                                        + "\"]}"))),
                Arguments.of("removed .signatures.json", RejectionReason.SIGNATURE_MISSING,
                        "the bundle is not signed (no /.signatures.json)",
                        tamper(rsaSigned, e -> remove(e, "/.signatures.json"))),
                Arguments.of("unsigned bundle", RejectionReason.SIGNATURE_MISSING,
                        "the bundle is not signed", TestBundles.compile(TestBundles.testPolicies("basic"), "plain")),
                Arguments.of("key id not configured", RejectionReason.KEY_UNKNOWN,
                        "signed with key 'ci-ec' (the JWT's keyid claim), which is not in bundle.verification.keys"
                                + " (configured: ci)", ecSignedWithScope),
                Arguments.of("wrong scope", RejectionReason.SCOPE_MISMATCH,
                        "the signature's scope is 'write', expected none",
                        SignedBundles.build(TestBundles.testPolicies("basic"), "scoped", rsa.privatePem(), "RS256",
                                "ci", Map.of("scope", "write", "keyid", "ci"), work)),
                Arguments.of("file appended twice", RejectionReason.INVALID_BUNDLE,
                        "/policy.wasm appears twice in the archive", appendDuplicateWasm(otherWasm)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampered")
    void aTamperedBundleIsRejectedWithItsReasonAndTheLastGoodOneKeepsServing(String name, RejectionReason reason,
            String message, byte[] bundle) {
        start(rsaOnly());
        assertThat(offer(rsaSigned)).as(String.valueOf(manager.status().lastError())).isTrue();

        assertThat(offer(bundle)).isFalse();
        BundleStatus status = manager.status();
        assertThat(status.lastErrorReason()).as(status.lastError()).isEqualTo(reason);
        assertThat(status.lastError()).startsWith("rejected bundle: test-source: ").contains(message);
        assertThat(status.revision()).isEqualTo("rsa-signed");
        assertThat(engine.active().revision()).isEqualTo("rsa-signed");
        assertThat(rejections(reason)).isEqualTo(1.0);
        assertThat(status.rejections()).isEqualTo(1);
    }

    @Test
    void dataIsHashedInOpasCanonicalFormSoReformattingKeepsTheSignature() throws Exception {
        Path dir = TestBundles.copy(TestBundles.testPolicies("basic"), work.resolve("canonical"));
        // numbers as written, escapes as Go writes them, keys in code point (not UTF-16) order
        Files.writeString(dir.resolve("data.json"), """
                {"rev": "A", "allowed": ["alice", "bob"],
                 "extra": {"z": 1.50, "a": 1e3, "n": -0, "big": 12345678901234567890, "t": true, "f": null,
                           "s": "<&> \\" \\\\ \\u0001 \\b\\f\\n\\r\\t \\u2028 ü € 😀", "\uff61": 1, "😀": 2,
                           "nested": [[], {}, [{"b": 1, "a": 2}]]}}
                """, StandardCharsets.UTF_8);
        byte[] signed = SignedBundles.build(dir, "canonical", rsa.privatePem(), "RS256", "ci", Map.of(), work);
        start(rsaOnly());
        assertThat(offer(signed)).as(String.valueOf(manager.status().lastError())).isTrue();

        String data = new String(SignedBundles.entries(signed).get("/data.json"), StandardCharsets.UTF_8);
        // another key order and whitespace; numbers and strings stay as written (OPA hashes numbers as written)
        String reordered = data.replace("{\"a\":2,\"b\":1}", "{\"b\":1,\"a\":2}");
        assertThat(reordered).isNotEqualTo(data);
        String reformatted = spaceOut(reordered);
        byte[] pretty = tamper(signed, e -> put(e, "/data.json", reformatted));
        assertThat(SignedBundles.entries(pretty).get("/data.json")).isNotEqualTo(utf8(data));
        next.set(pretty);
        manager.pollOnce();
        assertThat(manager.status().lastError()).as("same value, other formatting").isNull();

        byte[] changed = tamper(signed, e -> put(e, "/data.json", data.replace("1.50", "1.5")));
        assertThat(offer(changed)).isFalse();
        assertThat(manager.status().lastErrorReason()).isEqualTo(RejectionReason.DIGEST_MISMATCH);
    }

    @Test
    void severalKeysAllowRotation() {
        start(keys(rsa.verificationKey("ci", JWSAlgorithm.RS256),
                new VerificationKey("ci-ec", JWSAlgorithm.ES256, ec.pair().getPublic(), "authz")));
        assertThat(offer(ecSignedWithScope)).as(String.valueOf(manager.status().lastError())).isTrue();
        assertThat(offer(rsaSigned)).as(String.valueOf(manager.status().lastError())).isTrue();
    }

    @Test
    void configuredKeyIdAndScopeOverrideWhatTheSignatureSays() {
        VerificationKey ecKey = new VerificationKey("pinned", JWSAlgorithm.ES256, ec.pair().getPublic(), null);
        start(new BundleVerification(Map.of("pinned", ecKey), "pinned", "authz", List.of()));
        assertThat(offer(ecSignedWithScope)).as(String.valueOf(manager.status().lastError())).isTrue();

        start(new BundleVerification(Map.of("pinned", ecKey), "pinned", "other", List.of()));
        assertThat(offer(ecSignedWithScope)).isFalse();
        assertThat(manager.status().lastError()).contains("the signature's scope is 'authz', expected 'other'"
                + " (bundle.verification.scope)");
    }

    @Test
    void anAlgorithmOtherThanTheKeysIsRefused() {
        start(keys(new VerificationKey("ci", JWSAlgorithm.ES256, ec.pair().getPublic(), null)));
        assertThat(offer(rsaSigned)).isFalse();
        assertThat(manager.status().lastError()).contains("signed with RS256, but key 'ci' is configured for ES256");
        assertThat(manager.status().lastErrorReason()).isEqualTo(RejectionReason.SIGNATURE_INVALID);
    }

    @Test
    void excludedFilesNeedNoSignature() {
        start(new BundleVerification(Map.of("ci", rsa.verificationKey("ci", JWSAlgorithm.RS256)), null, null,
                List.of("notes/*.md")));
        assertThat(offer(tamper(rsaSigned, e -> put(e, "/notes/README.md", "unsigned notes")))).isTrue();
        assertThat(offer(tamper(rsaSigned, e -> put(e, "/notes/deeper/README.md", "x")))).as("* stops at /")
                .isFalse();
        assertThat(manager.status().lastErrorReason()).isEqualTo(RejectionReason.FILE_UNSIGNED);
    }

    @Test
    void withoutVerificationSignaturesAreIgnoredAsBefore() {
        start(null);
        assertThat(offer(TestBundles.compile(TestBundles.testPolicies("basic"), "plain"))).isTrue();
        assertThat(offer(tamper(rsaSigned, e -> put(e, "/.signatures.json", "not even JSON")))).isTrue();
        assertThat(manager.status().rejections()).isZero();
    }

    /** {@code doc} with a newline and indent after every {@code ,} and a space after every {@code :} outside strings. */
    private static String spaceOut(String doc) {
        StringBuilder out = new StringBuilder("\n");
        boolean inString = false;
        for (int i = 0; i < doc.length(); i++) {
            char c = doc.charAt(i);
            out.append(c);
            if (inString && c == '\\') {
                out.append(doc.charAt(++i));
            } else if (c == '"') {
                inString = !inString;
            } else if (!inString && c == ',') {
                out.append("\n  ");
            } else if (!inString && c == ':') {
                out.append(' ');
            }
        }
        return out.append('\n').toString();
    }

    private static String jwt(byte[] signed) {
        String doc = new String(SignedBundles.entries(signed).get("/.signatures.json"), StandardCharsets.UTF_8);
        int start = doc.indexOf("ey");
        return doc.substring(start, doc.indexOf('"', start));
    }

    private static Map<String, byte[]> put(Map<String, byte[]> entries, String name, String content) {
        return put(entries, name, utf8(content));
    }

    private static Map<String, byte[]> put(Map<String, byte[]> entries, String name, byte[] content) {
        entries.put(name, content);
        return entries;
    }

    private static Map<String, byte[]> remove(Map<String, byte[]> entries, String name) {
        assertThat(entries.remove(name)).as(name).isNotNull();
        return entries;
    }

    /** The signed archive with a second, different {@code /policy.wasm} after the signed one. */
    private static byte[] appendDuplicateWasm(byte[] wasm) {
        Map<String, byte[]> entries = SignedBundles.entries(rsaSigned);
        Map<String, byte[]> renamed = new LinkedHashMap<>(entries);
        renamed.put("./policy.wasm", wasm); // normalizes to /policy.wasm
        return SignedBundles.archive(renamed);
    }
}
