package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.cert.OcspResult.Status;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.MutableClock;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.cert.ocsp.jcajce.JcaBasicOCSPRespBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OcspChecker} against a real in-process OCSP responder: an Armeria server answering {@code POST /ocsp} with
 * BouncyCastle's {@link BasicOCSPRespBuilder}, signing as the issuing CA or as a delegated responder, and
 * misbehaving on demand.
 */
class OcspCheckerTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static TestPki pki;
    private static ClientFactory clientFactory;
    private static Server server;
    private static String url;
    /** The current test's responder: one server for the class (stopping one takes seconds), fresh state per test. */
    private static volatile Responder current;

    private final MutableClock clock = new MutableClock(NOW);
    private final Responder responder = new Responder();

    @BeforeAll
    static void startResponder() {
        pki = TestPki.builder().now(NOW).build();
        clientFactory = ClientFactory.builder().build();
        server = Server.builder().http(0)
                .route().post("/ocsp").build((ctx, req) -> HttpResponse.of(req.aggregate()
                        .thenApply(agg -> current.serve(agg))))
                .build();
        server.start().join();
        url = "http://127.0.0.1:" + server.activeLocalPort() + "/ocsp";
    }

    @AfterAll
    static void stopResponder() {
        clientFactory.close();
        server.stop().join();
    }

    @BeforeEach
    void installResponder() {
        responder.signer = pki.intermediateCa();
        current = responder;
    }

    private OcspChecker.Builder checker() {
        return OcspChecker.builder().clientFactory(clientFactory).clock(clock).timeout(Duration.ofSeconds(5));
    }

    private TestCert client(String name) {
        return pki.ocspClient(name, url);
    }

    private static OcspResult check(OcspChecker checker, TestCert leaf) throws Exception {
        return checker.check(leaf.certificate(), leaf.issuer().orElseThrow().certificate()).get(10, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ answers

    @Test
    void goodWhenTheIssuerSignsAGoodAnswer() throws Exception {
        TestCert leaf = client("ocsp-good");
        OcspResult r = check(checker().softFail(false).build(), leaf);

        assertThat(r.status()).isEqualTo(Status.GOOD);
        assertThat(r.verifyCode()).isZero();
        assertThat(r.ok()).isTrue();
        assertThat(r.softFailed()).isFalse();
        assertThat(r.responderUrl()).isEqualTo(url);
        assertThat(r.thisUpdate()).isEqualTo(NOW.minus(Duration.ofMinutes(1)));
        assertThat(r.nextUpdate()).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
        assertThat(responder.hits.get()).isEqualTo(1);

        // what went over the wire: a POSTed application/ocsp-request for the leaf, SHA-1 CertID, 32-byte nonce
        assertThat(responder.lastContentType).isEqualTo("application/ocsp-request");
        Req[] requests = responder.lastRequest.getRequestList();
        assertThat(requests).hasSize(1);
        assertThat(requests[0].getCertID().getSerialNumber()).isEqualTo(leaf.certificate().getSerialNumber());
        assertThat(requests[0].getCertID().getHashAlgOID()).isEqualTo(CertificateID.HASH_SHA1.getAlgorithm());
        Extension nonce = responder.lastRequest.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        assertThat(nonce).isNotNull();
        assertThat(ASN1OctetString.getInstance(nonce.getParsedValue()).getOctets()).hasSize(32);
    }

    @Test
    void goodWithRsaKeysAndAResponderIdByName() throws Exception {
        TestPki rsa = TestPki.builder().now(NOW).rsa().build();
        responder.signer = rsa.intermediateCa();
        responder.byName = true;
        TestCert leaf = rsa.ocspClient("ocsp-rsa", url);

        OcspResult r = check(checker().softFail(false).build(), leaf);

        assertThat(r.status()).as(r.message()).isEqualTo(Status.GOOD);
        assertThat(r.verifyCode()).isZero();
    }

    @Test
    void goodWhenADelegatedResponderSigns() throws Exception {
        TestCert leaf = client("ocsp-delegated");
        responder.signer = pki.ocspResponder(pki.intermediateCa());
        responder.includeSigner = true;

        OcspResult r = check(checker().softFail(false).build(), leaf);

        assertThat(r.status()).as(r.message()).isEqualTo(Status.GOOD);
        assertThat(r.verifyCode()).isZero();
    }

    @Test
    void acceptsAResponseWithoutNonce() throws Exception {
        responder.echoNonce = false; // pre-signed responses (RFC 5019) carry none
        OcspResult r = check(checker().softFail(false).build(), client("ocsp-no-nonce"));

        assertThat(r.status()).as(r.message()).isEqualTo(Status.GOOD);
    }

    @Test
    void revokedIs23WithTimeAndReasonEvenWithSoftFail() throws Exception {
        TestCert leaf = client("ocsp-revoked");
        Instant revokedAt = NOW.minus(Duration.ofDays(2));
        responder.statuses.put(leaf.certificate().getSerialNumber(),
                new RevokedStatus(Date.from(revokedAt), CRLReason.keyCompromise));

        for (boolean softFail : new boolean[] {false, true}) {
            OcspResult r = check(checker().softFail(softFail).build(), leaf);
            assertThat(r.status()).isEqualTo(Status.REVOKED);
            assertThat(r.verifyCode()).isEqualTo(X509VerifyCodes.CERT_REVOKED).isEqualTo(23);
            assertThat(r.verifyMessage()).isEqualTo("certificate revoked");
            assertThat(r.softFailed()).isFalse();
            assertThat(r.revocationTime()).isEqualTo(revokedAt);
            assertThat(r.revocationReason()).isEqualTo(CRLReason.keyCompromise);
            assertThat(r.revocationReasonName()).isEqualTo("keyCompromise");
            assertThat(r.message()).contains("revoked", "keyCompromise", url,
                    leaf.certificate().getSerialNumber().toString(16));
        }
    }

    @Test
    void unknownIs75OrSoftFailed() throws Exception {
        TestCert leaf = client("ocsp-unknown");
        responder.statuses.put(leaf.certificate().getSerialNumber(), new UnknownStatus());

        OcspResult hard = check(checker().softFail(false).build(), leaf);
        assertThat(hard.status()).isEqualTo(Status.UNKNOWN);
        assertThat(hard.verifyCode()).isEqualTo(X509VerifyCodes.OCSP_CERT_UNKNOWN).isEqualTo(75);
        assertThat(hard.verifyMessage()).isEqualTo("OCSP unknown cert");
        assertThat(hard.softFailed()).isFalse();
        assertThat(hard.message()).contains("does not know", url);

        OcspResult soft = check(checker().softFail(true).build(), leaf);
        assertThat(soft.status()).isEqualTo(Status.UNKNOWN);
        assertThat(soft.verifyCode()).isZero();
        assertThat(soft.softFailed()).isTrue();
    }

    // ------------------------------------------------------------------ responder failures, soft and hard

    @Test
    void responderDown() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String deadUrl = "http://127.0.0.1:" + port + "/ocsp";
        TestCert leaf = pki.ocspClient("ocsp-down", deadUrl);

        assertSoftAndHardError(leaf, "cannot connect to OCSP responder " + deadUrl);
    }

    @Test
    void http500() throws Exception {
        responder.httpStatus = 500;
        assertSoftAndHardError(client("ocsp-500"), "OCSP responder " + url + " answered HTTP 500");
    }

    @Test
    void garbageBody() throws Exception {
        responder.garbage = true;
        assertSoftAndHardError(client("ocsp-garbage"), "OCSP responder " + url + " sent a malformed response");
    }

    @Test
    void unsuccessfulResponseStatus() throws Exception {
        responder.responseStatus = OCSPRespBuilder.TRY_LATER;
        assertSoftAndHardError(client("ocsp-try-later"), "refused the request: tryLater (3)");
    }

    @Test
    void slowResponderTimesOut() throws Exception {
        responder.delay = Duration.ofSeconds(3);
        TestCert leaf = client("ocsp-slow");
        for (boolean softFail : new boolean[] {false, true}) {
            OcspChecker checker = checker().timeout(Duration.ofMillis(300)).softFail(softFail).build();
            long start = System.nanoTime();
            OcspResult r = check(checker, leaf);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(tookMs).isLessThan(2500);
            assertError(r, softFail, "OCSP responder " + url + " did not answer within 300 ms");
        }
    }

    @Test
    void noAiaOcspUrl() throws Exception {
        TestCert leaf = pki.partnerClient(); // no authorityInfoAccess extension
        for (boolean softFail : new boolean[] {false, true}) {
            OcspResult r = check(checker().softFail(softFail).build(), leaf);
            assertError(r, softFail, "no OCSP responder in the certificate's AIA extension");
            assertThat(r.responderUrl()).isNull();
        }
        assertThat(responder.hits.get()).isZero();
    }

    @Test
    void onlyHttpResponderUrlsAreUsed() throws Exception {
        TestCert ldapOnly = pki.certificate("ocsp-ldap").cn("ocsp-ldap").clientAuth().issuedBy(pki.intermediateCa())
                .ocspUrl("ldap://ldap.example.com/cn=ocsp").build();
        assertError(check(checker().softFail(false).build(), ldapOnly), false,
                "no OCSP responder in the certificate's AIA extension");

        TestCert second = pki.certificate("ocsp-second-url").cn("ocsp-second-url").clientAuth()
                .issuedBy(pki.intermediateCa()).ocspUrl("ldap://ldap.example.com/cn=ocsp", url).build();
        assertThat(check(checker().softFail(false).build(), second).status()).isEqualTo(Status.GOOD);
    }

    // ------------------------------------------------------------------ responses that must not be believed

    @Test
    void responseSignedByAnUnrelatedKeyIsAnError() throws Exception {
        responder.signingKey = pki.otherCa().privateKey(); // claims to be the issuer (its key hash), wrong key
        assertSoftAndHardError(client("ocsp-forged"), "does not verify with the key of the issuer");
    }

    @Test
    void responseSignedByAnotherCaIsAnError() throws Exception {
        responder.signer = pki.otherCa(); // names itself by key hash, but is neither the issuer nor included
        assertSoftAndHardError(client("ocsp-other-ca"), "is signed by responder key hash");
    }

    @Test
    void delegatedResponderOfAnotherCaIsAnError() throws Exception {
        responder.signer = pki.ocspResponder(pki.otherCa());
        responder.includeSigner = true;
        assertSoftAndHardError(client("ocsp-foreign-delegate"), "is issued by " + pki.otherCa().certificate()
                .getSubjectX500Principal() + ", not by the certificate's issuer");
    }

    @Test
    void delegatedResponderWithoutOcspSigningIsAnError() throws Exception {
        responder.signer = pki.certificate("responder-without-eku").c("DE").o(TestPki.ORG).cn("no EKU responder")
                .clientAuth().issuedBy(pki.intermediateCa()).build();
        responder.includeSigner = true;
        assertSoftAndHardError(client("ocsp-no-eku"), "lacks extendedKeyUsage id-kp-OCSPSigning");
    }

    @Test
    void expiredDelegatedResponderIsAnError() throws Exception {
        responder.signer = pki.certificate("expired-responder").c("DE").o(TestPki.ORG).cn("expired responder")
                .ocspSigning().issuedBy(pki.intermediateCa())
                .validity(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1))).build();
        responder.includeSigner = true;
        assertSoftAndHardError(client("ocsp-expired-delegate"), "is not valid now");
    }

    @Test
    void delegatedResponderCertificateMissingFromTheResponseIsAnError() throws Exception {
        responder.signer = pki.ocspResponder(pki.intermediateCa());
        responder.includeSigner = false;
        assertSoftAndHardError(client("ocsp-missing-delegate"),
                "which is neither the issuer " + pki.intermediateCa().certificate().getSubjectX500Principal());
    }

    @Test
    void wrongSerialInTheResponseIsAnError() throws Exception {
        TestCert leaf = client("ocsp-wrong-serial");
        responder.serialOverride = leaf.certificate().getSerialNumber().add(BigInteger.ONE);
        assertSoftAndHardError(leaf, "does not cover certificate serial "
                + CertificateIdentities.serialHex(leaf.certificate().getSerialNumber()));
    }

    @Test
    void answerForTheSameSerialOfAnotherIssuerIsAnError() throws Exception {
        // a good answer about "serial S of other-ca", signed by a valid delegate of the real issuer
        TestCert leaf = client("ocsp-other-issuer");
        responder.signer = pki.ocspResponder(pki.intermediateCa());
        responder.includeSigner = true;
        responder.certIdIssuer = pki.otherCa();
        assertSoftAndHardError(leaf, "does not cover certificate serial");
    }

    @Test
    void expiredNextUpdateIsAnError() throws Exception {
        responder.thisUpdateOffset = Duration.ofHours(-2);
        responder.nextUpdateOffset = Duration.ofHours(-1);
        assertSoftAndHardError(client("ocsp-stale"), "has expired: nextUpdate " + NOW.minus(Duration.ofHours(1)));
    }

    @Test
    void thisUpdateInTheFutureIsAnError() throws Exception {
        responder.thisUpdateOffset = Duration.ofHours(1);
        responder.nextUpdateOffset = Duration.ofHours(2);
        assertSoftAndHardError(client("ocsp-future"), "is not yet valid: thisUpdate " + NOW.plus(Duration.ofHours(1)));
    }

    @Test
    void smallClockSkewIsTolerated() throws Exception {
        responder.thisUpdateOffset = Duration.ofMinutes(2); // responder clock 2 min ahead
        assertThat(check(checker().build(), client("ocsp-skew")).status()).isEqualTo(Status.GOOD);
    }

    @Test
    void wrongNonceIsAnError() throws Exception {
        responder.forcedNonce = new byte[32];
        assertSoftAndHardError(client("ocsp-replayed"), "carries a nonce other than the request's");
    }

    // ------------------------------------------------------------------ caching

    @Test
    void goodAnswersAreCachedUntilNextUpdate() throws Exception {
        TestCert leaf = client("ocsp-cached");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OcspChecker checker = checker().build().bindTo(registry);

        assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
        assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
        assertThat(responder.hits.get()).as("second check served from the cache").isEqualTo(1);

        clock.advance(Duration.ofMinutes(9).plusSeconds(59)); // nextUpdate is NOW + 10 min
        assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
        assertThat(responder.hits.get()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1)); // now == nextUpdate: stale
        OcspResult refetched = check(checker, leaf);
        assertThat(refetched.status()).isEqualTo(Status.GOOD);
        assertThat(refetched.thisUpdate()).isEqualTo(clock.instant().minus(Duration.ofMinutes(1)));
        assertThat(responder.hits.get()).as("re-fetched once nextUpdate passed").isEqualTo(2);
        assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
        assertThat(responder.hits.get()).isEqualTo(2);

        assertThat(registry.get("cache.gets").tag("cache", "ocsp").tag("result", "hit").functionCounter().count())
                .isEqualTo(3);
        assertThat(registry.get("cache.gets").tag("cache", "ocsp").tag("result", "miss").functionCounter().count())
                .isEqualTo(2);
    }

    @Test
    void revokedAnswersAreCachedAndKeyedBySerial() throws Exception {
        TestCert revoked = client("ocsp-cached-revoked");
        TestCert good = client("ocsp-cached-good");
        responder.statuses.put(revoked.certificate().getSerialNumber(),
                new RevokedStatus(Date.from(NOW.minus(Duration.ofDays(1))), CRLReason.superseded));
        OcspChecker checker = checker().build();

        assertThat(check(checker, revoked).verifyCode()).isEqualTo(23);
        assertThat(check(checker, good).verifyCode()).isZero();
        assertThat(check(checker, revoked).revocationReasonName()).isEqualTo("superseded");
        assertThat(check(checker, good).status()).isEqualTo(Status.GOOD);
        assertThat(responder.hits.get()).isEqualTo(2);
        assertThat(checker.cachedEntries()).isEqualTo(2);
    }

    @Test
    void maxCacheTimeCapsTheLifetimeAndAppliesWithoutNextUpdate() throws Exception {
        TestCert leaf = client("ocsp-no-next-update");
        responder.nextUpdateOffset = null;
        OcspChecker checker = checker().maxCacheTime(Duration.ofMinutes(5)).build();

        OcspResult first = check(checker, leaf);
        assertThat(first.status()).isEqualTo(Status.GOOD);
        assertThat(first.nextUpdate()).isNull();
        clock.advance(Duration.ofMinutes(4));
        check(checker, leaf);
        assertThat(responder.hits.get()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(1));
        check(checker, leaf);
        assertThat(responder.hits.get()).isEqualTo(2);

        // with a nextUpdate beyond the cap, the cap wins
        responder.nextUpdateOffset = Duration.ofDays(7);
        TestCert weekly = client("ocsp-weekly");
        check(checker, weekly);
        clock.advance(Duration.ofMinutes(5));
        check(checker, weekly);
        assertThat(responder.hits.get()).isEqualTo(4);
    }

    @Test
    void errorsAreNotCachedByDefault() throws Exception {
        responder.httpStatus = 500;
        TestCert leaf = client("ocsp-error-uncached");
        OcspChecker checker = checker().build();

        assertThat(check(checker, leaf).status()).isEqualTo(Status.ERROR);
        assertThat(check(checker, leaf).status()).isEqualTo(Status.ERROR);
        assertThat(responder.hits.get()).isEqualTo(2);

        responder.httpStatus = 200; // the responder recovers: the next check sees it at once
        assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
    }

    @Test
    void errorsAreCachedForErrorCacheTimeWhenConfigured() throws Exception {
        responder.httpStatus = 500;
        TestCert leaf = client("ocsp-error-cached");
        OcspChecker checker = checker().errorCacheTime(Duration.ofSeconds(5)).build();

        check(checker, leaf);
        check(checker, leaf);
        assertThat(responder.hits.get()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        responder.httpStatus = 200;
        assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
        assertThat(responder.hits.get()).isEqualTo(2);

        assertThatThrownBy(() -> checker().errorCacheTime(Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("errorCacheTime");
    }

    @Test
    void concurrentChecksShareOneRequest() throws Exception {
        responder.delay = Duration.ofMillis(300);
        TestCert leaf = client("ocsp-concurrent");
        OcspChecker checker = checker().build();
        X509Certificate issuer = pki.intermediateCa().certificate();

        List<CompletableFuture<OcspResult>> checks = List.of(checker.check(leaf.certificate(), issuer),
                checker.check(leaf.certificate(), issuer), checker.check(leaf.certificate(), issuer));
        for (CompletableFuture<OcspResult> f : checks) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.GOOD);
        }
        assertThat(responder.hits.get()).isEqualTo(1);
    }

    @Test
    void theIssuerMustBeTheLeafsIssuer() {
        TestCert leaf = client("ocsp-wrong-issuer");
        assertThatThrownBy(() -> checker().build().check(leaf.certificate(), pki.rootCa().certificate()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not the issuer " + leaf.certificate().getIssuerX500Principal());
    }

    // ------------------------------------------------------------------ helpers

    private void assertSoftAndHardError(TestCert leaf, String messagePart) throws Exception {
        assertError(check(checker().softFail(false).build(), leaf), false, messagePart);
        assertError(check(checker().softFail(true).build(), leaf), true, messagePart);
    }

    private static void assertError(OcspResult r, boolean softFail, String messagePart) {
        assertThat(r.status()).as(r.message()).isEqualTo(Status.ERROR);
        assertThat(r.message()).contains(messagePart);
        assertThat(r.softFailed()).isEqualTo(softFail);
        if (softFail) {
            assertThat(r.verifyCode()).isZero();
        } else {
            assertThat(r.verifyCode()).isEqualTo(X509VerifyCodes.OCSP_VERIFY_FAILED).isEqualTo(74);
            assertThat(r.verifyMessage()).isEqualTo("OCSP verification failed");
        }
    }


    /** The OCSP responder behind {@code POST /ocsp}; each field changes one aspect of its answers. */
    final class Responder {
        final AtomicInteger hits = new AtomicInteger();
        final Map<BigInteger, CertificateStatus> statuses = new ConcurrentHashMap<>(); // default: good
        volatile TestCert signer;
        volatile PrivateKey signingKey; // null: the signer's own key
        volatile boolean byName; // responderID byName instead of byKey
        volatile boolean includeSigner;
        volatile TestCert certIdIssuer; // null: answer for the CertID as requested
        volatile BigInteger serialOverride;
        volatile Duration thisUpdateOffset = Duration.ofMinutes(-1);
        volatile Duration nextUpdateOffset = Duration.ofMinutes(10); // null: no nextUpdate
        volatile boolean echoNonce = true;
        volatile byte[] forcedNonce;
        volatile int httpStatus = 200;
        volatile boolean garbage;
        volatile int responseStatus = OCSPRespBuilder.SUCCESSFUL;
        volatile Duration delay = Duration.ZERO;
        volatile OCSPReq lastRequest;
        volatile String lastContentType;

        HttpResponse serve(AggregatedHttpRequest req) {
            hits.incrementAndGet();
            AggregatedHttpResponse answer = answer(req);
            return delay.isZero() ? answer.toHttpResponse() : HttpResponse.delayed(answer, delay);
        }

        private AggregatedHttpResponse answer(AggregatedHttpRequest req) {
            MediaType ocspResponse = MediaType.create("application", "ocsp-response");
            if (httpStatus != 200) {
                return AggregatedHttpResponse.of(HttpStatus.valueOf(httpStatus));
            }
            if (garbage) {
                return AggregatedHttpResponse.of(HttpStatus.OK, ocspResponse, "this is not an OCSP response");
            }
            try {
                lastContentType = req.contentType() == null ? null : req.contentType().toString();
                OCSPReq ocspReq = new OCSPReq(req.content().array());
                lastRequest = ocspReq;
                if (responseStatus != OCSPRespBuilder.SUCCESSFUL) {
                    return AggregatedHttpResponse.of(HttpStatus.OK, ocspResponse,
                            new OCSPRespBuilder().build(responseStatus, null).getEncoded());
                }
                X509Certificate signerCert = signer.certificate();
                BasicOCSPRespBuilder b = byName
                        ? new JcaBasicOCSPRespBuilder(signerCert.getSubjectX500Principal())
                        : new JcaBasicOCSPRespBuilder(signerCert.getPublicKey(),
                                new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1));
                Instant now = clock.instant();
                for (Req r : ocspReq.getRequestList()) {
                    CertificateID id = r.getCertID();
                    CertificateStatus status = statuses.getOrDefault(id.getSerialNumber(), CertificateStatus.GOOD);
                    if (certIdIssuer != null) {
                        id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                                .get(CertificateID.HASH_SHA1),
                                new JcaX509CertificateHolder(certIdIssuer.certificate()), id.getSerialNumber());
                    }
                    if (serialOverride != null) {
                        id = CertificateID.deriveCertificateID(id, serialOverride);
                    }
                    Duration next = nextUpdateOffset;
                    b.addResponse(id, status, Date.from(now.plus(thisUpdateOffset)),
                            next == null ? null : Date.from(now.plus(next)), null);
                }
                Extension nonce = ocspReq.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
                if (forcedNonce != null) {
                    b.setResponseExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
                            false, new DEROctetString(forcedNonce).getEncoded())));
                } else if (echoNonce && nonce != null) {
                    b.setResponseExtensions(new Extensions(nonce));
                }
                PrivateKey key = signingKey != null ? signingKey : signer.privateKey();
                String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
                X509CertificateHolder[] certs = includeSigner
                        ? new X509CertificateHolder[] {new JcaX509CertificateHolder(signerCert)} : null;
                BasicOCSPResp basic = b.build(new JcaContentSignerBuilder(alg).build(key), certs, Date.from(now));
                byte[] der = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
                return AggregatedHttpResponse.of(HttpStatus.OK, ocspResponse, der);
            } catch (Exception e) {
                return AggregatedHttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8, e.toString());
            }
        }
    }
}
