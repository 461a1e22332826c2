package io.certgate.pdp.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pdp.config.InteropConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyTrustTest {
    static InteropConfig config(List<String> proxies, Path ca) {
        return new InteropConfig(proxies, List.of("user-agent"), "fallback",
                Map.of("api.example.com", "partner-api", "[::1]", "v6"), ca, "authzen/decision",
                io.certgate.pdp.boundary.HeaderPolicy.defaults());
    }

    @Test
    void trustsOnlyConfiguredBlocks() throws Exception {
        ProxyTrust t = new ProxyTrust(config(List.of("10.0.0.0/8", "::1/128"), null), Clock.systemUTC());
        assertThat(t.trusts(InetAddress.getByName("10.2.3.4"))).isTrue();
        assertThat(t.trusts(InetAddress.getByName("::1"))).isTrue();
        assertThat(t.trusts(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(new ProxyTrust(config(List.of(), null), Clock.systemUTC())
                .trusts(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @Test
    void serviceFromNameThenHostWithoutPortThenDefault() {
        ProxyTrust t = new ProxyTrust(config(List.of(), null), Clock.systemUTC());
        assertThat(t.serviceFor("named", "api.example.com")).isEqualTo("named");
        assertThat(t.serviceFor(null, "API.example.com:8443")).isEqualTo("partner-api");
        assertThat(t.serviceFor(null, "[::1]:8443")).isEqualTo("v6");
        assertThat(t.serviceFor("", "other.example.com")).isEqualTo("fallback");
        assertThat(t.serviceFor(null, null)).isEqualTo("fallback");
    }

    @Test
    void unreadableVerifyCaFileNamesTheSetting() {
        assertThatThrownBy(() -> new ProxyTrust(config(List.of(), Path.of("/nonexistent/ca.pem")), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interop.verify_ca_file")
                .hasMessageContaining("/nonexistent/ca.pem");
    }
}
