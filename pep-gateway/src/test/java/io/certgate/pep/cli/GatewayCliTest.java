package io.certgate.pep.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.testdata.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCliTest {
    private static final TestPki PKI = TestPki.create(Instant.now());

    @TempDir
    static Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = GatewayMain.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @BeforeAll
    static void writePki() throws Exception {
        PKI.writeTo(dir);
        Files.writeString(dir.resolve("not-a-crl.pem"), PKI.partnerClient().pem());
    }

    private static Path gateway(String name, String mtls, String serverKey) throws Exception {
        return Files.writeString(dir.resolve(name), """
                listen: {port: 8443}
                services:
                  - name: partner-api
                    sni: [localhost]
                    server_cert: server-chain.pem
                    server_key: %s
                    mtls: %s
                    upstream: {url: "http://127.0.0.1:9000"}
                """.formatted(serverKey, mtls));
    }

    @Test
    void acceptsAGatewayConfigWhoseFilesParseAndMatch() throws Exception {
        Path cfg = gateway("ok.yaml", "{verify: required, ca_file: trust-bundle.pem, crl_files: [crl.pem]}",
                "server.key");
        Run r = run("config", "check", cfg.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("ok.yaml: ok (gateway configuration)");
    }

    @Test
    void locatesErrorsInTheFilesAGatewayConfigNames() throws Exception {
        Path cfg = gateway("files.yaml", "{verify: required, ca_file: partner.key, crl_files: [crl.pem, not-a-crl.pem]}",
                "partner.key");
        Run r = run("config", "check", cfg.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("files.yaml: 3 error(s) (gateway configuration):")
                .contains("  services[0].server_key: " + dir.resolve("partner.key") + " does not belong to"
                        + " services[0].server_cert")
                .contains("  services[0].mtls.ca_file: " + dir.resolve("partner.key")
                        + ": PEM block #1 (line 1) is a PRIVATE KEY, expected CERTIFICATE")
                .contains("  services[0].mtls.crl_files[1]: ").contains("is a CERTIFICATE, expected X509 CRL");

        Path expired = gateway("expired.yaml", "{verify: required, ca_file: expired-intermediate.pem}", "server.key");
        assertThat(run("config", "check", expired.toString()).out())
                .contains("services[0].mtls.ca_file: ").contains("expired on ");
    }

    @Test
    void reportsTheParsersLocatedErrors() throws Exception {
        Path cfg = Files.writeString(dir.resolve("bad.yaml"), """
                listen: {port: 70000}
                services:
                  - name: partner-api
                    sni: [localhost]
                    server_cert: server.pem
                    server_key: server.key
                    mtls: {verify: sometimes, ca_file: missing.pem}
                    upstream: {url: "ftp://x"}
                """);
        Run r = run("config", "check", cfg.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("  listen.port: must be an integer in [0, 65535], got 70000")
                .contains("  services[0].mtls.verify: ")
                .contains("  services[0].mtls.ca_file: file not found or not readable: " + dir.resolve("missing.pem"))
                .contains("  services[0].upstream.url: must be an http:// or https:// URL");
    }

    @Test
    void checksPdpConfigsTooAndOffersThePdpCommands() throws Exception {
        Path pdp = Files.writeString(dir.resolve("pdp.yaml"), "engine: {pool_size: 0}\n");
        Run r = run("config", "check", pdp.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("(pdp configuration)").contains("engine.pool_size: must be an integer in [1, 256]");
        assertThat(run("config", "check", "--kind", "gateway", pdp.toString()).out())
                .contains("services: at least one service is required");

        Run doctor = run("cert", "doctor", "--cert", dir.resolve("expired-chain.pem").toString(), "--ca",
                dir.resolve("ca.pem").toString());
        assertThat(doctor.exit()).isEqualTo(1);
        assertThat(doctor.out()).contains("error 10 at 0 depth lookup: certificate has expired");
        Run help = run("--help");
        assertThat(help.out()).contains("serve").contains("config").contains("cert").contains("decide")
                .contains("policy");
        assertThat(run("config", "check").exit()).isEqualTo(2);
    }

    @Test
    void anUnreachableRateLimitStoreIsALocatedErrorOfConfigCheckAndServe() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path cfg = Files.writeString(dir.resolve("store.yaml"), Files.readString(
                gateway("store-base.yaml", "{verify: required, ca_file: ca.pem}", "server.key"))
                + "rate_limits: {store: \"redis://127.0.0.1:" + closed + "\"}\n");
        String error = "  rate_limits.store: cannot connect to redis://127.0.0.1:" + closed + ": ";

        Run check = run("config", "check", cfg.toString());
        assertThat(check.exit()).as(check.out() + check.err()).isEqualTo(1);
        assertThat(check.out()).contains("store.yaml: 1 error(s) (gateway configuration):").contains(error);

        Run serve = run("serve", "--config", cfg.toString());
        assertThat(serve.exit()).as(serve.out() + serve.err()).isEqualTo(2);
        assertThat(serve.err()).contains(cfg + " has 1 error(s):\n" + error).doesNotContain("StoreConnectException");
    }

    @Test
    void quickstartNamesATakenPortAndWritesNothing(@TempDir Path tmp) throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0)) {
            Path qs = tmp.resolve("qs");
            Run r = run("quickstart", "--dir", qs.toString(), "--port", String.valueOf(busy.getLocalPort()),
                    "--admin-port", "0");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("quickstart: port " + busy.getLocalPort() + " (the gateway) is"
                    + " already in use: stop what listens there or choose another with --port (0 = any free port)");
            assertThat(qs).doesNotExist();
        }
    }

    @Test
    void quickstartNamesATakenIssuerPort(@TempDir Path tmp) throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0)) {
            Path qs = tmp.resolve("qs");
            Run r = run("quickstart", "--dir", qs.toString(), "--port", "0", "--admin-port", "0", "--issuer-port",
                    String.valueOf(busy.getLocalPort()));
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("quickstart: port " + busy.getLocalPort() + " (the demo token"
                    + " issuer) is already in use: stop what listens there or choose another with --issuer-port"
                    + " (0 = any free port)");
            assertThat(qs).doesNotExist();
        }
    }

    @Test
    void serveStopsWithTheLocatedErrorsOfConfigCheck() throws Exception {
        Path truncated = Files.writeString(dir.resolve("truncated-ca.pem"),
                Files.readString(dir.resolve("ca.pem")).substring(0, 200));
        Path cfg = gateway("truncated.yaml", "{verify: required, ca_file: " + truncated.getFileName() + "}",
                "server.key");
        Run check = run("config", "check", cfg.toString());
        assertThat(check.exit()).isEqualTo(1);
        String error = check.out().lines().filter(l -> l.startsWith("  services[0].mtls.ca_file: ")).findFirst()
                .orElseThrow();

        Run serve = run("serve", "--config", cfg.toString());
        assertThat(serve.exit()).as(serve.out() + serve.err()).isEqualTo(2);
        assertThat(serve.err()).isEqualTo(cfg + " has 1 error(s):\n" + error + "\n");

        Path expired = gateway("expired-serve.yaml", "{verify: required, ca_file: expired-intermediate.pem}",
                "server.key");
        Run expiredServe = run("serve", "--config", expired.toString());
        assertThat(expiredServe.exit()).isEqualTo(2);
        assertThat(expiredServe.err()).contains("services[0].mtls.ca_file: ").contains("expired on ");
    }
}
