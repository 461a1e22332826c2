package io.certgate.pdp.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link HeaderPolicy} with header names and obligation maps. Properties: a name that is reserved in
 * any spelling never passes from a client and is always among the names to remove; an obligation that
 * passes is neither a trust header nor has an underscore; and nothing throws.
 */
class HeaderPolicyFuzzTest {
    private static final List<HeaderPolicy> POLICIES = List.of(HeaderPolicy.defaults(),
            HeaderPolicy.of(true, List.of("x-tenant-id", "x-user-*")));

    @FuzzTest
    void names(FuzzedDataProvider data) {
        String name = data.consumeString(64);
        String value = data.consumeRemainingAsString();
        for (HeaderPolicy policy : POLICIES) {
            boolean passes = policy.fromClient(name);
            String canonical = HeaderPolicy.canonicalName(name);
            if (HeaderPolicy.isTrustHeader(canonical) || policy.isReserved(name)) {
                assertThat(passes).as("'%s' is reserved", name).isFalse();
                if (!name.isEmpty() && name.charAt(0) != ':' && !name.equalsIgnoreCase("host")) {
                    assertThat(policy.toRemove(List.of(name))).containsExactly(name);
                }
            }
            Map<String, String> kept = policy.obligations(Map.of(name, value), refused -> { });
            kept.keySet().forEach(n -> {
                assertThat(HeaderPolicy.isTrustHeader(HeaderPolicy.canonicalName(n))).isFalse();
                assertThat(n).doesNotContain("_");
                assertThat(policy.fromClient(n)).as("an obligation name is never a client's").isFalse();
            });
        }
    }
}
