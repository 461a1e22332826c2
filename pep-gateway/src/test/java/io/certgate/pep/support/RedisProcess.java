package io.certgate.pep.support;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's {@code redis-server}, started on a free loopback port (no persistence); {@link #stop()} and
 * {@link #start()} again on the same port simulate an outage. Commands go over a plain socket (RESP).
 * Optionally with a password ({@link #requirePass}) or TLS only ({@link #tls}: the port speaks TLS, there is
 * no plain port).
 */
public final class RedisProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final List<String> options = new ArrayList<>();
    @Nullable
    private String password;
    private boolean tls;
    private Process process;

    public RedisProcess(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
    }

    public static String binary() {
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("redis-server is not installed (apt-get install redis-server; .ci/run does)");
    }

    /** Clients must authenticate with {@code password} ({@code requirepass}); call before {@link #start()}. */
    public RedisProcess requirePass(String password) {
        this.password = password;
        options.addAll(List.of("--requirepass", password));
        return this;
    }

    /**
     * The port speaks TLS with {@code cert}/{@code key} and no plain port is opened; clients need not present
     * a certificate. Call before {@link #start()}.
     */
    public RedisProcess tls(Path cert, Path key, Path ca) {
        this.tls = true;
        options.addAll(List.of("--tls-port", Integer.toString(port), "--tls-cert-file", cert.toString(),
                "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(), "--tls-auth-clients", "no"));
        return this;
    }

    public String url() {
        return (tls ? "rediss" : "redis") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Starts the server and waits until it answers PING. */
    public RedisProcess start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(binary(), "--port", tls ? "0" : Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--enable-debug-command", "local"));
        cmd.addAll(options);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (tls ? accepts() : command("PING").contains("PONG")) {
                    return this;
                }
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not start: "
                            + Files.readString(dir.resolve("redis.log")), notYet);
                }
            }
            Thread.sleep(20); // between connection attempts while it starts
        }
    }

    private boolean accepts() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        }
    }

    /** Kills the server (clients see connection resets) and waits for it to exit. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
            process = null;
        }
    }

    /**
     * Sends one command and returns the raw reply (plain servers only); with a password, the command is preceded
     * by {@code AUTH}, whose {@code +OK} starts the reply.
     */
    public String command(String... args) throws IOException {
        if (tls) {
            throw new IllegalStateException("command() speaks plain RESP; this server is TLS only");
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(30_000);
            StringBuilder req = new StringBuilder();
            if (password != null) {
                append(req, "AUTH", password);
            }
            append(req, args);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder reply = new StringBuilder();
            byte[] buf = new byte[4096];
            // AUTH's "+OK" may arrive alone: read on until the command's reply follows it
            int n;
            while ((n = in.read(buf)) > 0) {
                reply.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                if (password == null || reply.indexOf("\r\n") < reply.length() - 2) {
                    break;
                }
            }
            return reply.toString();
        }
    }

    private static void append(StringBuilder req, String... args) {
        req.append('*').append(args.length).append("\r\n");
        for (String a : args) {
            req.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
