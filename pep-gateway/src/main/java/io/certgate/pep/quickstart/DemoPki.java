package io.certgate.pep.quickstart;

import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The quickstart's PKI as PEM files in one directory: a root CA ({@code ca.pem}, also the server's
 * issuer), an issuing CA ({@code intermediate.pem}; both in {@code ca-chain.pem}), a server certificate for {@code localhost}, and client certificates with
 * keys — a partner (via the issuing CA, sent with it), an IoT device, an expired and a revoked one —
 * plus the CRL that revokes the last. Generated once and reused while the server certificate is
 * valid for another day, so curl commands and trust settings keep working across restarts.
 */
record DemoPki(Path dir) {
    /** The client certificates a demo request can present, by file name stem. */
    public static final List<String> CLIENTS = List.of("partner", "device", "expired", "revoked");

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** {@code intermediate.pem}: the issuing CA alone (the partner's issuer). */
    public Path intermediateFile() {
        return dir.resolve("intermediate.pem");
    }

    /**
     * {@code ca-chain.pem}: the issuing CA and the root, for verifiers that want every CA in one file (nginx's
     * {@code ssl_client_certificate}, the PDP's {@code interop.verify_ca_file}).
     */
    public Path caChainFile() {
        return dir.resolve("ca-chain.pem");
    }

    public Path serverCert() {
        return dir.resolve("server.pem");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    public Path crlFile() {
        return dir.resolve("crl.pem");
    }

    /** {@code <name>.pem}: the certificate followed by the intermediates a client sends. */
    public Path cert(String client) {
        return dir.resolve(client + ".pem");
    }

    public Path key(String client) {
        return dir.resolve(client + ".key");
    }

    /** The PKI in {@code dir}, generated when missing, incomplete or about to expire. */
    public static DemoPki ensure(Path dir, Instant now) throws IOException {
        DemoPki pki = new DemoPki(dir);
        if (!pki.usableAt(now)) {
            pki.generate(now);
        }
        return pki;
    }

    /** True when every file is there and the server certificate is valid for at least another day. */
    boolean usableAt(Instant now) {
        List<Path> files = new java.util.ArrayList<>(List.of(caFile(), intermediateFile(), caChainFile(),
                serverCert(), serverKey(), crlFile()));
        CLIENTS.forEach(c -> files.addAll(List.of(cert(c), key(c))));
        if (!files.stream().allMatch(Files::isReadable)) {
            return false;
        }
        try {
            X509Certificate server = ChainVerifier.readCertificates(serverCert()).get(0);
            return server.getNotAfter().toInstant().isAfter(now.plus(Duration.ofDays(1)));
        } catch (PemBundleException | RuntimeException e) {
            return false;
        }
    }

    private void generate(Instant now) throws IOException {
        Files.createDirectories(dir);
        TestPki pki = TestPki.create(now);
        write(caFile(), TestPki.pem(pki.rootCa().certificate()));
        write(intermediateFile(), TestPki.pem(pki.intermediateCa().certificate()));
        write(caChainFile(), TestPki.pem(List.of(pki.intermediateCa().certificate(), pki.rootCa().certificate())));
        write(serverCert(), pki.server().chainPem());
        writeKey(serverKey(), pki.server().keyPem());
        // Certificate revocation lists of both CAs, so revocation is checked at every level.
        write(crlFile(), TestPki.pem(pki.crl()) + TestPki.pem(pki.rootCrl()));
        writeClient("partner", pki.partnerClient());
        writeClient("device", pki.iotDeviceClient());
        writeClient("expired", pki.expiredClient());
        writeClient("revoked", pki.revokedClient());
    }

    private void writeClient(String name, TestCert cert) throws IOException {
        write(cert(name), cert.chainPem());
        writeKey(key(name), cert.keyPem());
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content);
    }

    /** Private keys readable by their owner only (where the file system has POSIX permissions). */
    private static void writeKey(Path file, String pem) throws IOException {
        Files.deleteIfExists(file);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, pem);
    }
}
