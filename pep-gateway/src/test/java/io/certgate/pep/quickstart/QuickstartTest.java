package io.certgate.pep.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.certgate.pdp.cli.ProcessMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The quickstart as a newcomer meets it: every printed command, run as printed by a real shell and
 * curl against the running demo, gets the status and content its title promises.
 */
class QuickstartTest {
    private static final Pattern STATUS = Pattern.compile("\nHTTP (\\d{3})\n?$");

    @TempDir
    Path dir;

    @Test
    void everyPrintedCommandShowsWhatItsTitleSays() throws Exception {
        try (Quickstart q = start()) {
            List<Quickstart.DemoRequest> requests = q.requests();
            assertThat(requests).hasSize(7);
            String[] outputs = new String[requests.size()];
            for (int i = 0; i < requests.size(); i++) {
                Quickstart.DemoRequest r = requests.get(i);
                outputs[i] = sh(r.command());
                assertThat(status(outputs[i])).as("%s%n$ %s%n%s", r.title(), r.command(), outputs[i])
                        .isEqualTo(r.expectedStatus());
            }
            // allowed: the upstream received the verified identity and the policy's obligations
            assertThat(outputs[0]).contains("\"x-ssl-client-cn\" : \"billing-service\"")
                    .contains("\"x-ssl-verify\" : \"0\"").contains("\"x-client-id\" : \"partner-billing\"");
            assertThat(outputs[1]).contains("DEVICE_NOT_COMPLIANT");
            assertThat(outputs[2]).contains("CERT_REQUIRED");
            assertThat(outputs[3]).contains("(10)");
            assertThat(outputs[4]).contains("(23)");
            assertThat(outputs[5]).containsIgnoringCase("www-authenticate: Bearer error=\"insufficient_user_authentication\"")
                    .contains("MFA_REQUIRED");
            assertThat(outputs[6]).contains("\"path\" : \"/admin/keys\"");
        }
    }

    @Test
    void theSecondStartReusesThePki() throws Exception {
        byte[] ca;
        try (Quickstart q = start()) {
            ca = Files.readAllBytes(q.pki().caFile());
        }
        try (Quickstart q = start()) {
            assertThat(Files.readAllBytes(q.pki().caFile())).isEqualTo(ca);
            assertThat(status(sh(q.requests().get(0).command()))).isEqualTo(200);
        }
    }

    @Test
    void aStartRegistersNoMeterTwice() throws Exception {
        // Micrometer warns of the first duplicate in a JVM and logs later ones at debug: listen at debug
        Logger meters = (Logger) LoggerFactory.getLogger(MeterRegistry.class);
        Level level = meters.getLevel();
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        meters.addAppender(log);
        meters.setLevel(Level.DEBUG);
        try {
            // registered as the quickstart command registers them
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ProcessMetrics.bindTo(registry);
            Quickstart.start(dir, 0, 0, 0, registry, Clock.systemUTC()).close();
        } finally {
            meters.setLevel(level);
            meters.detachAppender(log);
        }
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains("already registered"));
    }

    @Test
    void thePkiHasTheIssuingCaAloneAndInAChainFileForNginx() throws Exception {
        DemoPki pki = DemoPki.ensure(dir.resolve("pki"), java.time.Instant.now());
        var intermediate = io.certgate.pdp.cert.ChainVerifier.readCertificates(pki.intermediateFile());
        var chain = io.certgate.pdp.cert.ChainVerifier.readCertificates(pki.caChainFile());
        var root = io.certgate.pdp.cert.ChainVerifier.readCertificates(pki.caFile());
        var partner = io.certgate.pdp.cert.ChainVerifier.readCertificates(pki.cert("partner")).get(0);
        assertThat(intermediate).hasSize(1);
        assertThat(partner.getIssuerX500Principal()).isEqualTo(intermediate.get(0).getSubjectX500Principal());
        assertThat(chain).containsExactly(intermediate.get(0), root.get(0));
        partner.verify(chain.get(0).getPublicKey());
        chain.get(0).verify(chain.get(1).getPublicKey());
    }

    /** What deploy/compose runs: configurations the products accept, and a bundle that decides the demo. */
    @Test
    void theComposeExportIsAcceptedByBothProductsAndDecidesTheDemoIdentities() throws Exception {
        Quickstart.exportForCompose(dir, Clock.systemUTC());
        io.certgate.pep.config.GatewayConfig gw = io.certgate.pep.config.GatewayConfig.load(dir.resolve("gateway.yaml"));
        assertThat(gw.pdp().addresses()).containsExactly("pdp:8181");
        assertThat(io.certgate.pdp.config.PdpConfig.load(dir.resolve("pdp.yaml")).bundle())
                .isEqualTo("/demo/demo-bundle.tar.gz");

        io.certgate.pdp.config.PdpConfig cfg = io.certgate.pdp.config.PdpConfig.defaults()
                .withOverrides(0, dir.resolve("demo-bundle.tar.gz").toString(), null, null);
        try (io.certgate.pdp.Pdp pdp = io.certgate.pdp.Pdp.start(cfg, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Clock.systemUTC())) {
            assertThat(decide(pdp, "partner").allowed()).isTrue();
            io.certgate.pdp.decision.Decision device = decide(pdp, "device");
            assertThat(device.status()).isEqualTo(403);
        }
    }

    private io.certgate.pdp.decision.Decision decide(io.certgate.pdp.Pdp pdp, String client) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var input = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree("""
                {"service": {"id": "demo-api", "profile": "partner"}, "request": {"method": "GET", "path": "/orders"},
                 "connection": {"client_ip": "127.0.0.1"}}
                """);
        List<byte[]> chain = io.certgate.pdp.cert.ChainVerifier.readCertificates(dir.resolve("pki/" + client + ".pem"))
                .stream().map(c -> {
                    try {
                        return c.getEncoded();
                    } catch (java.security.cert.CertificateEncodingException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
        return pdp.decisions().decide(null, input, new io.certgate.pdp.input.PresentedCertificate(chain, true, 0, null),
                false);
    }

    private Quickstart start() throws Exception {
        return Quickstart.start(dir, 0, 0, 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC());
    }

    private static int status(String output) {
        Matcher m = STATUS.matcher(output);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
