package io.certgate.pdp.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Your own policy over OPA REST": the policy it writes, served as {@code serve --policies DIR}
 * serves it, answers the curl it shows with the result it shows.
 */
class ReadmeOwnPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WRITE = Pattern.compile("mkdir -p (\\S+) && cat > \\1/(\\S+\\.rego) <<'EOF'\n(.*?)\nEOF\n",
            Pattern.DOTALL);
    private static final Pattern SERVE = Pattern.compile("java -jar pdp/target/pdp.jar serve --policies (\\S+)\n");
    private static final Pattern CURL = Pattern.compile("curl -s localhost:8181(/v1/data/\\S+) -d '([^']*)'\n# (\\{.*})\n");

    @Test
    void theTourPolicyAnswersAsShown(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        int section = readme.indexOf("### Your own policy over OPA REST");
        assertThat(section).as("README section 'Your own policy over OPA REST'").isPositive();
        int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
        String block = readme.substring(start, readme.indexOf("\n```\n", start) + 1);

        Matcher write = WRITE.matcher(block);
        Matcher serve = SERVE.matcher(block);
        Matcher curl = CURL.matcher(block);
        assertThat(List.of(write.find(), serve.find(), curl.find())).as(block).containsOnly(true);
        assertThat(serve.group(1)).as("the directory served is the one written").isEqualTo(write.group(1));

        Path dir = Files.createDirectories(tmp.resolve(write.group(1)));
        Files.writeString(dir.resolve(write.group(2)), write.group(3) + "\n");
        PdpConfig cfg = PdpConfig.parse("server: {port: 0}\n", "test").withOverrides(null, null, dir, null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Pdp pdp = Pdp.start(cfg, registry, Clock.systemUTC(), false)) {
            assertThat(pdp.bundles().status().revision()).as(pdp.bundles().status().lastError()).isNotNull();
            PdpServer server = new PdpServer(pdp, registry).start();
            try {
                AggregatedHttpResponse r = WebClient.builder("http://127.0.0.1:" + server.port())
                        .responseTimeout(Duration.ofSeconds(30)).build()
                        .execute(HttpRequest.of(HttpMethod.POST, curl.group(1), MediaType.JSON, curl.group(2)))
                        .aggregate().join();
                assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(200);
                JsonNode shown = JSON.readTree(curl.group(3).replace("\"…\"", "\"\""));
                JsonNode got = JSON.readTree(r.contentUtf8());
                assertThat(got.path("result")).as(r.contentUtf8()).isEqualTo(shown.path("result"));
                assertThat(got.path("decision_id").asText()).isNotEmpty();
                assertThat(got.size()).as("the members shown").isEqualTo(shown.size());
            } finally {
                server.close();
            }
        }
    }
}
