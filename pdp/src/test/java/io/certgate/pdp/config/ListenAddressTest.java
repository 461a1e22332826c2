package io.certgate.pdp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressTest {
    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:8181, 127.0.0.1, 8181, 127.0.0.1:8181",
        "0.0.0.0:0,      0.0.0.0,   0,    0.0.0.0:0",
        ":8181,          0.0.0.0,   8181, 0.0.0.0:8181",
        "localhost:80,   localhost, 80,   localhost:80",
        "[::]:8181,      ::,        8181, [::]:8181",
        "[::1]:9,        ::1,       9,    [::1]:9",
    })
    void opaAddrSyntax(String addr, String host, int port, String printed) {
        ListenAddress a = ListenAddress.parse(addr);
        assertThat(a.host()).isEqualTo(host);
        assertThat(a.port()).isEqualTo(port);
        assertThat(a).hasToString(printed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "8181              | '8181' is not host:port (e.g. 0.0.0.0:8181)",
        "host:             | 'host:' has no port number after the last ':'",
        "host:http         | 'host:http' has no port number after the last ':'",
        "::1:8181          | '::1:8181': write an IPv6 address in brackets, e.g. [::1]:8181",
        "[10.0.0.1]:8181   | '[10.0.0.1]:8181': brackets are for IPv6 addresses",
        "[::g]:8181        | '::g' is not an IP address or host name",
        "a_b.example:8181  | 'a_b.example' is not an IP address or host name",
        "-x:8181           | '-x' is not an IP address or host name",
        "127.0.0.1:65536   | port 65536 is not in [0, 65535]",
    })
    void badAddressesSayWhatIsWrong(String addr, String message) {
        assertThatThrownBy(() -> ListenAddress.parse(addr)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1", "localhost", "pdp", "pdp.certgate.svc"})
    void hosts(String host) {
        assertThat(ListenAddress.isHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "[::1]", "a b", "host:80", "http://x", "x/y", "pdp.", ".pdp", "::g", "8181",
        "10.0.0", "10.0.0.256", "1.2.3.4.5"})
    void notHosts(String host) {
        assertThat(ListenAddress.isHost(host)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1, 8181, 127.0.0.1:8181", "::1, 9, [::1]:9", "::, 8181, [::]:8181", "0.0.0.0, 1, 0.0.0.0:1"})
    void theBoundAddressIsPrintedAsAUrlAuthority(String ip, int port, String authority) throws Exception {
        assertThat(ListenAddress.authority(new InetSocketAddress(InetAddress.getByName(ip), port)))
                .isEqualTo(authority);
    }
}
