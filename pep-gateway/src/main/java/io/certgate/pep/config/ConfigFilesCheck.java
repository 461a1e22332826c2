package io.certgate.pep.config;

import com.linecorp.armeria.common.TlsKeyPair;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pep.ratelimit.RedisBuckets;
import io.certgate.pep.ratelimit.StoreConnectException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The checks {@link GatewayConfig#parse} leaves to start-up: that the files a valid {@code gateway.yaml} names
 * parse and fit together (server certificate and key match, CA bundles and CRLs are PEM of the right kind,
 * certificates are within their validity), and that a shared rate-limit store accepts a connection (address,
 * TLS trust, password). Each error is located by its key, like the parser's.
 */
public final class ConfigFilesCheck {
    private ConfigFilesCheck() {}

    /** Every problem with the files of {@code cfg}, as of {@code now}; empty when all is well. */
    public static List<String> check(GatewayConfig cfg, Instant now) {
        List<String> errors = new ArrayList<>();
        if (cfg.pdp().mode() == GatewayConfig.PdpMode.EMBEDDED) {
            Path policies = cfg.pdp().policies();
            if (policies != null && !Files.isDirectory(policies)) {
                errors.add("pdp.policies: directory not found: " + policies);
            }
            String bundle = cfg.pdp().bundle();
            if (bundle != null && !bundle.startsWith("http://") && !bundle.startsWith("https://")
                    && !Files.isReadable(Path.of(bundle))) {
                errors.add("pdp.bundle: file not found or not readable: " + bundle);
            }
        }
        for (int i = 0; i < cfg.services().size(); i++) {
            ServiceConfig s = cfg.services().get(i);
            String at = "services[" + i + "].";
            keyPair(errors, at + "server_cert", at + "server_key", s.serverCert(), s.serverKey(), now);
            if (s.mtls().caFile() != null) {
                certificates(errors, at + "mtls.ca_file", s.mtls().caFile(), now);
            }
            for (int j = 0; j < s.mtls().crlFiles().size(); j++) {
                Path crl = s.mtls().crlFiles().get(j);
                try {
                    ChainVerifier.readCrls(crl);
                } catch (PemBundleException e) {
                    errors.add(at + "mtls.crl_files[" + j + "]: " + e.getMessage());
                }
            }
            ServiceConfig.Upstream u = s.upstream();
            if (u.clientCert() != null && u.clientKey() != null) {
                keyPair(errors, at + "upstream.client_cert", at + "upstream.client_key", u.clientCert(),
                        u.clientKey(), now);
            }
            if (u.caFile() != null) {
                certificates(errors, at + "upstream.ca_file", u.caFile(), now);
            }
        }
        if (cfg.rateLimitStore().shared()) {
            // connects and closes again, as the gateway would at start
            try {
                RedisBuckets.connect(cfg.rateLimitStore(), new SimpleMeterRegistry()).close();
            } catch (StoreConnectException e) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    /**
     * The problems of one certificate/key pair, as {@link #check} reports them: both parse, the certificates are
     * within their validity and the key is the leaf's.
     */
    public static List<String> keyPairErrors(String certKey, String keyKey, Path cert, Path key, Instant now) {
        List<String> errors = new ArrayList<>();
        keyPair(errors, certKey, keyKey, cert, key, now);
        return errors;
    }

    private static List<X509Certificate> certificates(List<String> errors, String key, Path file, Instant now) {
        try {
            List<X509Certificate> certs = ChainVerifier.readCertificates(file);
            for (X509Certificate c : certs) {
                if (now.isAfter(c.getNotAfter().toInstant())) {
                    errors.add(key + ": " + file + ": " + c.getSubjectX500Principal() + " expired on "
                            + c.getNotAfter().toInstant());
                } else if (now.isBefore(c.getNotBefore().toInstant())) {
                    errors.add(key + ": " + file + ": " + c.getSubjectX500Principal() + " is not valid before "
                            + c.getNotBefore().toInstant());
                }
            }
            return certs;
        } catch (PemBundleException e) {
            errors.add(key + ": " + e.getMessage());
            return List.of();
        }
    }

    private static void keyPair(List<String> errors, String certKey, String keyKey, Path cert, Path key,
            Instant now) {
        List<X509Certificate> chain = certificates(errors, certKey, cert, now);
        if (chain.isEmpty()) {
            return;
        }
        PrivateKey privateKey;
        try {
            privateKey = TlsKeyPair.of(key.toFile(), cert.toFile()).privateKey();
        } catch (RuntimeException e) {
            errors.add(keyKey + ": " + key + " is not a readable unencrypted PEM private key: " + e.getMessage());
            return;
        }
        if (!matches(privateKey, chain.get(0))) {
            errors.add(keyKey + ": " + key + " does not belong to " + certKey + " (" + chain.get(0)
                    .getSubjectX500Principal() + "): the certificate's public key is another key's");
        }
    }

    /** Whether the key signs what the certificate's public key verifies. */
    public static boolean matches(PrivateKey key, X509Certificate cert) {
        String keyAlgorithm = cert.getPublicKey().getAlgorithm();
        String algorithm = switch (keyAlgorithm.toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "ED25519", "EDDSA" -> "Ed25519";
            default -> null;
        };
        try {
            // the parsed key may come from another provider; re-read it with the JDK's, like the certificate
            PrivateKey jdkKey = KeyFactory.getInstance(keyAlgorithm)
                    .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
            if (algorithm == null) {
                return true; // a key type this check cannot sign with: TLS start-up will tell
            }
            byte[] probe = "certgate config check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(jdkKey);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
