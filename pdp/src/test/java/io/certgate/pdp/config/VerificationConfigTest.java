package io.certgate.pdp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import io.certgate.pdp.bundle.BundleVerification;
import io.certgate.testdata.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bundle.verification}: keys from PEM files, inline PEM and (HMAC only) the environment. */
class VerificationConfigTest {
    private static final KeyPair RSA = TestPki.generateKeyPair(TestPki.KeyType.RSA_2048);
    private static final KeyPair EC = TestPki.generateKeyPair(TestPki.KeyType.EC_P256);

    @TempDir
    Path dir;

    private static String publicPem(KeyPair pair) {
        return TestPki.pem("PUBLIC KEY", pair.getPublic().getEncoded());
    }

    private static String indent(String pem) {
        return pem.strip().replace("\n", "\n          ");
    }

    private static List<String> errors(String yaml) {
        try {
            PdpConfig.parse(yaml, "pdp.yaml");
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @Test
    void withoutTheSectionSignaturesAreNotChecked() throws Exception {
        assertThat(PdpConfig.parse("policy: {bundle: b.tar.gz}", "pdp.yaml").verification()).isNull();
        assertThat(PdpConfig.parse("bundle: {}", "pdp.yaml").verification()).isNull();
    }

    @Test
    void keysFromAFileAndInlineWithKeyIdScopeAndExclusions() throws Exception {
        Path rsaFile = Files.writeString(dir.resolve("ci.pem"), publicPem(RSA));
        BundleVerification v = PdpConfig.parse("""
                bundle:
                  verification:
                    key_id: ci-2025
                    scope: authz
                    exclude_files: ["notes/*", "*.md"]
                    keys:
                      ci-2025: {algorithm: RS256, key_file: %s}
                      ci-2026:
                        algorithm: ES256
                        scope: write
                        key: |
                          %s
                """.formatted(rsaFile, indent(publicPem(EC))), "pdp.yaml").verification();
        assertThat(v).isNotNull();
        assertThat(v.keyId()).isEqualTo("ci-2025");
        assertThat(v.scope()).isEqualTo("authz");
        assertThat(v.excludeFiles()).containsExactly("notes/*", "*.md");
        assertThat(v.keys().get("ci-2025").algorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(v.keys().get("ci-2025").key()).isEqualTo(RSA.getPublic());
        assertThat(v.keys().get("ci-2026").algorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(v.keys().get("ci-2026").key()).isEqualTo(EC.getPublic());
        assertThat(v.keys().get("ci-2026").scope()).isEqualTo("write");
    }

    @Test
    void theAlgorithmDefaultsToRs256AsInOpaAndACertificateGivesItsKey() throws Exception {
        X509Certificate cert = TestPki.create(Instant.now()).server().certificate();
        Path file = Files.writeString(dir.resolve("signer.crt"), TestPki.pem(cert));
        String alg = cert.getPublicKey().getAlgorithm().equals("RSA") ? "RS256" : "ES256";
        BundleVerification v = PdpConfig.parse("""
                bundle: {verification: {keys: {k: {algorithm: %s, key_file: %s}}}}
                """.formatted(alg, file), "pdp.yaml").verification();
        assertThat(v.keys().get("k").key()).isEqualTo(cert.getPublicKey());

        Path rsaFile = Files.writeString(dir.resolve("rsa.pem"), publicPem(RSA));
        assertThat(PdpConfig.parse("bundle: {verification: {keys: {k: {key_file: %s}}}}".formatted(rsaFile),
                "pdp.yaml").verification().keys().get("k").algorithm()).isEqualTo(JWSAlgorithm.RS256);
    }

    @Test
    void hmacSecretsComeOnlyFromTheEnvironment() throws Exception {
        assertThat(errors("bundle: {verification: {keys: {k: {algorithm: HS256, key: s3cr3t}}}}"))
                .containsExactly("bundle.verification.keys.k.key: an HMAC secret is read only from an environment"
                        + " variable (key_env): inline or in a file it ends up in config repositories, images and"
                        + " backups, and whoever reads it can sign bundles");
        assertThat(errors("bundle: {verification: {keys: {k: {algorithm: HS256, key_file: /etc/secret}}}}"))
                .singleElement().asString().startsWith("bundle.verification.keys.k.key_file: an HMAC secret is read only");
        assertThat(errors("bundle: {verification: {keys: {k: {algorithm: HS256, key_env: CERTGATE_TEST_UNSET_VAR}}}}"))
                .containsExactly("bundle.verification.keys.k.key_env: environment variable CERTGATE_TEST_UNSET_VAR"
                        + " is not set");
        assertThat(errors("bundle: {verification: {keys: {k: {algorithm: HS256}}}}"))
                .singleElement().asString().startsWith("bundle.verification.keys.k.key_env: is required for HS256");
        assertThat(errors("bundle: {verification: {keys: {k: {algorithm: RS256, key_env: HOME}}}}"))
                .singleElement().asString().startsWith("bundle.verification.keys.k.key_env: is only for HMAC");
    }

    @Test
    void anHmacSecretFromTheEnvironmentIsLongEnoughForItsAlgorithm() throws Exception {
        Map<String, String> env = Map.of("SHORT", "too-short", "LONG", "x".repeat(48));
        ConfigNode ok = ConfigNode.root(new ObjectMapper()
                .readTree("{\"keys\": {\"k\": {\"algorithm\": \"HS384\", \"key_env\": \"LONG\"}}}"),
                new ArrayList<>());
        BundleVerification v = VerificationConfig.parse(ok, true, env::get);
        assertThat(v.keys().get("k").key()).isInstanceOf(SecretKey.class);

        List<String> errors = new ArrayList<>();
        VerificationConfig.parse(ConfigNode.root(new ObjectMapper()
                .readTree("{\"keys\": {\"k\": {\"algorithm\": \"HS256\", \"key_env\": \"SHORT\"}}}"), errors), true,
                env::get);
        assertThat(errors).containsExactly("keys.k.key_env: the secret in SHORT has 9 bytes; HS256 needs at least 32");
    }

    @Test
    void badKeysAreReportedWithTheirPathAndWhy() throws Exception {
        Path rsaFile = Files.writeString(dir.resolve("rsa.pem"), publicPem(RSA));
        Path privateFile = Files.writeString(dir.resolve("private.pem"), TestPki.pem(EC.getPrivate()));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        Path p384 = Files.writeString(dir.resolve("p384.pem"), publicPem(g.generateKeyPair()));
        List<String> errors = errors("""
                bundle:
                  verification:
                    key_id: nope
                    exclude_files: ["[abc"]
                    keys:
                      private: {algorithm: ES256, key_file: %s}
                      garbage: {algorithm: ES256, key_file: %s}
                      missing: {algorithm: ES256, key_file: %s}
                      wrong_type: {algorithm: ES256, key_file: %s}
                      wrong_curve: {algorithm: ES256, key_file: %s}
                      both: {algorithm: RS256, key_file: %s, key: inline}
                      neither: {algorithm: RS256}
                      bad_alg: {algorithm: none, key_file: %s}
                      typo: {algorithm: RS256, key_file: %s, scopes: x}
                """.formatted(privateFile, garbage, dir.resolve("missing.pem"), rsaFile, p384, rsaFile, rsaFile,
                rsaFile));
        assertThat(errors).containsExactlyInAnyOrder(
                "bundle.verification.keys.private.key_file: " + privateFile + ": is a private key; a PDP needs only"
                        + " the public key (openssl pkey -in private.pem -pubout -out public.pem)",
                "bundle.verification.keys.garbage.key_file: " + garbage
                        + ": no PEM block (expected -----BEGIN PUBLIC KEY-----)",
                "bundle.verification.keys.missing.key_file: cannot read " + dir.resolve("missing.pem") + ": "
                        + dir.resolve("missing.pem"),
                "bundle.verification.keys.wrong_type.key_file: " + rsaFile + ": ES256 needs an EC public key, this is RSA",
                "bundle.verification.keys.wrong_curve.key_file: " + p384 + ": ES256 needs an EC key on P-256, this one"
                        + " is on P-384",
                "bundle.verification.keys.both.key: give the public key either inline (key: PEM) or as key_file,"
                        + " exactly one",
                "bundle.verification.keys.neither.key_file: give the public key either inline (key: PEM) or as"
                        + " key_file, exactly one",
                "bundle.verification.keys.bad_alg.algorithm: must be one of RS256 | RS384 | RS512 | PS256 | PS384 |"
                        + " PS512 | ES256 | ES384 | ES512 | HS256 | HS384 | HS512, got 'none'",
                "bundle.verification.keys.typo.scopes: unknown key (known: algorithm, key, key_env, key_file, scope)",
                "bundle.verification.exclude_files[0]: '[abc' has a [ without its ]",
                "bundle.verification.key_id: 'nope' is not in bundle.verification.keys");
    }

    @Test
    void keysAreRequiredOnceTheSectionIsThere() {
        assertThat(errors("bundle: {verification: {scope: authz}}")).containsExactly(
                "bundle.verification.keys: is required: at least one key that may sign bundles"
                        + " ({<key id>: {algorithm: RS256, key_file: public.pem}})");
        assertThat(errors("bundle: {verification: {keys: {}}, signing: {}}")).contains(
                "bundle.signing: unknown key (known: verification)");
    }
}
