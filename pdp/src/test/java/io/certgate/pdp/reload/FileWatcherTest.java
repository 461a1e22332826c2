package io.certgate.pdp.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWatcherTest {
    @TempDir
    Path tmp;

    private static String read(Path file) throws ReloadRejectedException {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new ReloadRejectedException(file + ": " + e.getMessage(), e);
        }
    }

    /** The poll alone (no change events) follows a Kubernetes Secret volume's {@code ..data} symlink swap. */
    @Test
    void pollFollowsDataSymlinkSwap() throws Exception {
        Files.writeString(Files.createDirectories(tmp.resolve("..2026_01")).resolve("tls.crt"), "one");
        Files.createSymbolicLink(tmp.resolve("..data"), Path.of("..2026_01"));
        Path file = Files.createSymbolicLink(tmp.resolve("tls.crt"), Path.of("..data/tls.crt"));
        AtomicReference<String> loaded = new AtomicReference<>(Files.readString(file));
        LinkedBlockingQueue<ReloadOutcome> outcomes = new LinkedBlockingQueue<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FileWatcher w = FileWatcher.builder(registry).events(false).pollInterval(Duration.ofMillis(50))
                .metricPrefix("test_reload").build()) {
            w.watch("svc", "server_cert", FileWatcher.Snapshot.of(List.of(file)), () -> loaded.set(read(file)))
                    .addListener(outcomes::add).start();
            Files.writeString(Files.createDirectories(tmp.resolve("..2026_02")).resolve("tls.crt"), "two");
            Files.createSymbolicLink(tmp.resolve("..data_tmp"), Path.of("..2026_02"));
            Files.move(tmp.resolve("..data_tmp"), tmp.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            ReloadOutcome o = outcomes.poll(30, TimeUnit.SECONDS);
            assertThat(o).isEqualTo(new ReloadOutcome("svc", "server_cert", true, null));
            assertThat(loaded.get()).isEqualTo("two");
            assertThat(registry.get("test_reload_total").tag("result", "ok").counter().count()).isEqualTo(1);
        }
    }

    /**
     * A log written continuously into the watched directory neither delays nor hides a change to a watched file:
     * only events naming a watched file wait for the quiet moment (the poll is an hour away here).
     */
    @Test
    void busyNeighbourFileDoesNotHideAChange() throws Exception {
        Path file = Files.writeString(tmp.resolve("tls.crt"), "one");
        Path neighbour = tmp.resolve("access.log");
        AtomicReference<String> loaded = new AtomicReference<>("one");
        LinkedBlockingQueue<ReloadOutcome> outcomes = new LinkedBlockingQueue<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                    Files.writeString(neighbour, "line " + i + "\n", java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                    Thread.sleep(20); // a chatty neighbour: an event every 20 ms, well inside the 200 ms settle time
                }
            } catch (java.io.IOException | InterruptedException e) {
                // stopped
            }
        });
        try (FileWatcher w = FileWatcher.builder(new SimpleMeterRegistry()).pollInterval(Duration.ofHours(1))
                .metricPrefix("test_reload").build()) {
            w.watch("svc", "server_cert", FileWatcher.Snapshot.of(List.of(file)), () -> loaded.set(read(file)))
                    .addListener(outcomes::add).start();
            writer.start();
            Files.writeString(file, "two");

            assertThat(outcomes.poll(30, TimeUnit.SECONDS)).isEqualTo(new ReloadOutcome("svc", "server_cert", true, null));
            assertThat(loaded.get()).isEqualTo("two");
        } finally {
            writer.interrupt();
            writer.join();
        }
    }

    /** A rejected content is reported once; the same bytes written again (a touch) are not read again. */
    @Test
    void rejectedContentReportedOnce() throws Exception {
        Path file = Files.writeString(tmp.resolve("ca.pem"), "good");
        LinkedBlockingQueue<ReloadOutcome> outcomes = new LinkedBlockingQueue<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FileWatcher w = FileWatcher.builder(registry).metricPrefix("test_reload").build()) {
            w.watch("svc", "mtls.ca_file", FileWatcher.Snapshot.of(List.of(file)), () -> {
                if (!read(file).equals("good")) {
                    throw new ReloadRejectedException("mtls.ca_file: " + file + ": not good");
                }
            }).addListener(outcomes::add);
            Files.writeString(file, "bad");
            w.checkNow();
            Files.writeString(file, "bad");
            w.checkNow();
            w.checkNow();
            assertThat(outcomes).containsExactly(new ReloadOutcome("svc", "mtls.ca_file", false,
                    "mtls.ca_file: " + file + ": not good"));
            assertThat(registry.get("test_reload_failing").gauge().value()).isEqualTo(1);
            Files.writeString(file, "good");
            w.checkNow();
            assertThat(outcomes).hasSize(2).last().isEqualTo(new ReloadOutcome("svc", "mtls.ca_file", true, null));
            assertThat(registry.get("test_reload_failing").gauge().value()).isZero();
            assertThat(registry.get("test_reload_total").tag("result", "rejected").counter().count()).isEqualTo(1);
        }
    }

    /**
     * A change landing between the snapshot and the registration (while the owner loads the files) is a change:
     * the next check reloads, where a fingerprint taken at registration would wait for another change.
     */
    @Test
    void changeDuringTheInitialLoadIsReloaded() throws Exception {
        Path file = Files.writeString(tmp.resolve("tls.crt"), "one");
        FileWatcher.Snapshot before = FileWatcher.Snapshot.of(List.of(file));
        AtomicReference<String> loaded = new AtomicReference<>(read(file));
        Files.writeString(file, "two");
        LinkedBlockingQueue<ReloadOutcome> outcomes = new LinkedBlockingQueue<>();
        try (FileWatcher w = FileWatcher.builder(new SimpleMeterRegistry()).events(false).build()) {
            w.watch("svc", "server_cert", before, () -> loaded.set(read(file))).addListener(outcomes::add);
            w.checkNow();
            assertThat(outcomes).containsExactly(new ReloadOutcome("svc", "server_cert", true, null));
            assertThat(loaded.get()).isEqualTo("two");
            w.checkNow();
            assertThat(outcomes).hasSize(1);
        }
    }
}
