package io.certgate.pep.tls;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients calling a gateway in a loop while files are rotated, each with the statuses it may get right now;
 * anything else (another status, a connection failure) is a failure, recorded with what happened.
 */
final class Traffic implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, Set<Integer>> expected = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, AtomicLong>> statuses = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;

    /**
     * Starts calling {@code path} with {@code client} until closed; {@code newConnections} sends
     * {@code connection: close} (over HTTP/1.1) so that every request makes a new TLS handshake.
     */
    Traffic client(String name, WebClient client, String path, boolean newConnections, Set<Integer> statuses) {
        expected.put(name, statuses);
        counts.put(name, new AtomicLong());
        this.statuses.put(name, new ConcurrentHashMap<>());
        Thread t = new Thread(() -> {
            while (!stopped) {
                RequestHeaders h = newConnections
                        ? RequestHeaders.builder(HttpMethod.GET, path).add("connection", "close").build()
                        : RequestHeaders.of(HttpMethod.GET, path);
                Set<Integer> allowed = expected.get(name);
                try {
                    AggregatedHttpResponse r = client.execute(h).aggregate().join();
                    int status = r.status().code();
                    this.statuses.get(name).computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    if (!allowed.contains(status) && !expected.get(name).contains(status)) {
                        failures.add(name + ": " + status + " " + r.contentUtf8());
                    }
                } catch (RuntimeException e) {
                    if (!stopped) {
                        failures.add(name + ": " + e);
                    }
                }
                counts.get(name).incrementAndGet();
            }
        }, "traffic-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return this;
    }

    /** From now on, {@code name} may get these statuses. */
    void expect(String name, Set<Integer> statuses) {
        expected.put(name, statuses);
    }

    /** How often {@code name} got {@code status} so far. */
    long count(String name, int status) {
        AtomicLong n = statuses.get(name).get(status);
        return n == null ? 0 : n.get();
    }

    /** Waits until every client has made {@code n} more requests (each sees the state current now). */
    void await(int n) throws InterruptedException {
        Map<String, Long> start = new ConcurrentHashMap<>();
        counts.forEach((k, v) -> start.put(k, v.get()));
        for (Map.Entry<String, AtomicLong> e : counts.entrySet()) {
            // each request is its own event: wait on the counter, bounded by the test's own timeout
            while (e.getValue().get() < start.get(e.getKey()) + n) {
                if (failures.size() > 100) {
                    return;
                }
                CountDownLatch tick = new CountDownLatch(1);
                tick.await(5, TimeUnit.MILLISECONDS);
            }
        }
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
