package io.certgate.pdp.cert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Certificate expiry as a gauge, {@code certgate_certificate_expiry_seconds} (seconds until notAfter,
 * negative once expired), so an alert can fire weeks ahead:
 * <ul>
 *   <li>configured certificates ({@link #watch}): CAs, server and upstream client certificates, kept
 *       for the life of the process;</li>
 *   <li>client certificates seen recently ({@link #seen}): one series per certificate, dropped after
 *       {@code seenFor} without a request and bounded to {@code maxSeen} series (least recently seen
 *       go first), so a busy gateway cannot blow up the metric's cardinality.</li>
 * </ul>
 * Tags: {@code kind} (ca, server, client, upstream_client, upstream_ca), {@code source} (the file or
 * service it came from), {@code subject} (CN, else the RFC 4514 DN), {@code serial} (lowercase hex).
 */
public final class CertificateExpiryMetrics {
    public static final String METRIC = "certgate.certificate.expiry";

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, Gauge> watched = new ConcurrentHashMap<>();
    private final Cache<String, Gauge> seen;

    /** Client certificates stay this long after their last request by default. */
    public static final Duration DEFAULT_SEEN_FOR = Duration.ofDays(1);
    /** At most this many client certificate series by default. */
    public static final long DEFAULT_MAX_SEEN = 1000;

    /** With {@link #DEFAULT_SEEN_FOR} and {@link #DEFAULT_MAX_SEEN}. */
    public CertificateExpiryMetrics(MeterRegistry registry, Clock clock) {
        this(registry, clock, DEFAULT_SEEN_FOR, DEFAULT_MAX_SEEN);
    }

    public CertificateExpiryMetrics(MeterRegistry registry, Clock clock, Duration seenFor, long maxSeen) {
        this.registry = registry;
        this.clock = clock;
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxSeen)
                .expireAfterAccess(seenFor)
                .ticker(() -> clock.millis() * 1_000_000L)
                .executor(Runnable::run)
                .removalListener((String key, Gauge gauge, RemovalCause cause) -> {
                    if (gauge != null) {
                        registry.remove(gauge);
                    }
                })
                .build();
    }

    /** Expiry of configured certificates, e.g. every CA in a service's {@code ca_file}. */
    public void watch(String kind, String source, List<X509Certificate> certificates) {
        for (X509Certificate c : certificates) {
            String serial = CertificateIdentities.serialHex(c.getSerialNumber());
            String subject = subjectLabel(c.getSubjectX500Principal());
            watched.computeIfAbsent(kind + '|' + source + '|' + serial + '|' + subject,
                    k -> gauge(kind, source, subject, serial, c.getNotAfter().toInstant()));
        }
    }

    /**
     * Like {@link #watch}, after dropping the series of the certificates {@code kind}/{@code source} had before (a
     * reloaded file): a replaced certificate's expiry must not raise alerts.
     */
    public synchronized void replace(String kind, String source, List<X509Certificate> certificates) {
        String prefix = kind + '|' + source + '|';
        watched.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(prefix)) {
                registry.remove(e.getValue());
                return true;
            }
            return false;
        });
        watch(kind, source, certificates);
    }

    /** Records a client certificate presented for {@code source} (a service id, or "pdp"). */
    public void seen(String source, CertificateIdentity id) {
        String key = source + '|' + id.sha256();
        if (seen.getIfPresent(key) == null) {
            String subject = id.cn() != null ? id.cn() : id.subjectDn();
            seen.get(key, k -> gauge("client", source, subject, id.serial(), id.notAfter()));
        }
    }

    /** Drops expired-from-view client series now (Caffeine otherwise does it on later activity). */
    void cleanUp() {
        seen.cleanUp();
    }

    private Gauge gauge(String kind, String source, String subject, String serial, Instant notAfter) {
        return Gauge.builder(METRIC, () -> Duration.between(clock.instant(), notAfter).toSeconds())
                .description("Seconds until the certificate's notAfter (negative once expired)")
                .baseUnit("seconds")
                .tags(Tags.of("kind", kind, "source", source, "subject", subject, "serial", serial))
                .register(registry);
    }

    private static String subjectLabel(X500Principal subject) {
        List<String> cns = CertificateIdentities.values(X500Name.getInstance(subject.getEncoded()), BCStyle.CN);
        return cns.isEmpty() ? subject.getName(X500Principal.RFC2253) : cns.get(0);
    }
}
