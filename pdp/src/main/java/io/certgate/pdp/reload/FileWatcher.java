package io.certgate.pdp.reload;

import com.linecorp.armeria.common.annotation.Nullable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads groups of files when their content changes: {@link WatchService} events on the parent directories
 * make it prompt, and a content poll every {@code pollInterval} is the fallback (Kubernetes Secret volumes swap
 * a {@code ..data} symlink, where events are unreliable). Only events naming a watched file (or a Kubernetes
 * {@code ..}-prefixed entry) count: a log written into the same directory costs nothing beyond the event itself.
 * Content is compared by SHA-256, so a touch without a
 * change reloads nothing, and a rejected content is reported once, not at every poll. All file reading and
 * validation runs on this watcher's own daemon thread (or the caller of {@link #checkNow()}), never on an event
 * loop.
 *
 * <p>Metrics (prefix e.g. {@code gateway_tls_reload}): {@code <prefix>_total{service,file,result="ok|rejected"}},
 * {@code <prefix>_last_success_seconds{service,file}} (epoch seconds of the material in use) and
 * {@code <prefix>_failing{service,file}} (1 while the files on disk are rejected).
 */
public final class FileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);
    /** Writers often replace several files one after the other: wait for a quiet moment before reading. */
    private static final long SETTLE_MILLIS = 200;

    private final String prefix;
    private final MeterRegistry registry;
    private final Duration pollInterval;
    private final Clock clock;
    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final List<Consumer<ReloadOutcome>> listeners = new CopyOnWriteArrayList<>();
    /** The names that matter in each watched directory. */
    private final Map<Path, Set<String>> watchedNames = new ConcurrentHashMap<>();
    @Nullable
    private final WatchService events;
    private final Thread thread;
    private volatile boolean closed;

    private FileWatcher(Builder b) {
        this.prefix = b.prefix;
        this.registry = b.registry;
        this.pollInterval = b.pollInterval;
        this.clock = b.clock;
        this.events = b.events ? newWatchService() : null;
        this.thread = new Thread(this::loop, b.threadName);
        thread.setDaemon(true);
    }

    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    @Nullable
    private static WatchService newWatchService() {
        try {
            return FileSystems.getDefault().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("file change events are unavailable ({}); relying on the poll", e.toString());
            return null;
        }
    }

    /**
     * Watches the files of {@code loaded}, taken before their owner loaded them; when any of them changes (a change
     * landing while they were being loaded included), {@code reload} runs. Call {@link #start()} once every group
     * is registered.
     */
    public FileWatcher watch(String owner, String file, Snapshot loaded, Reload reload) {
        Entry e = new Entry(owner, file, loaded.files(), reload);
        e.fingerprint = loaded.sha256();
        e.lastSuccess = clock.millis() / 1000.0;
        Gauge.builder(prefix + "_last_success_seconds", e, x -> x.lastSuccess)
                .description("when the material in use was loaded (epoch seconds)")
                .tags("service", owner, "file", file).register(registry);
        Gauge.builder(prefix + "_failing", e, x -> x.failing ? 1 : 0)
                .description("1 while the files on disk are rejected and older material keeps serving")
                .tags("service", owner, "file", file).register(registry);
        e.ok = counter(owner, file, "ok");
        e.rejected = counter(owner, file, "rejected");
        entries.add(e);
        for (Path f : e.files) {
            Path absolute = f.toAbsolutePath();
            Path dir = absolute.getParent();
            if (dir == null || absolute.getFileName() == null) {
                continue;
            }
            Set<String> names = watchedNames.computeIfAbsent(dir, d -> ConcurrentHashMap.newKeySet());
            boolean newDirectory = names.isEmpty();
            names.add(absolute.getFileName().toString());
            if (events != null && newDirectory) {
                try {
                    dir.register(events, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                } catch (IOException e2) {
                    log.warn("cannot watch {} for changes ({}); relying on the poll every {} ms", dir, e2.toString(),
                            pollInterval.toMillis());
                }
            }
        }
        return this;
    }

    private Counter counter(String owner, String file, String result) {
        return Counter.builder(prefix + "_total").description("reloads of changed files")
                .tags("service", owner, "file", file, "result", result).register(registry);
    }

    /** Called after each reload attempt, on the thread that ran it. */
    public FileWatcher addListener(Consumer<ReloadOutcome> listener) {
        listeners.add(listener);
        return this;
    }

    public FileWatcher start() {
        thread.start();
        return this;
    }

    /** Checks every group now (e.g. on SIGHUP); runs the reloads on the calling thread. */
    public synchronized void checkNow() {
        for (Entry e : entries) {
            check(e);
        }
    }

    /**
     * Stops watching {@code owner}'s groups (a service removed by a configuration reload); their gauges stay at
     * their last values until the registry forgets them.
     */
    public synchronized void forget(String owner) {
        entries.removeIf(e -> e.owner.equals(owner));
    }

    private void loop() {
        long pollNanos = pollInterval.toNanos();
        long nextPoll = System.nanoTime() + pollNanos;
        while (!closed) {
            try {
                long wait = nextPoll - System.nanoTime();
                boolean changed = false;
                if (events == null) {
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, wait));
                } else if (wait > 0) {
                    WatchKey key = events.poll(wait, TimeUnit.NANOSECONDS);
                    changed = key != null && relevant(key);
                    if (changed) {
                        settle(events);
                    }
                }
                if (changed || nextPoll - System.nanoTime() <= 0) {
                    checkNow();
                    nextPoll = System.nanoTime() + pollNanos;
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                log.error("file watcher: unexpected error; watching goes on", e);
            }
        }
    }

    /** Waits until no relevant event has come for {@link #SETTLE_MILLIS}; other events are drained meanwhile. */
    private void settle(WatchService events) throws InterruptedException {
        long settleNanos = TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
        long quietUntil = System.nanoTime() + settleNanos;
        for (long left = settleNanos; left > 0; left = quietUntil - System.nanoTime()) {
            WatchKey key = events.poll(left, TimeUnit.NANOSECONDS);
            if (key != null && relevant(key)) {
                quietUntil = System.nanoTime() + settleNanos;
            }
        }
    }

    /**
     * Consumes the key's events: whether any names a watched file, a Kubernetes atomic-writer entry
     * ({@code ..data}, {@code ..2026_…}) or is an overflow (events were lost, so anything may have changed).
     */
    private boolean relevant(WatchKey key) {
        Set<String> names = key.watchable() instanceof Path dir ? watchedNames.get(dir) : null;
        boolean relevant = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW || names == null
                    || !(event.context() instanceof Path name)) {
                relevant = true;
            } else {
                String n = name.toString();
                relevant |= n.startsWith("..") || names.contains(n);
            }
        }
        key.reset();
        return relevant;
    }

    private void check(Entry e) {
        String now = Snapshot.of(e.files).sha256();
        if (now.equals(e.fingerprint)) {
            return;
        }
        e.fingerprint = now;
        ReloadOutcome outcome;
        try {
            e.reload.run();
            e.ok.increment();
            e.lastSuccess = clock.millis() / 1000.0;
            e.failing = false;
            log.info("{} {}: reloaded {}", e.owner, e.file, e.files);
            outcome = new ReloadOutcome(e.owner, e.file, true, null);
        } catch (ReloadRejectedException | RuntimeException ex) {
            e.rejected.increment();
            e.failing = true;
            String reason = ex instanceof ReloadRejectedException ? ex.getMessage() : ex.toString();
            // once per content: the same files are not read again until they change
            log.warn("{} {}: new content rejected, the previous material keeps serving: {}", e.owner, e.file, reason);
            outcome = new ReloadOutcome(e.owner, e.file, false, reason);
        }
        for (Consumer<ReloadOutcome> l : listeners) {
            l.accept(outcome);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (events != null) {
            try {
                events.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static final class Entry {
        final String owner;
        final String file;
        final List<Path> files;
        final Reload reload;
        String fingerprint = "";
        volatile double lastSuccess;
        volatile boolean failing;
        Counter ok;
        Counter rejected;

        Entry(String owner, String file, List<Path> files, Reload reload) {
            this.owner = owner;
            this.file = file;
            this.files = files;
            this.reload = reload;
        }
    }

    /**
     * What a group of files held at one moment: take it before reading the files to load them, so that a change
     * landing in between is seen as a change and loaded again.
     *
     * @param files the files, in order
     * @param sha256 over every file's content (symlinks followed), with a marker for one that cannot be read
     */
    public record Snapshot(List<Path> files, String sha256) {
        public Snapshot {
            files = List.copyOf(files);
        }

        public static Snapshot of(List<Path> files) {
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            for (Path f : files) {
                try {
                    md.update(Files.readAllBytes(f));
                } catch (NoSuchFileException e) {
                    md.update((byte) 1);
                } catch (IOException e) {
                    md.update((byte) 2);
                }
                md.update((byte) 0);
            }
            return new Snapshot(files, HexFormat.of().formatHex(md.digest()));
        }
    }

    /** Configures a {@link FileWatcher}. */
    public static final class Builder {
        private final MeterRegistry registry;
        private String prefix = "tls_reload";
        private Duration pollInterval = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();
        private boolean events = true;
        private String threadName = "file-watcher";

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Metric name prefix, e.g. {@code gateway_tls_reload}. */
        public Builder metricPrefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        public Builder pollInterval(Duration pollInterval) {
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
            }
            this.pollInterval = pollInterval;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Whether to listen for file change events too (default true); the poll runs either way. */
        public Builder events(boolean events) {
            this.events = events;
            return this;
        }

        public Builder threadName(String threadName) {
            this.threadName = threadName;
            return this;
        }

        public FileWatcher build() {
            return new FileWatcher(this);
        }
    }
}
