package io.certgate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldif.LDIFReader;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.testdata.MutableClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Decision throughput and latency of the reference policy with the attribute providers (LDAP groups,
 * device posture, MFA JWT) against real local servers: all answers warm in the provider caches, every
 * breaker open (servers stopped), and, per provider, the latency a cache miss adds to a decision.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.certgate.bench.ProvidersLoad [--seconds 5] [--threads 2] [--misses 400]</pre>
 * (run from the repository root; the decision cache is off so every request is evaluated).
 */
public final class ProvidersLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERIAL = "4f1c2a9be07d3c55a1e8";
    private static final String CERT_SHA256 = "bfac3ee1c1786f7e294617205583ebd72cc3e8680e9ad267f19032e6b06602a2";
    private static final String ISSUER = "https://idp.corp.example.com";
    private static final Duration PAST_STALE = Duration.ofHours(3);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-12T10:00:00Z"));
    private final InMemoryDirectoryServer ldap;
    private final Server http;
    private final RSAKey key;
    private final ObjectNode template;

    private ProvidersLoad() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=corp,dc=example,dc=com");
        config.setSchema(null);
        ldap = new InMemoryDirectoryServer(config);
        try (InputStream ldif = ProvidersLoad.class.getResourceAsStream("/directory/corp.ldif")) {
            ldap.importFromLDIF(true, new LDIFReader(ldif));
        }
        ldap.startListening();
        key = new RSAKeyGenerator(2048).keyID("bench").generate();
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        String posture = "{\"compliant\": true, \"managed\": true, \"disk_encrypted\": true, \"os_patch_age_days\": 3,"
                + " \"edr_running\": true}";
        http = Server.builder().http(0)
                .service("/jwks.json", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, jwks))
                .serviceUnder("/devices/", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, posture))
                .build();
        http.start().join();
        ObjectNode sample = (ObjectNode) JSON.readTree(Files.readString(Path.of("testdata/inputs/mfa_challenge.json")));
        template = JSON.createObjectNode();
        template.set("certificate", sample.get("certificate"));
        template.set("connection", sample.get("connection"));
        template.set("service", sample.get("service"));
        template.putObject("request").put("method", "GET").put("path", "/dashboard")
                .put("host", "console.corp.example.com").putObject("headers");
    }

    private String providers(boolean groups, boolean posture, boolean mfa) {
        return providers(groups, posture, mfa, "");
    }

    private String providers(boolean groups, boolean posture, boolean mfa, String cache) {
        String r = "timeout_ms: 250, breaker: {minimum_calls: 5, window_calls: 20, open_seconds: 3600}" + cache;
        StringBuilder y = new StringBuilder("caches: {decisions: 0}\ndecision_log: {enabled: false}\nproviders:\n");
        if (groups) {
            y.append("  ldap: {url: 'ldap://127.0.0.1:").append(ldap.getListenPort())
                    .append("', base_dn: 'ou=people,dc=corp,dc=example,dc=com', user_filter: '(mail={id})',")
                    .append(" subject_from: san_email, ").append(r).append("}\n");
        }
        if (posture) {
            y.append("  posture: {base_url: 'http://127.0.0.1:").append(http.activeLocalPort())
                    .append("', device_from: serial, ").append(r).append("}\n");
        }
        if (mfa) {
            y.append("  mfa: {jwks_url: 'http://127.0.0.1:").append(http.activeLocalPort()).append("/jwks.json', issuer: '")
                    .append(ISSUER).append("', audience: [certgate], ").append(r).append("}\n");
        }
        return y.toString();
    }

    private Pdp pdp(String yaml, SimpleMeterRegistry registry) throws Exception {
        return Pdp.start(PdpConfig.parse(yaml.endsWith("providers:\n") ? yaml.replace("providers:\n", "") : yaml,
                "bench"), registry, clock);
    }

    private ObjectNode input(String token) {
        ObjectNode in = template.deepCopy();
        ((ObjectNode) in.get("request").get("headers")).put("authorization", "Bearer " + token);
        return in;
    }

    private String token() throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience("certgate").subject("alice")
                .expirationTime(Date.from(now.plus(PAST_STALE.multipliedBy(400))))
                .claim("auth_time", now.getEpochSecond()).claim("amr", List.of("pwd", "otp"))
                .claim("acr", "urn:example:acr:mfa")
                .claim("cnf", Map.of("x5t#S256", Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(HexFormat.of().parseHex(CERT_SHA256)))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("bench").build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** Closed-loop decisions from {@code threads} workers for {@code seconds}: decisions/s and latency. */
    private static String run(Pdp pdp, ObjectNode input, Effect expected, int threads, int seconds)
            throws Exception {
        for (int i = 0; i < 2000; i++) {
            check(pdp.decisions().decide(null, input.deepCopy(), null, false), expected);
        }
        Recorder recorder = new Recorder(3);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        long[] counts = new long[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        check(pdp.decisions().decide(null, input.deepCopy(), null, false), expected);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    recorder.recordValue((System.nanoTime() - start) / 1000);
                    counts[id]++;
                }
            });
            workers.add(w);
        }
        recorder.reset();
        long begin = System.nanoTime();
        workers.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        double elapsed = (System.nanoTime() - begin) / 1e9;
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        Histogram h = recorder.getIntervalHistogram();
        return String.format("%10.0f %10d %10d", total / elapsed, h.getValueAtPercentile(50), h.getValueAtPercentile(99));
    }

    private static void check(Decision d, Effect expected) {
        if (d.effect() != expected) {
            throw new IllegalStateException("expected " + expected + ", got " + d);
        }
    }

    /** Sequential decisions, each after moving the clock past the TTL (1 s, no stale): every lookup misses. */
    private String misses(Pdp pdp, SimpleMeterRegistry registry, String provider, int n) throws Exception {
        Histogram h = new Histogram(3);
        for (int i = 0; i < n + 200; i++) {
            clock.advance(Duration.ofSeconds(2));
            ObjectNode in = input(token());
            long start = System.nanoTime();
            pdp.decisions().decide(null, in, null, false);
            if (i >= 200) {
                h.recordValue((System.nanoTime() - start) / 1000);
            }
        }
        String call = "";
        if (provider != null) {
            Timer t = registry.find("pdp_provider_call_duration").tag("provider", provider).timer();
            double p99 = 0;
            for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
                if (v.percentile() == 0.99) {
                    p99 = v.value(TimeUnit.MICROSECONDS);
                }
            }
            call = String.format(" %10.0f", p99);
        }
        return String.format("%10d %10d", h.getValueAtPercentile(50), h.getValueAtPercentile(99)) + call;
    }

    public static void main(String[] args) throws Exception {
        int seconds = 5;
        int threads = 2;
        int misses = 400;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--misses" -> misses = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--seconds N, --threads N, --misses N)");
            }
        }
        ProvidersLoad b = new ProvidersLoad();
        List<String> out = new ArrayList<>();
        out.add(String.format("%-44s %10s %10s %10s", "scenario (reference policy, admin-console)", "dec/s",
                "p50 µs", "p99 µs"));

        SimpleMeterRegistry none = new SimpleMeterRegistry();
        try (Pdp baseline = b.pdp(b.providers(false, false, false), none)) {
            ObjectNode in = b.input(b.token());
            in.putObject("subject").put("id", "alice").put("groups_status", "ok").putArray("groups").add("sre");
            in.set("device", JSON.readTree("{\"status\": \"ok\", \"posture\": {\"compliant\": true, \"managed\": true,"
                    + " \"disk_encrypted\": true, \"os_patch_age_days\": 3, \"edr_running\": true}}"));
            in.set("mfa", JSON.readTree("{\"verified\": true, \"status\": \"ok\", \"acr\": \"urn:example:acr:mfa\","
                    + " \"age_seconds\": 60, \"token_bound\": true, \"methods\": [\"otp\"]}"));
            out.add(String.format("%-44s %s", "no providers (facts in the input)", run(baseline, in, Effect.ALLOW,
                    threads, seconds)));
        }
        SimpleMeterRegistry all = new SimpleMeterRegistry();
        try (Pdp pdp = b.pdp(b.providers(true, true, true), all)) {
            ObjectNode in = b.input(b.token());
            out.add(String.format("%-44s %s", "all providers, warm caches", run(pdp, in, Effect.ALLOW, threads,
                    seconds)));
            b.http.stop().join();
            b.ldap.shutDown(true);
            b.clock.advance(PAST_STALE);
            ObjectNode down = b.input(b.token());
            for (int i = 0; i < 50; i++) {
                pdp.decisions().decide(null, down.deepCopy(), null, false); // opens every breaker
            }
            pdp.providers().lookups().forEach(l -> {
                if (l.breakerState() != io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN) {
                    throw new IllegalStateException(l.provider() + " breaker is " + l.breakerState());
                }
            });
            out.add(String.format("%-44s %s", "all providers, servers down, breakers open", run(pdp, down,
                    Effect.DENY, threads, seconds)));
        }
        b.ldap.startListening();
        b.http.start().join();

        out.add("");
        out.add(String.format("%-44s %10s %10s %10s", "cache miss on every decision (sequential)", "p50 µs",
                "p99 µs", "call p99 µs"));
        String[][] cases = {{"none (baseline)", null}, {"ldap (groups)", "ldap"}, {"posture", "posture"},
                {"mfa (JWKS fetch + verify)", "mfa_jwks"}};
        for (String[] c : cases) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            // 1 s fresh, never stale: moving the clock 2 s makes every lookup a miss
            String yaml = b.providers("ldap".equals(c[1]), "posture".equals(c[1]), "mfa_jwks".equals(c[1]),
                    ", cache: {ttl_seconds: 1, max_stale_seconds: 0}");
            try (Pdp pdp = b.pdp(yaml, registry)) {
                out.add(String.format("%-44s %s", c[0], b.misses(pdp, registry, c[1], misses)));
            }
        }
        b.http.stop().join();
        b.ldap.shutDown(true);
        System.out.println();
        out.forEach(System.out::println);
        System.exit(0);
    }
}
