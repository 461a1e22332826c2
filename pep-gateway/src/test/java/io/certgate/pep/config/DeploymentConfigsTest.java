package io.certgate.pep.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.PdpConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configurations shipped in the Kubernetes manifests parse with the products' own parsers. */
class DeploymentConfigsTest {
    private static final Path K8S = Path.of("../deploy/k8s");

    @Test
    void thePdpConfigMapIsAValidPdpConfigReadingBundlesFromTheBundleServer() throws Exception {
        PdpConfig cfg = PdpConfig.parse(configMapEntry("pdp.yaml", "certgate-pdp", "pdp.yaml"), "pdp.yaml");
        assertThat(cfg.bundle()).isEqualTo("http://certgate-bundles/bundles/reference.tar.gz");
        assertThat(cfg.port()).isEqualTo(8181);
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
