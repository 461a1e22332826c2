package io.certgate.pdp.boundary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestCanonicalizerTest {
    private final RequestCanonicalizer strict = new RequestCanonicalizer(PathRules.strict());

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/|/",
            "/public/report|/public/report",
            "/a%41b|/aAb",
            "/a%7e%2D%5f|/a~-_",
            "/a//b///c|/a/b/c",
            "/caf%c3%a9|/caf%C3%A9",
            "/a%20b|/a%20b",
            "/a%3fb|/a%3Fb",
            "/.well-known/jwks.json|/.well-known/jwks.json",
            "/a..b/c|/a..b/c",
            "/a%25zz|/a%25zz",
            "/x:y@z!$&'()*+,=|/x:y@z!$&'()*+,=",
    })
    void canonicalPaths(String raw, String canonical) throws Exception {
        assertThat(strict.path(raw)).isEqualTo(canonical);
        assertThat(strict.path(canonical)).as("idempotent").isEqualTo(canonical);
    }

    /** Every spelling an attacker used to reach /admin from a rule about /public, or to dodge /admin/**. */
    @ParameterizedTest
    @ValueSource(strings = {"/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2E/admin", "/public/..%2fadmin",
            "/public/..;/admin", "/public/.%2e/admin", "/admin%00", "/admin%2Fx", "/admin%2fx", "/admin%3Bx",
            "/admin%2e/x", "/admin%5Cx", "/admin\\x", "/admin;x", "/admin/./x", "/admin/.", "/admin./x", "/a/..",
            "/%C0%AE%C0%AE/admin", "/%c0%2e", "/%ED%A0%80", "/a%zz", "/a%2", "/a%", "/a%252e%252e/admin",
            "/admin%20/x", "/a b", "/a\"b", "/a<b>", "/a\u0000b", "/a\rb", "/a\u00e9", "relative", "", "*",
            "http://evil.test/admin", "/a#frag", "/%C2%85"})
    void ambiguousPathsAreRefused(String raw) {
        assertThatThrownBy(() -> strict.canonicalize("GET", raw, "app.test", List.of()))
                .isInstanceOf(RejectedRequestException.class)
                .satisfies(e -> assertThat(((RejectedRequestException) e).code()).isEqualTo("BAD_PATH"));
    }

    @Test
    void servicesMayAllowEncodedSlashesBackslashesAndParameters() throws Exception {
        RequestCanonicalizer lenient = new RequestCanonicalizer(new PathRules(true, true, true, false));
        assertThat(lenient.path("/a%2fb")).isEqualTo("/a%2Fb");
        assertThat(lenient.path("/a\\b")).isEqualTo("/a%5Cb");
        assertThat(lenient.path("/a%5cb")).isEqualTo("/a%5Cb");
        assertThat(lenient.path("/a;v=1/b")).isEqualTo("/a;v=1/b");
        assertThat(lenient.path("/a%3bb")).isEqualTo("/a%3Bb");
        // Dot segments stay refused with path parameters: Tomcat reads "..;x" as "..".
        assertThatThrownBy(() -> lenient.path("/public/..;x/admin")).isInstanceOf(RejectedRequestException.class);
        assertThatThrownBy(() -> lenient.path("/public/%2e%2e%2fadmin"))
                .isInstanceOf(RejectedRequestException.class);
    }

    @Test
    void lowercaseServicesSeeOneCaseButKeepEscapesUpperCase() throws Exception {
        RequestCanonicalizer lower = new RequestCanonicalizer(new PathRules(false, false, false, true));
        assertThat(lower.path("/ADMIN/X%41%c3%a9")).isEqualTo("/admin/xa%C3%A9");
    }

    @Test
    void refusalsSayWhatAndHowToAllowIt() {
        assertThatThrownBy(() -> strict.path("/admin%2Fx")).hasMessageContaining("encoded slash (%2F)")
                .hasMessageContaining("path.allow_encoded_slash");
        assertThatThrownBy(() -> strict.path("/a/../b")).hasMessageContaining("'..' segment");
    }

    @Test
    void queryIsKeptButValidated() throws Exception {
        CanonicalRequest r = strict.canonicalize("GET", "/a%41?x=%2e&y=%41", "App.Test:8443", List.of());
        assertThat(r.path()).isEqualTo("/aA");
        assertThat(r.query()).isEqualTo("x=%2e&y=%41");
        assertThat(r.target()).isEqualTo("/aA?x=%2e&y=%41");
        assertThat(r.host()).isEqualTo("app.test");
        assertThat(r.authority()).isEqualTo("App.Test:8443");
        for (String bad : List.of("/a?x=%zz", "/a?x=a b", "/a?x=\u0000", "/a?x=%4")) {
            assertThatThrownBy(() -> strict.canonicalize("GET", bad, "app.test", List.of()))
                    .as(bad).isInstanceOf(RejectedRequestException.class);
        }
    }

    @Test
    void methodsAreUpperCaseTokens() throws Exception {
        assertThat(strict.canonicalize("PROPFIND", "/", null, List.of()).method()).isEqualTo("PROPFIND");
        for (String bad : List.of("get", "Get", "GET ", "G\rT", "", "1GET")) {
            assertThatThrownBy(() -> strict.canonicalize(bad, "/", null, List.of())).as(bad)
                    .isInstanceOf(RejectedRequestException.class)
                    .satisfies(e -> assertThat(((RejectedRequestException) e).code()).isEqualTo("BAD_METHOD"));
        }
    }

    @Test
    void exactlyOneAuthority() throws Exception {
        assertThat(RequestCanonicalizer.authority(null, List.of("a.test"))).isEqualTo("a.test");
        assertThat(RequestCanonicalizer.authority("a.test", List.of())).isEqualTo("a.test");
        assertThat(RequestCanonicalizer.authority("a.test", List.of("A.TEST"))).isEqualTo("a.test");
        assertThat(RequestCanonicalizer.authority(null, List.of())).isNull();
        assertThatThrownBy(() -> RequestCanonicalizer.authority(null, List.of("a.test", "b.test")))
                .isInstanceOf(RejectedRequestException.class).hasMessageContaining("2 Host headers");
        assertThatThrownBy(() -> RequestCanonicalizer.authority(null, List.of("a.test", "a.test")))
                .isInstanceOf(RejectedRequestException.class);
        assertThatThrownBy(() -> RequestCanonicalizer.authority("app.test", List.of("other.test")))
                .isInstanceOf(RejectedRequestException.class).hasMessageContaining("disagrees");
    }

    @ParameterizedTest
    @CsvSource({"app.test,app.test", "APP.Test:443,app.test", "app.test.,app.test", "app.test.:8443,app.test",
            "[::1]:8443,[::1]", "[FE80::1],[fe80::1]", "10.0.0.1:80,10.0.0.1", "svc_a.internal,svc_a.internal"})
    void hosts(String authority, String host) throws Exception {
        assertThat(RequestCanonicalizer.host(authority)).isEqualTo(host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user@app.test", "app.test:99999", "app.test:", "app.test:x", ".app.test", "app..test",
            "[::1", "[::1]x", "app test", "app.test/x", "app%2etest", ".", "", "[::1%25eth0]"})
    void badHosts(String authority) {
        assertThatThrownBy(() -> RequestCanonicalizer.host(authority)).isInstanceOf(RejectedRequestException.class)
                .satisfies(e -> assertThat(((RejectedRequestException) e).code()).isEqualTo("BAD_HOST"));
    }
}
