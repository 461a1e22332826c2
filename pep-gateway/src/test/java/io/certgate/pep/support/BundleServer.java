package io.certgate.pep.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx serving bundle files with ETags ({@code src/test/resources/fleet/nginx-bundles.conf}), as a
 * fleet's bundle server does. {@link #publish} replaces a bundle atomically, so a poll never sees half a file.
 */
public final class BundleServer implements AutoCloseable {
    private final Path dir;
    private final Path www;
    private final int port;
    private final Process nginx;
    private Instant lastModified = Instant.EPOCH;

    private BundleServer(Path dir, int port, Process nginx) {
        this.dir = dir;
        this.www = dir.resolve("www");
        this.port = port;
        this.nginx = nginx;
    }

    /** Starts nginx on a free loopback port with its files under {@code dir}. */
    public static BundleServer start(Path dir) throws Exception {
        String bin = require("nginx", "/usr/sbin/nginx");
        Files.createDirectories(dir.resolve("www/bundles"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String conf;
        try (InputStream in = BundleServer.class.getResourceAsStream("/fleet/nginx-bundles.conf")) {
            conf = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${dir}", dir.toString())
                    .replace("${port}", Integer.toString(port));
        }
        Path confFile = Files.writeString(dir.resolve("nginx.conf"), conf);
        Process p = new ProcessBuilder(bin, "-p", dir.toString(), "-c", confFile.toString(), "-e",
                dir.resolve("error.log").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        BundleServer server = new BundleServer(dir, port, p);
        server.awaitListening();
        return server;
    }

    private static String require(String name, String usual) {
        if (Files.isExecutable(Path.of(usual))) {
            return usual;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        throw new AssertionError(name + " is not installed: this test serves bundles with a real " + name
                + "; install the Debian package (apt-get install -y " + name + "; .ci/run does it)");
    }

    private void awaitListening() {
        Await.until("nginx listening on " + port, () -> {
            if (!nginx.isAlive()) {
                throw new AssertionError("nginx exited with " + nginx.exitValue() + ": " + logs());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    private String logs() {
        StringBuilder sb = new StringBuilder();
        for (String log : new String[] {"stdout.log", "error.log"}) {
            try {
                sb.append('\n').append(log).append(":\n").append(Files.readString(dir.resolve(log)));
            } catch (IOException e) {
                sb.append('\n').append(log).append(": ").append(e.getMessage());
            }
        }
        return sb.toString();
    }

    /** The URL a PDP's {@code policy.bundle} names for bundle {@code name} (e.g. {@code fleet.tar.gz}). */
    public String url(String name) {
        return "http://127.0.0.1:" + port + "/bundles/" + name;
    }

    /**
     * Replaces bundle {@code name} with {@code bytes}. Each publication gets a later modification time than
     * the last: nginx's ETag is mtime and size, and two bundles of equal size within one second would
     * otherwise share an ETag and the PDPs would never fetch the second.
     */
    public synchronized void publish(String name, byte[] bytes) throws IOException {
        Path tmp = Files.write(www.resolve("bundles/." + name + ".tmp"), bytes);
        Instant now = Instant.now();
        lastModified = now.isAfter(lastModified.plusSeconds(1)) ? now : lastModified.plusSeconds(1);
        Files.setLastModifiedTime(tmp, FileTime.from(lastModified));
        Files.move(tmp, www.resolve("bundles/" + name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws InterruptedException {
        nginx.destroy();
        if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
            nginx.destroyForcibly();
        }
    }
}
