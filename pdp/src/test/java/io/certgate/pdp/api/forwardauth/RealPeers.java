package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Helpers for tests that run a real proxy (Debian packages) and drive it with curl. */
final class RealPeers {
    private RealPeers() {}

    /** What curl saw: status, raw response headers, body. */
    record Curl(int status, String headers, String body) {}

    /** The path of an installed program, or a failure that says how to install it. */
    static String require(String name, String usual, String debianPackage) {
        if (Files.isExecutable(Path.of(usual))) {
            return usual;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new AssertionError(name + " is not installed: this test drives a real " + name
                + "; install the Debian package (apt-get install -y " + debianPackage + "; .ci/run does it)");
    }

    /** A test resource with {@code ${name}} placeholders filled in. */
    static String template(String resource, Map<String, String> values) throws IOException {
        String t = resource(resource);
        for (Map.Entry<String, String> e : values.entrySet()) {
            t = t.replace("${" + e.getKey() + "}", e.getValue());
        }
        assertThat(t).as("unfilled placeholder in %s", resource).doesNotContainPattern("\\$\\{[a-z_]+\\}");
        return t;
    }

    static String resource(String resource) throws IOException {
        try (InputStream in = RealPeers.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code process} accepts connections on {@code port}; fails with its log if it exits. */
    static void awaitListening(Process process, int port, Path... logs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the proxy exited with " + process.exitValue() + ": " + read(logs));
            }
            try {
                new Socket("127.0.0.1", port).close();
                return;
            } catch (IOException notYet) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        throw new AssertionError("the proxy did not listen on " + port + ": " + read(logs));
    }

    /** curl to {@code https://localhost:port/path} (on 127.0.0.1) with client certificate {@code client} (a TestPki file name). */
    static Curl curl(Path tmp, Path pkiDir, int port, String path, String client, String... extra) throws Exception {
        Path out = Files.createTempFile(tmp, "body", ".txt");
        Path headers = Files.createTempFile(tmp, "headers", ".txt");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-o", out.toString(),
                "-D", headers.toString(), "-w", "%{http_code}", "--cacert", pkiDir.resolve("ca.pem").toString()));
        if (client != null) {
            cmd.addAll(List.of("--cert", pkiDir.resolve(client + "-chain.pem").toString(),
                    "--key", pkiDir.resolve(client + ".key").toString()));
        }
        cmd.addAll(List.of(extra));
        // the server certificate names localhost; --resolve keeps the connection on loopback
        cmd.addAll(List.of("--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + path));
        Process p = new ProcessBuilder(cmd).start();
        String code = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl failed: %s", err).isZero();
        return new Curl(Integer.parseInt(code), Files.readString(headers), Files.readString(out));
    }

    static void stop(Process p) throws InterruptedException {
        if (p != null) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static String read(Path... logs) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path log : logs) {
            if (Files.exists(log)) {
                sb.append('\n').append(log.getFileName()).append(":\n").append(Files.readString(log));
            }
        }
        return sb.toString();
    }
}
