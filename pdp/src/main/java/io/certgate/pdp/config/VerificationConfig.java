package io.certgate.pdp.config;

import com.linecorp.armeria.common.annotation.Nullable;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import io.certgate.pdp.bundle.BundleVerification;
import io.certgate.pdp.bundle.FileNamePattern;
import io.certgate.pdp.bundle.VerificationKey;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * {@code bundle.verification} of {@code pdp.yaml}, with OPA's names: the keys that may sign bundles and
 * what a signature must say. Public keys are read here, so a bad key stops {@code serve} and
 * {@code config check} with its path rather than rejecting every bundle later.
 */
public final class VerificationConfig {
    static final List<String> ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "HS256", "HS384", "HS512");

    private VerificationConfig() {}

    /** The section at {@code node}, or null when it is absent (signatures are then not checked). */
    @Nullable
    static BundleVerification parse(ConfigNode node, boolean present, Function<String, String> env) {
        Map<String, VerificationKey> keys = new LinkedHashMap<>();
        ConfigNode keysNode = node.section("keys");
        for (String id : keysNode.fieldNames()) {
            VerificationKey key = key(id, keysNode.section(id), env);
            if (key != null) {
                keys.put(id, key);
            }
        }
        String keyId = node.string("key_id", null);
        String scope = node.string("scope", null);
        List<String> exclude = node.strings("exclude_files");
        for (int i = 0; i < exclude.size(); i++) {
            try {
                FileNamePattern.compile(exclude.get(i));
            } catch (IllegalArgumentException e) {
                node.error("exclude_files[" + i + "]", e.getMessage());
            }
        }
        node.rejectUnknownKeys();
        if (!present) {
            return null;
        }
        if (keysNode.fieldNames().isEmpty()) {
            node.error("keys", "is required: at least one key that may sign bundles"
                    + " ({<key id>: {algorithm: RS256, key_file: public.pem}})");
        }
        if (keyId != null && !keysNode.fieldNames().contains(keyId)) {
            node.error("key_id", "'" + keyId + "' is not in bundle.verification.keys");
        }
        return new BundleVerification(keys, keyId, scope, exclude);
    }

    @Nullable
    private static VerificationKey key(String id, ConfigNode k, Function<String, String> env) {
        String algName = k.oneOf("algorithm", "RS256", ALGORITHMS);
        JWSAlgorithm alg = JWSAlgorithm.parse(algName);
        String inline = k.string("key", null);
        String file = k.string("key_file", null);
        String variable = k.string("key_env", null);
        String scope = k.string("scope", null);
        k.rejectUnknownKeys();
        if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
            return secret(id, alg, k, inline, file, variable, scope, env);
        }
        if (variable != null) {
            k.error("key_env", "is only for HMAC (HS256/HS384/HS512) secrets; give the " + algName
                    + " public key with key (inline PEM) or key_file");
            return null;
        }
        if ((inline == null) == (file == null)) {
            k.error(inline == null ? "key_file" : "key", "give the public key either inline (key: PEM) or as"
                    + " key_file, exactly one");
            return null;
        }
        String where = inline != null ? "key" : "key_file";
        String pem;
        if (inline != null) {
            pem = inline;
        } else {
            try {
                pem = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                k.error("key_file", "cannot read " + file + ": " + e.getMessage());
                return null;
            }
        }
        PublicKey key;
        try {
            key = publicKey(pem);
        } catch (IllegalArgumentException e) {
            k.error(where, (file != null ? file + ": " : "") + e.getMessage());
            return null;
        }
        String mismatch = mismatch(alg, key);
        if (mismatch != null) {
            k.error(where, (file != null ? file + ": " : "") + mismatch);
            return null;
        }
        return new VerificationKey(id, alg, key, scope);
    }

    @Nullable
    private static VerificationKey secret(String id, JWSAlgorithm alg, ConfigNode k, @Nullable String inline,
            @Nullable String file, @Nullable String variable, @Nullable String scope, Function<String, String> env) {
        if (inline != null || file != null) {
            k.error(inline != null ? "key" : "key_file", "an HMAC secret is read only from an environment variable"
                    + " (key_env): inline or in a file it ends up in config repositories, images and backups,"
                    + " and whoever reads it can sign bundles");
            return null;
        }
        if (variable == null) {
            k.error("key_env", "is required for " + alg + ": the name of the environment variable holding the secret");
            return null;
        }
        String value = env.apply(variable);
        if (value == null || value.isEmpty()) {
            k.error("key_env", "environment variable " + variable + " is not set");
            return null;
        }
        byte[] secret = value.getBytes(StandardCharsets.UTF_8);
        int minBytes = Integer.parseInt(alg.getName().substring(2)) / 8;
        if (secret.length < minBytes) {
            k.error("key_env", "the secret in " + variable + " has " + secret.length + " bytes; " + alg
                    + " needs at least " + minBytes);
            return null;
        }
        return new VerificationKey(id, alg, new SecretKeySpec(secret, "HmacSHA" + alg.getName().substring(2)), scope);
    }

    /** The public key in a PEM {@code PUBLIC KEY}, {@code RSA PUBLIC KEY} or {@code CERTIFICATE}. */
    static PublicKey publicKey(String pem) {
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports a PEM body that is not base64 with an unchecked DecoderException
            throw new IllegalArgumentException("not a readable PEM public key: " + e.getMessage(), e);
        }
        if (object == null) {
            throw new IllegalArgumentException("no PEM block (expected -----BEGIN PUBLIC KEY-----)");
        }
        if (object instanceof PEMKeyPair || object instanceof PrivateKeyInfo) {
            throw new IllegalArgumentException("is a private key; a PDP needs only the public key"
                    + " (openssl pkey -in private.pem -pubout -out public.pem)");
        }
        SubjectPublicKeyInfo info = object instanceof X509CertificateHolder cert ? cert.getSubjectPublicKeyInfo()
                : object instanceof SubjectPublicKeyInfo spki ? spki : null;
        if (info == null) {
            throw new IllegalArgumentException("holds a " + object.getClass().getSimpleName()
                    + ", expected a PUBLIC KEY or CERTIFICATE");
        }
        try {
            return new JcaPEMKeyConverter().getPublicKey(info);
        } catch (IOException e) {
            throw new IllegalArgumentException("unsupported public key: " + e.getMessage(), e);
        }
    }

    /** Why {@code key} cannot verify {@code alg} signatures, or null when it can. */
    @Nullable
    static String mismatch(JWSAlgorithm alg, PublicKey key) {
        if (JWSAlgorithm.Family.RSA.contains(alg)) {
            if (!(key instanceof RSAPublicKey rsa)) {
                return alg + " needs an RSA public key, this is " + key.getAlgorithm();
            }
            return rsa.getModulus().bitLength() < 2048
                    ? "the RSA key has " + rsa.getModulus().bitLength() + " bits; at least 2048 are required" : null;
        }
        if (!(key instanceof ECPublicKey ec)) {
            return alg + " needs an EC public key, this is " + key.getAlgorithm();
        }
        Curve curve = Curve.forECParameterSpec(ec.getParams());
        Set<Curve> expected = Curve.forJWSAlgorithm(alg);
        return curve != null && expected.contains(curve) ? null
                : alg + " needs an EC key on " + expected.iterator().next() + ", this one is on "
                        + (curve == null ? "another curve" : curve);
    }
}
