package io.certgate.pdp.cert;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.util.SafeCloseable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.ByteArrayInputStream;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocation checking of verified client certificates against CRLs fetched from the certificates' own CRL
 * Distribution Points extension ({@code mtls.crl_distribution_points} of a gateway service,
 * {@code interop.crl_distribution_points} of the PDP).
 *
 * <pre>{@code
 * CrlDistributionPoints dp = CrlDistributionPoints.builder(settings)
 *         .trustAnchors(bundle).clock(clock).build()
 *         .bindTo(registry, "partner-api");
 * dp.check(verifiedPath).thenAccept(code -> ...);    // 0, 3, 12, 23, ... as OpenSSL -crl_check reports
 * }</pre>
 *
 * <p>How it works:
 * <ul>
 *   <li>Only paths that already verified are checked, so only a CA of the bundle (or an intermediate it vouches
 *       for) decides which URL is fetched. The leaf's first {@code http://} distribution point is used; other
 *       schemes (LDAP, https) are skipped with a logged note. A leaf without one is not checked here.</li>
 *   <li>One CRL is held per issuer and URL. A fetched CRL replaces the held one only if it is a DER or PEM
 *       X.509 CRL named and signed by that issuer, within {@link Settings#maxBytes()} and
 *       {@link Settings#timeout()}, and not older than the held one; otherwise the previous one is kept and the
 *       failure counted.</li>
 *   <li>Refreshes run every {@link Settings#refreshInterval()}, and halfway to nextUpdate when that is sooner;
 *       failures are retried every {@link #retryInterval}. They start from a verification that finds the CRL
 *       due and from a periodic tick, and never block a verification: fetching is asynchronous, and parsing
 *       and signature checking run on the blocking executor, never on an event loop.</li>
 *   <li>The first verification for an issuer without a CRL yet waits for the fetch (at most
 *       {@link Settings#timeout()}, asynchronously: the returned future completes later). A held CRL is used
 *       until its nextUpdate plus {@link Settings#grace()}; within the grace it counts as current.</li>
 *   <li>Without a usable CRL (never fetched, or past nextUpdate + grace) the configured choice applies:
 *       soft fail verifies as if there were no CRL and counts it; hard fail reports 3 ({@code unable to get
 *       certificate CRL}) or 12 ({@code CRL has expired}), as {@code openssl verify -crl_check} does.</li>
 * </ul>
 *
 * <p>Metrics, per {@code source} (the verifier: {@code client_verification_<service>} in the gateway,
 * {@code proxy_client_verification} in the PDP) and {@code issuer} (a CA subject of the bundle, else
 * {@code other}, so a label never takes a value a client chose): {@code certgate_crl_age_seconds} (since the held
 * CRL's thisUpdate), {@code certgate_crl_next_update_timestamp_seconds}, {@code certgate_crl_fetch_failures_total}
 * and {@code certgate_crl_soft_fail_total}.
 *
 * <p>Instances are thread-safe.
 */
public final class CrlDistributionPoints implements SafeCloseable {
    private static final Logger log = LoggerFactory.getLogger(CrlDistributionPoints.class);

    /** Most issuer/URL pairs held; paths beyond it are treated as having no usable CRL. */
    static final int MAX_ENTRIES = 1000;
    static final String OTHER_ISSUER = "other";

    /**
     * The settings of {@code crl_distribution_points}.
     *
     * @param refreshInterval how often a held CRL is fetched again ({@code refresh_interval_ms})
     * @param timeout         the whole fetch, connecting included ({@code timeout_ms}); also the longest a first
     *                        verification waits
     * @param grace           how long past nextUpdate the last valid CRL keeps serving while fetches fail
     *                        ({@code grace_ms})
     * @param maxBytes        largest CRL accepted ({@code max_bytes})
     * @param softFail        without a usable CRL: verify as if there were none (true) or fail with 3/12 (false)
     */
    public record Settings(Duration refreshInterval, Duration timeout, Duration grace, int maxBytes,
            boolean softFail) {
        public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofHours(1);
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
        public static final Duration DEFAULT_GRACE = Duration.ZERO;
        public static final int DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

        public Settings {
            Objects.requireNonNull(refreshInterval, "refreshInterval");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(grace, "grace");
            if (refreshInterval.isNegative() || refreshInterval.isZero() || timeout.isNegative()
                    || timeout.isZero() || grace.isNegative() || maxBytes <= 0) {
                throw new IllegalArgumentException("refresh interval, timeout and max bytes must be positive and "
                        + "grace not negative: " + refreshInterval + ", " + timeout + ", " + maxBytes + ", " + grace);
            }
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final Executor executor;
    private final WebClient client;
    private final Duration retryInterval;
    private final Set<X500Principal> bundleSubjects = new HashSet<>();
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final Set<String> skippedUrls = ConcurrentHashMap.newKeySet();
    @Nullable
    private volatile Metrics metrics;
    @Nullable
    private final ScheduledFuture<?> tick;

    /** Per URL and issuer (name and key: a re-keyed CA signs its CRLs with the new key). */
    private record Key(String url, X500Principal issuer, String issuerKey) {
        static Key of(String url, X509Certificate issuer) {
            return new Key(url, issuer.getSubjectX500Principal(),
                    HexFormat.of().formatHex(issuer.getPublicKey().getEncoded()));
        }
    }

    /** The CRL in use for one issuer and URL, as accepted at {@code fetchedAt}. */
    private record Held(X509CRL crl, CrlFacts facts, Instant fetchedAt) {
        @Nullable
        Instant nextUpdate() {
            return crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
        }
    }

    private CrlDistributionPoints(Builder b) {
        this.settings = b.settings;
        this.clock = b.clock;
        this.executor = b.executor;
        this.retryInterval = settings.refreshInterval().compareTo(Duration.ofSeconds(30)) < 0
                ? settings.refreshInterval() : Duration.ofSeconds(30);
        for (X509Certificate c : b.trustAnchors) {
            bundleSubjects.add(c.getSubjectX500Principal());
        }
        this.client = WebClient.builder()
                .factory(b.clientFactory)
                .responseTimeout(settings.timeout())
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START) // connecting counts against the timeout too
                .maxResponseLength(settings.maxBytes())
                .build();
        this.tick = b.scheduler == null ? null : schedule(this, b.scheduler, retryInterval);
    }

    /**
     * The periodic refresh holds this instance weakly: one that is dropped (a configuration reloaded without
     * {@link #close()}) stops ticking instead of leaking.
     */
    private static ScheduledFuture<?> schedule(CrlDistributionPoints dp, ScheduledExecutorService scheduler,
            Duration period) {
        WeakReference<CrlDistributionPoints> ref = new WeakReference<>(dp);
        Runnable task = () -> {
            CrlDistributionPoints d = ref.get();
            if (d == null) {
                throw new IllegalStateException("dropped"); // an exception ends a fixed-delay schedule
            }
            d.refreshDue();
        };
        return scheduler.scheduleWithFixedDelay(task, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static Builder builder(Settings settings) {
        return new Builder(settings);
    }

    /** Registers the gauges and counters, tagged {@code source} (which verifier) and {@code issuer}. */
    public CrlDistributionPoints bindTo(MeterRegistry registry, String source) {
        Metrics m = new Metrics(registry, source);
        this.metrics = m;
        for (X500Principal subject : bundleSubjects) {
            m.register(issuerLabel(subject));
        }
        m.register(OTHER_ISSUER);
        return this;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The revocation code of the leaf of {@code path} (leaf first, issuer next, as verified): 0 when not revoked
     * or not checked (no http distribution point, or soft fail without a usable CRL), 23 when revoked, 3 or 12
     * under hard fail without a usable CRL, or any other CRL error OpenSSL reports (e.g. 44 for a CRL whose
     * scope does not cover the leaf). Never completes exceptionally.
     */
    public CompletableFuture<Integer> check(List<X509Certificate> path) {
        if (path.size() < 2) {
            return CompletableFuture.completedFuture(X509VerifyCodes.OK); // a trusted self-signed leaf
        }
        X509Certificate leaf = path.get(0);
        X509Certificate issuer = path.get(1);
        String url = httpDistributionPoint(leaf);
        if (url == null) {
            return CompletableFuture.completedFuture(X509VerifyCodes.OK);
        }
        Key key = Key.of(url, issuer);
        Entry entry = entries.get(key);
        if (entry == null) {
            if (entries.size() >= MAX_ENTRIES) {
                log.warn("more than {} CRL distribution points in use; {} of {} is not fetched", MAX_ENTRIES, url,
                        issuer.getSubjectX500Principal().getName());
                return CompletableFuture.completedFuture(unusable(issuerLabel(issuer.getSubjectX500Principal()),
                        X509VerifyCodes.UNABLE_TO_GET_CRL));
            }
            entry = entries.computeIfAbsent(key, k -> new Entry(url, issuer));
        }
        Entry e = entry;
        Instant now = clock.instant();
        if (usable(e.held, now)) {
            if (e.due(now)) {
                e.refresh(); // in the background: this verification uses the CRL held now
            }
            return CompletableFuture.completedFuture(decide(e, path, now));
        }
        // nothing usable: wait for a fetch (bounded by the timeout) instead of failing the first request
        return e.refreshIfDue(now).thenApply(v -> decide(e, path, clock.instant()));
    }

    /** Starts a refresh of every held CRL that is due; the future completes when those fetches have ended. */
    public CompletableFuture<Void> refreshDue() {
        Instant now = clock.instant();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.due(now)) {
                running.add(e.refresh());
            }
        }
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
    }

    /** Fetches every known distribution point now, due or not; completes when all fetches have ended. */
    public CompletableFuture<Void> refreshAll() {
        return CompletableFuture.allOf(entries.values().stream().map(Entry::refresh)
                .toArray(CompletableFuture[]::new));
    }

    /** Stops the periodic refresh. Held CRLs stay in use. */
    @Override
    public void close() {
        if (tick != null) {
            tick.cancel(false);
        }
    }

    private boolean usable(@Nullable Held held, Instant now) {
        if (held == null) {
            return false;
        }
        Instant next = held.nextUpdate();
        return next == null || now.isBefore(next.plus(settings.grace()));
    }

    private int decide(Entry e, List<X509Certificate> path, Instant now) {
        Held held = e.held;
        if (held == null) {
            return unusable(e.label, X509VerifyCodes.UNABLE_TO_GET_CRL);
        }
        if (!usable(held, now)) {
            return unusable(e.label, X509VerifyCodes.CRL_HAS_EXPIRED);
        }
        // within the grace the CRL counts as current: judge it just before its nextUpdate
        Instant next = held.nextUpdate();
        Instant at = next != null && !now.isBefore(next) ? next.minusSeconds(1) : now;
        List<CertFacts> facts = new ArrayList<>(path.size());
        for (X509Certificate c : path) {
            facts.add(CertFacts.of(c));
        }
        Failure f = new CrlChecker(List.of(held.facts()), false).check(facts, at.getEpochSecond());
        return f == null ? X509VerifyCodes.OK : f.code();
    }

    private int unusable(String label, int hardFailCode) {
        Metrics m = metrics;
        if (!settings.softFail()) {
            return hardFailCode;
        }
        if (m != null) {
            m.softFail(label);
        }
        return X509VerifyCodes.OK;
    }

    private String issuerLabel(X500Principal issuer) {
        return bundleSubjects.contains(issuer) ? issuer.getName(X500Principal.RFC2253) : OTHER_ISSUER;
    }

    /** The first http:// URI of the certificate's distribution points, null when it has none. */
    @Nullable
    private String httpDistributionPoint(X509Certificate leaf) {
        List<DistributionPoint> dps;
        try {
            dps = CertFacts.of(leaf).crlDistributionPoints;
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (DistributionPoint dp : dps) {
            DistributionPointName name = dp.getDistributionPoint();
            if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
                continue;
            }
            for (GeneralName n : GeneralNames.getInstance(name.getName()).getNames()) {
                if (n.getTagNo() != GeneralName.uniformResourceIdentifier) {
                    continue;
                }
                String uri = n.getName().toString();
                if (uri.regionMatches(true, 0, "http://", 0, 7)) {
                    return uri;
                }
                if (skippedUrls.size() < MAX_ENTRIES && skippedUrls.add(uri)) {
                    log.info("CRL distribution point {} of {} is not fetched: only http:// URLs are (LDAP and "
                            + "https are not supported)", uri, leaf.getIssuerX500Principal().getName());
                }
            }
        }
        return null;
    }

    /** One issuer and URL: the CRL held, the fetch in flight and when the next one is due. */
    private final class Entry {
        final String url;
        final X509Certificate issuer;
        final String label;
        @Nullable
        volatile Held held;
        @Nullable
        CompletableFuture<Void> inFlight; // guarded by this
        Instant nextAttempt = Instant.MIN; // guarded by this

        Entry(String url, X509Certificate issuer) {
            this.url = url;
            this.issuer = issuer;
            this.label = issuerLabel(issuer.getSubjectX500Principal());
        }

        synchronized boolean due(Instant now) {
            return !fetching() && !now.isBefore(nextAttempt);
        }

        private boolean fetching() {
            return inFlight != null && !inFlight.isDone();
        }

        /** The fetch in flight, else a new one when due, else a completed future. */
        synchronized CompletableFuture<Void> refreshIfDue(Instant now) {
            return fetching() || due(now) ? refresh() : CompletableFuture.completedFuture(null);
        }

        /** Joins the fetch in flight or starts one. */
        synchronized CompletableFuture<Void> refresh() {
            if (fetching()) {
                return inFlight;
            }
            try {
                inFlight = client.get(URI.create(url).toString()).aggregate().handleAsync(this::accept, executor);
            } catch (RuntimeException e) { // a URL Armeria cannot use
                inFlight = CompletableFuture.runAsync(() -> failed("cannot be fetched: " + e.getMessage()), executor);
            }
            return inFlight;
        }

        private Void accept(@Nullable AggregatedHttpResponse response, @Nullable Throwable failure) {
            try {
                if (failure != null) {
                    failed(describe(failure));
                } else if (!response.status().equals(HttpStatus.OK)) {
                    failed("was answered with HTTP " + response.status().code());
                } else {
                    install(parse(response.content().array()));
                }
            } catch (Rejected e) {
                failed(e.getMessage());
            } catch (RuntimeException e) {
                failed("unexpected " + e);
            }
            return null;
        }

        private X509CRL parse(byte[] body) throws Rejected {
            byte[] der = body;
            if (new String(body, 0, Math.min(body.length, 64), StandardCharsets.US_ASCII).contains("-----BEGIN")) {
                try {
                    List<X509CRL> crls = PemBundles.crls(body, url);
                    if (crls.size() != 1) {
                        throw new Rejected("holds " + crls.size() + " CRLs, expected one");
                    }
                    return crls.get(0);
                } catch (PemBundleException e) {
                    throw new Rejected("is not a PEM CRL: " + e.getMessage());
                }
            }
            try {
                CRL c = CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
                if (!(c instanceof X509CRL crl)) {
                    throw new Rejected("is not an X.509 CRL");
                }
                return crl;
            } catch (Exception e) {
                if (e instanceof Rejected r) {
                    throw r;
                }
                throw new Rejected("is not a DER or PEM X.509 CRL (" + body.length + " bytes): " + e.getMessage());
            }
        }

        private void install(X509CRL crl) throws Rejected {
            X500Principal subject = issuer.getSubjectX500Principal();
            if (!crl.getIssuerX500Principal().equals(subject)) {
                throw new Rejected("is issued by " + crl.getIssuerX500Principal().getName() + ", not by "
                        + subject.getName());
            }
            try {
                crl.verify(issuer.getPublicKey());
            } catch (Exception e) {
                throw new Rejected("has a signature that does not verify with the key of " + subject.getName()
                        + " (" + e.getMessage() + ")");
            }
            CrlFacts facts;
            try {
                facts = CrlFacts.of(crl);
            } catch (IllegalArgumentException e) {
                throw new Rejected(e.getMessage());
            }
            Held previous = held;
            if (previous != null && crl.getThisUpdate().before(previous.crl().getThisUpdate())) {
                throw new Rejected("is older (thisUpdate " + crl.getThisUpdate().toInstant()
                        + ") than the CRL in use (thisUpdate " + previous.crl().getThisUpdate().toInstant() + ")");
            }
            Instant now = clock.instant();
            Held next = new Held(crl, facts, now);
            synchronized (this) {
                held = next;
                Instant attempt = now.plus(settings.refreshInterval());
                Instant nextUpdate = next.nextUpdate();
                if (nextUpdate != null && nextUpdate.isAfter(now)) {
                    Instant halfway = now.plus(Duration.between(now, nextUpdate).dividedBy(2));
                    attempt = halfway.isBefore(attempt) ? halfway : attempt;
                }
                Instant earliest = now.plus(retryInterval);
                nextAttempt = attempt.isBefore(earliest) ? earliest : attempt;
            }
            log.debug("CRL of {} from {} updated: thisUpdate {}, nextUpdate {}, {} entries", subject.getName(), url,
                    crl.getThisUpdate().toInstant(), next.nextUpdate(), facts.entries.size());
        }

        private void failed(String why) {
            synchronized (this) {
                nextAttempt = clock.instant().plus(retryInterval);
            }
            Metrics m = metrics;
            if (m != null) {
                m.fetchFailed(label);
            }
            Held h = held;
            log.warn("CRL of {} from {} {}; {}", issuer.getSubjectX500Principal().getName(), url, why,
                    h == null ? "no CRL of this issuer is held yet" : "keeping the previous one");
        }
    }

    private static String describe(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof UnprocessedRequestException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ContentTooLargeException) {
            return "is larger than max_bytes";
        }
        if (t instanceof ResponseTimeoutException) {
            return "did not arrive within timeout_ms";
        }
        return "could not be fetched: " + t;
    }

    /** A fetched CRL that must not be used; the message says why. */
    private static final class Rejected extends Exception {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    /** The gauges read the held CRLs of every entry with the label; the oldest one wins. */
    private final class Metrics {
        private final MeterRegistry registry;
        private final String source;
        private final Map<String, Counter> failures = new ConcurrentHashMap<>();
        private final Map<String, Counter> softFails = new ConcurrentHashMap<>();

        Metrics(MeterRegistry registry, String source) {
            this.registry = registry;
            this.source = source;
        }

        void register(String issuer) {
            Tags tags = Tags.of("source", source, "issuer", issuer);
            Gauge.builder("certgate.crl.age", this, m -> m.age(issuer)).tags(tags).baseUnit("seconds")
                    .description("seconds since thisUpdate of the CRL in use (fetched from a distribution point)")
                    .register(registry);
            Gauge.builder("certgate.crl.next.update.timestamp", this, m -> m.nextUpdate(issuer)).tags(tags)
                    .baseUnit("seconds").description("nextUpdate of the CRL in use, Unix seconds")
                    .register(registry);
            failures.put(issuer, Counter.builder("certgate.crl.fetch.failures").tags(tags)
                    .description("CRL fetches that failed or were rejected (the previous CRL stays in use)")
                    .register(registry));
            softFails.put(issuer, Counter.builder("certgate.crl.soft.fail").tags(tags)
                    .description("verifications without a usable CRL accepted because of soft_fail")
                    .register(registry));
        }

        void fetchFailed(String issuer) {
            Counter c = failures.get(issuer);
            if (c != null) {
                c.increment();
            }
        }

        void softFail(String issuer) {
            Counter c = softFails.get(issuer);
            if (c != null) {
                c.increment();
            }
        }

        double age(String issuer) {
            double oldest = Double.NaN;
            Instant now = clock.instant();
            for (Entry e : entries.values()) {
                Held h = e.held;
                if (h != null && e.label.equals(issuer)) {
                    double age = Duration.between(h.crl().getThisUpdate().toInstant(), now).toMillis() / 1000.0;
                    oldest = Double.isNaN(oldest) ? age : Math.max(oldest, age);
                }
            }
            return oldest;
        }

        double nextUpdate(String issuer) {
            double soonest = Double.NaN;
            for (Entry e : entries.values()) {
                Held h = e.held;
                if (h != null && e.label.equals(issuer) && h.nextUpdate() != null) {
                    double next = h.nextUpdate().getEpochSecond();
                    soonest = Double.isNaN(soonest) ? next : Math.min(soonest, next);
                }
            }
            return soonest;
        }
    }

    /** Configures {@link CrlDistributionPoints}. */
    public static final class Builder {
        private final Settings settings;
        private List<X509Certificate> trustAnchors = List.of();
        private Clock clock = Clock.systemUTC();
        private ClientFactory clientFactory = ClientFactory.ofDefault();
        private Executor executor = CommonPools.blockingTaskExecutor();
        @Nullable
        private ScheduledExecutorService scheduler = CommonPools.blockingTaskExecutor();

        private Builder(Settings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** The service's CA bundle: its subjects are the {@code issuer} metric labels. */
        public Builder trustAnchors(List<X509Certificate> trustAnchors) {
            this.trustAnchors = List.copyOf(trustAnchors);
            return this;
        }

        /** The clock CRL validity and refresh times are judged by (default the system clock, UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder clientFactory(ClientFactory clientFactory) {
            this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
            return this;
        }

        /** Where fetched CRLs are parsed and verified (default Armeria's blocking task executor). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Runs the periodic refresh (default Armeria's blocking task executor); null for none, when the caller
         * drives {@link #refreshDue()} itself (refreshes still start from verifications that find a CRL due).
         */
        public Builder scheduler(@Nullable ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        public CrlDistributionPoints build() {
            return new CrlDistributionPoints(this);
        }
    }
}
