package io.certgate.pep.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pep.quickstart.Quickstart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configurations shipped in the Kubernetes manifests parse with the products' own parsers, and every
 * PDP that {@code deploy/} starts for other containers or pods listens beyond loopback.
 */
class DeploymentConfigsTest {
    private static final Path DEPLOY = Path.of("../deploy");
    private static final Path K8S = DEPLOY.resolve("k8s");

    @Test
    void thePdpConfigMapIsAValidPdpConfigReadingBundlesFromTheBundleServer() throws Exception {
        PdpConfig cfg = PdpConfig.parse(configMapEntry("pdp.yaml", "certgate-pdp", "pdp.yaml"), "pdp.yaml");
        assertThat(cfg.bundle()).isEqualTo("http://certgate-bundles/bundles/reference.tar.gz");
        assertThat(cfg.port()).isEqualTo(8181);
        // the Service and the kubelet's probes reach the pod's IP, not its loopback
        assertThat(cfg.host()).isEqualTo("0.0.0.0");
    }

    @Test
    void thePdpImageListensOnEveryInterface() throws Exception {
        String cmd = Files.readAllLines(DEPLOY.resolve("docker/pdp.Dockerfile")).stream()
                .filter(l -> l.startsWith("CMD ")).findFirst().orElseThrow().substring(4);
        List<String> args = new ArrayList<>();
        new ObjectMapper().readTree(cmd).forEach(a -> args.add(a.asText()));
        assertThat(args).startsWith("serve").contains("--addr");
        assertThat(ListenAddress.parse(args.get(args.indexOf("--addr") + 1)))
                .isEqualTo(new ListenAddress("0.0.0.0", 8181));
    }

    @Test
    void theComposePdpReadsTheExportedConfigWhichListensOnEveryInterface(@TempDir Path demo) throws Exception {
        JsonNode compose = new YAMLMapper().readTree(DEPLOY.resolve("compose/docker-compose.yml").toFile());
        List<String> args = new ArrayList<>();
        compose.at("/services/pdp/command").forEach(a -> args.add(a.asText()));
        assertThat(args).containsExactly("serve", "--config", "/demo/pdp.yaml");
        assertThat(compose.at("/services/setup/command").toString()).contains("--export-compose");
        Quickstart.exportForCompose(demo, Clock.systemUTC());
        assertThat(PdpConfig.load(demo.resolve("pdp.yaml")).address()).isEqualTo(new ListenAddress("0.0.0.0", 8181));
    }

    @Test
    void theGatewayConfigMapIsValidApartFromTheSecretFilesOnlyMountedInThePod() throws Exception {
        String yaml = configMapEntry("gateway.yaml", "certgate-gateway", "gateway.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> GatewayConfig.parse(yaml, "gateway.yaml", Path.of("/nonexistent")));
        assertThat(e).as("the TLS files are not here, so loading must fail on them").isNotNull();
        assertThat(e.errors()).isNotEmpty().allSatisfy(err -> assertThat(err)
                .contains("/etc/certgate/tls/").contains("not found"));
    }

    @Test
    void theGatewaysListEveryPdpPodByItsStableName(@TempDir Path dir) throws Exception {
        JsonNode pdp = new YAMLMapper().readTree(configMapEntry("gateway.yaml", "certgate-gateway", "gateway.yaml"))
                .path("pdp");
        JsonNode statefulSet = document("pdp.yaml", "StatefulSet", "certgate-pdp");
        String service = statefulSet.at("/spec/serviceName").asText();
        assertThat(document("pdp.yaml", "Service", service).at("/spec/clusterIP").asText()).isEqualTo("None");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < statefulSet.at("/spec/replicas").asInt(); i++) {
            expected.add("certgate-pdp-" + i + "." + service + ":8181");
        }
        List<String> addresses = new ArrayList<>();
        pdp.path("addresses").forEach(a -> addresses.add(a.asText()));
        assertThat(addresses).containsExactlyElementsOf(expected);
        // the whole pdp section, breaker and health-check settings included, is what the gateway reads
        Files.writeString(dir.resolve("f.pem"), "x");
        GatewayConfig.Pdp parsed = GatewayConfig.parse("pdp: " + pdp + "\nservices: [{name: a, sni: [a.test],"
                + " server_cert: f.pem, server_key: f.pem, mtls: {verify: none}, upstream: {url: \"http://u:1\"}}]",
                "gateway.yaml", dir).pdp();
        assertThat(parsed.addresses()).containsExactlyElementsOf(expected);
        assertThat(parsed.fleet().healthCheck().path()).isEqualTo("/health");
    }

    private static JsonNode document(String file, String kind, String name) throws Exception {
        return documents(file).stream().filter(d -> d.path("kind").asText().equals(kind)
                && d.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + file));
    }

    private static List<JsonNode> documents(String file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = new YAMLMapper().readerFor(JsonNode.class).readValues(Files.readString(K8S.resolve(file)))) {
            it.forEachRemaining(d -> docs.add((JsonNode) d));
        }
        return docs;
    }

    private static String configMapEntry(String file, String name, String key) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = new YAMLMapper().readerFor(JsonNode.class).readValues(Files.readString(K8S.resolve(file)))) {
            it.forEachRemaining(d -> docs.add((JsonNode) d));
        }
        return docs.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")
                        && d.at("/metadata/name").asText().equals(name))
                .map(d -> d.at("/data/" + key).asText()).findFirst().orElseThrow();
    }
}
