package io.certgate.pdp.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.annotation.Nullable;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.SecretKey;

/**
 * Verifies a bundle against its {@code /.signatures.json} the way OPA does: one JWT, signed by a configured
 * key, whose {@code scope} is the expected one and whose {@code files} list every file of the bundle (but
 * the excluded ones) with its digest, and nothing more.
 */
public final class SignatureVerifier {
    /** OPA's file name of the signatures inside a bundle. */
    public static final String SIGNATURES_FILE = ".signatures.json";

    private final BundleVerification settings;
    private final List<FileNamePattern> excluded;
    private final ObjectMapper json;

    public SignatureVerifier(BundleVerification settings, ObjectMapper json) {
        this.settings = settings;
        this.excluded = settings.excludeFiles().stream().map(FileNamePattern::compile).toList();
        this.json = json;
    }

    /**
     * @param files every regular file of the bundle but {@code .signatures.json}, by name without leading
     *     {@code /}
     * @param signatures the content of {@code /.signatures.json}, null when the bundle has none
     * @param source where the bundle came from, to start messages with
     */
    public void verify(Map<String, byte[]> files, @Nullable byte[] signatures, String source)
            throws BundleException {
        if (signatures == null) {
            throw new BundleException(RejectionReason.SIGNATURE_MISSING, source + ": the bundle is not signed (no /"
                    + SIGNATURES_FILE + ") and bundle.verification requires a signature; sign it with"
                    + " 'pdp.jar policy build --signing-key' or 'opa build --signing-key'");
        }
        JWSObject jws = parseJwt(signatures, source);
        JsonNode payload = parsePayload(jws, source);
        VerificationKey key = keyFor(jws, payload, source);
        verifySignature(jws, key, source);
        checkScope(payload, key, source);
        checkFiles(files, listedFiles(payload, source), source);
    }

    private JWSObject parseJwt(byte[] signatures, String source) throws BundleException {
        JsonNode doc;
        try {
            doc = json.readTree(signatures);
        } catch (IOException e) {
            throw invalid(source + ": /" + SIGNATURES_FILE + " is not valid JSON: " + e.getMessage());
        }
        String plugin = doc == null ? "" : doc.path("plugin").asText("");
        if (!plugin.isEmpty() && !plugin.equals("_default")) {
            throw invalid(source + ": /" + SIGNATURES_FILE + " names the signing plugin '" + plugin
                    + "'; only OPA's default JWT signatures are verified");
        }
        JsonNode list = doc == null ? null : doc.get("signatures");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw invalid(source + ": /" + SIGNATURES_FILE + " has no JWT (expected \"signatures\": [\"<JWT>\"])");
        }
        if (list.size() > 1) {
            throw invalid(source + ": /" + SIGNATURES_FILE + " has " + list.size() + " JWTs; exactly one is supported");
        }
        if (!list.get(0).isTextual()) {
            throw invalid(source + ": /" + SIGNATURES_FILE + " signatures[0] is not a string");
        }
        try {
            return JWSObject.parse(list.get(0).asText());
        } catch (ParseException e) {
            throw invalid(source + ": the JWT in /" + SIGNATURES_FILE + " is malformed: " + e.getMessage());
        }
    }

    private JsonNode parsePayload(JWSObject jws, String source) throws BundleException {
        try {
            JsonNode payload = json.readTree(jws.getPayload().toBytes());
            if (payload != null && payload.isObject()) {
                return payload;
            }
        } catch (IOException e) {
            // reported below
        }
        throw invalid(source + ": the JWT payload in /" + SIGNATURES_FILE + " is not a JSON object");
    }

    /** As OPA: the configured {@code key_id}, else the JWT's {@code kid} header, else its {@code keyid} claim. */
    private VerificationKey keyFor(JWSObject jws, JsonNode payload, String source) throws BundleException {
        String id = settings.keyId();
        String from = "bundle.verification.key_id";
        if (id == null && jws.getHeader().getKeyID() != null && !jws.getHeader().getKeyID().isEmpty()) {
            id = jws.getHeader().getKeyID();
            from = "the JWT's kid header";
        }
        if (id == null && payload.path("keyid").isTextual() && !payload.path("keyid").asText().isEmpty()) {
            id = payload.path("keyid").asText();
            from = "the JWT's keyid claim";
        }
        if (id == null) {
            throw new BundleException(RejectionReason.KEY_UNKNOWN, source + ": the signature names no key (no kid"
                    + " header, no keyid claim) and bundle.verification.key_id is not set");
        }
        VerificationKey key = settings.keys().get(id);
        if (key == null) {
            throw new BundleException(RejectionReason.KEY_UNKNOWN, source + ": signed with key '" + id + "' ("
                    + from + "), which is not in bundle.verification.keys (configured: "
                    + String.join(", ", new TreeMap<>(settings.keys()).keySet()) + ")");
        }
        return key;
    }

    private static void verifySignature(JWSObject jws, VerificationKey key, String source) throws BundleException {
        if (!jws.getHeader().getAlgorithm().equals(key.algorithm())) {
            throw invalid(source + ": signed with " + jws.getHeader().getAlgorithm() + ", but key '" + key.id()
                    + "' is configured for " + key.algorithm());
        }
        boolean valid;
        try {
            valid = jws.verify(verifier(key));
        } catch (JOSEException e) {
            throw invalid(source + ": the signature cannot be verified with key '" + key.id() + "': " + e.getMessage());
        }
        if (!valid) {
            throw invalid(source + ": the signature does not verify with key '" + key.id() + "' (" + key.algorithm()
                    + "): signed by another key, or the JWT was altered");
        }
    }

    private static JWSVerifier verifier(VerificationKey key) throws JOSEException {
        if (key.key() instanceof RSAPublicKey rsa) {
            return new RSASSAVerifier(rsa);
        }
        if (key.key() instanceof ECPublicKey ec) {
            return new ECDSAVerifier(ec);
        }
        if (key.key() instanceof SecretKey secret) {
            return new MACVerifier(secret.getEncoded());
        }
        throw new JOSEException("unsupported key type " + key.key().getAlgorithm());
    }

    private void checkScope(JsonNode payload, VerificationKey key, String source) throws BundleException {
        String expected = settings.scope() != null ? settings.scope() : (key.scope() != null ? key.scope() : "");
        String actual = payload.path("scope").asText("");
        if (!expected.equals(actual)) {
            throw new BundleException(RejectionReason.SCOPE_MISMATCH, source + ": the signature's scope is "
                    + describe(actual) + ", expected " + describe(expected)
                    + (settings.scope() != null ? " (bundle.verification.scope)" : " (scope of key '" + key.id() + "')"));
        }
    }

    private static String describe(String scope) {
        return scope.isEmpty() ? "none" : "'" + scope + "'";
    }

    private record Listed(String hash, String algorithm) {}

    private static Map<String, Listed> listedFiles(JsonNode payload, String source) throws BundleException {
        JsonNode files = payload.get("files");
        if (files == null || !files.isArray()) {
            throw invalid(source + ": the JWT payload has no \"files\" list");
        }
        Map<String, Listed> listed = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            if (!f.path("name").isTextual() || !f.path("hash").isTextual()) {
                throw invalid(source + ": the JWT payload's files[" + i + "] needs a string name and hash");
            }
            listed.put(f.get("name").asText(), new Listed(f.get("hash").asText(), f.path("algorithm").asText("")));
        }
        return listed;
    }

    private void checkFiles(Map<String, byte[]> files, Map<String, Listed> listed, String source)
            throws BundleException {
        for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
            String name = file.getKey();
            if (isExcluded(name)) {
                listed.remove(name);
                continue;
            }
            Listed signed = listed.remove(name);
            if (signed == null) {
                throw new BundleException(RejectionReason.FILE_UNSIGNED, source + ": /" + name
                        + " is in the bundle but not in its signature (added after signing?)");
            }
            byte[] expected;
            try {
                expected = HexFormat.of().parseHex(signed.hash());
            } catch (IllegalArgumentException e) {
                throw invalid(source + ": the signature's digest of /" + name + " is not hex");
            }
            byte[] actual = BundleFileDigest.of(name, file.getValue(), signed.algorithm(), source);
            if (!MessageDigest.isEqual(expected, actual)) {
                throw new BundleException(RejectionReason.DIGEST_MISMATCH, source + ": /" + name
                        + " does not match its signature (" + signed.algorithm() + " signed " + signed.hash()
                        + ", bundle has " + HexFormat.of().formatHex(actual) + "): changed after signing");
            }
        }
        if (!listed.isEmpty()) {
            throw new BundleException(RejectionReason.FILE_MISSING, source + ": listed in the signature but not in"
                    + " the bundle: /" + String.join(", /", new TreeMap<>(listed).keySet()));
        }
    }

    private boolean isExcluded(String name) {
        for (FileNamePattern p : excluded) {
            if (p.matches(name)) {
                return true;
            }
        }
        return false;
    }

    private static BundleException invalid(String message) {
        return new BundleException(RejectionReason.SIGNATURE_INVALID, message);
    }
}
