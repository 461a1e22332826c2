package io.certgate.testdata;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.cert.ocsp.jcajce.JcaBasicOCSPRespBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * A real OCSP responder on loopback for gateway tests (JDK HTTP server, BouncyCastle responses signed
 * by the issuing CA): every serial is good unless {@link #revoke revoked} or made {@link #unknown unknown}. Counts the requests it answers.
 */
public final class OcspTestResponder implements AutoCloseable {
    private final TestCert issuer;
    private final HttpServer server;
    private final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();
    private final Set<BigInteger> unknown = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();

    public OcspTestResponder(TestCert issuer) throws IOException {
        this.issuer = issuer;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ocsp", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            byte[] answer;
            try {
                answer = respond(new OCSPReq(body)).getEncoded();
            } catch (Exception e) {
                exchange.sendResponseHeaders(500, -1);
                exchange.close();
                return;
            }
            requests.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }

    /** The URL to put in a certificate's AIA extension. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/ocsp";
    }

    public void revoke(BigInteger serial) {
        revoked.add(serial);
    }

    /** Answers "unknown" for {@code serial} from now on. */
    public void unknown(BigInteger serial) {
        unknown.add(serial);
    }

    public int requests() {
        return requests.get();
    }

    private OCSPResp respond(OCSPReq req) throws Exception {
        X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer.certificate());
        JcaBasicOCSPRespBuilder b = new JcaBasicOCSPRespBuilder(issuer.publicKey(),
                new JcaDigestCalculatorProviderBuilder().build().get(
                        org.bouncycastle.cert.ocsp.RespID.HASH_SHA1));
        Instant now = Instant.now();
        for (Req r : req.getRequestList()) {
            BigInteger serial = r.getCertID().getSerialNumber();
            CertificateStatus status = revoked.contains(serial)
                    ? new RevokedStatus(Date.from(now.minus(Duration.ofHours(1))), CRLReason.keyCompromise)
                    : unknown.contains(serial) ? new UnknownStatus() : CertificateStatus.GOOD;
            b.addResponse(r.getCertID(), status, Date.from(now.minus(Duration.ofMinutes(1))),
                    Date.from(now.plus(Duration.ofHours(1))));
        }
        Extension nonce = req.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (nonce != null) {
            b.setResponseExtensions(new Extensions(nonce));
        }
        String alg = issuer.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        BasicOCSPResp basic = b.build(new JcaContentSignerBuilder(alg).build(issuer.privateKey()),
                new X509CertificateHolder[] {issuerHolder}, Date.from(now));
        return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
