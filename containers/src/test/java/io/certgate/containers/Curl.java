package io.certgate.containers;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** curl against the gateway's mapped port, with the server name the demo certificate carries. */
final class Curl {
    record Answer(int status, String body) {
    }

    private final Path pki;
    private final String host;
    private final int port;

    /** {@code host}: where the port is mapped, by name or address. */
    Curl(Path pki, String host, int port) throws UnknownHostException {
        this.pki = pki;
        // curl --resolve takes an address, not a name
        InetAddress address = InetAddress.getByName(host);
        this.host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        this.port = port;
    }

    /** One request; {@code identity} names a demo client certificate ({@code partner}, {@code device}) or is null. */
    Answer get(@Nullable String identity, String path) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30",
                "--resolve", "localhost:" + port + ":" + host, "--cacert", pki.resolve("ca.pem").toString()));
        if (identity != null) {
            cmd.addAll(List.of("--cert", pki.resolve(identity + ".pem").toString(),
                    "--key", pki.resolve(identity + ".key").toString()));
        }
        cmd.addAll(List.of("-w", "\n%{http_code}", "https://localhost:" + port + path));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("curl did not finish: " + cmd);
        }
        int nl = out.lastIndexOf('\n');
        String code = out.substring(nl + 1).trim();
        if (p.exitValue() != 0 || !code.matches("[1-5][0-9][0-9]")) {
            throw new IOException("curl exited " + p.exitValue() + ": " + out);
        }
        return new Answer(Integer.parseInt(code), out.substring(0, nl));
    }

    /**
     * Repeats the request while the gateway answers 503 (a cold JVM, or a PDP still starting, can miss the
     * decision deadline), for at most {@code patience}; returns the first other answer, or the last 503.
     */
    Answer getOnceReady(@Nullable String identity, String path, Duration patience)
            throws IOException, InterruptedException {
        Instant end = Instant.now().plus(patience);
        Answer a = get(identity, path);
        while (a.status() == 503 && Instant.now().isBefore(end)) {
            Thread.sleep(200); // the gateway signals no event to wait on; a short pause between polls
            a = get(identity, path);
        }
        return a;
    }
}
