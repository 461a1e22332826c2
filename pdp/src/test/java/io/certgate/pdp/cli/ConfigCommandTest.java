package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
    @Test
    void acceptsAValidPdpConfig(@TempDir Path tmp) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("pdp.yaml"), """
                server: {port: 8181}
                engine: {pool_size: 2}
                time: {timezone: Europe/Berlin}
                """);
        CliRun r = CliRun.of("config", "check", cfg.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("pdp.yaml: ok (pdp configuration)");
    }

    @Test
    void printsEveryErrorWithItsLocation(@TempDir Path tmp) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("pdp.yaml"), """
                server: {port: 99999}
                engine: {pool_size: 0, turbo: true}
                time: {timezone: Mars/Olympus}
                """);
        CliRun r = CliRun.of("config", "check", cfg.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("pdp.yaml: 4 error(s) (pdp configuration):")
                .contains("  server.port: ").contains("  engine.pool_size: must be an integer in [1, 256], got 0")
                .contains("  engine.turbo: ").contains("  time.timezone: 'Mars/Olympus' is not an IANA time zone");
    }

    @Test
    void checksReferencedFilesAndYamlSyntax(@TempDir Path tmp) throws Exception {
        Path missing = Files.writeString(tmp.resolve("pdp.yaml"), "policy: {bundle: " + tmp.resolve("nope.tar.gz")
                + "}\n");
        CliRun r = CliRun.of("config", "check", missing.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("policy.bundle: file not found or not readable: ").contains("nope.tar.gz");

        Path dir = Files.writeString(tmp.resolve("dir.yaml"), "policy: {policies: " + tmp.resolve("nope") + "}\n");
        assertThat(CliRun.of("config", "check", dir.toString()).out())
                .contains("policy.policies: directory not found: ");

        Path syntax = Files.writeString(tmp.resolve("bad.yaml"), "server:\n  port: 1\n   host: x\n");
        CliRun bad = CliRun.of("config", "check", syntax.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.out()).contains("line 3").contains("not valid YAML");
    }

    @Test
    void sendsGatewayConfigsToTheGatewayJarAndRejectsUnreadableFiles(@TempDir Path tmp) throws Exception {
        Path gw = Files.writeString(tmp.resolve("gateway.yaml"), "listen: {port: 8443}\nservices: []\n");
        CliRun r = CliRun.of("config", "check", gw.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("pep-gateway.jar config check");
        CliRun forced = CliRun.of("config", "check", "--kind", "pdp", gw.toString());
        assertThat(forced.exit()).isEqualTo(1);
        assertThat(forced.out()).contains("listen: ").contains("services: ");
        assertThat(CliRun.of("config", "check", tmp.resolve("none.yaml").toString()).exit()).isEqualTo(2);
        assertThat(CliRun.of("config", "check", "--kind", "nginx", gw.toString()).exit()).isEqualTo(2);
    }
}
