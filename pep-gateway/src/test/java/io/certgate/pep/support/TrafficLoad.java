package io.certgate.pep.support;

import com.linecorp.armeria.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests running through gateways in the background, one thread per client, each sending its next request
 * when the previous one answered; so at most {@link #inFlight()} requests are outstanding at any moment.
 * Counts answers by status; {@link #awaitMore(int)} waits until more have arrived.
 */
public final class TrafficLoad implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private int answered;

    private TrafficLoad(List<WebClient> clients, String path) {
        for (WebClient c : clients) {
            Thread t = new Thread(() -> {
                while (running.get()) {
                    int status;
                    String failure = null;
                    try {
                        E2e.Resp r = E2e.get(c, path);
                        status = r.status();
                        if (status != 200) {
                            failure = r.toString();
                        }
                    } catch (RuntimeException e) {
                        status = -1;
                        failure = e.toString();
                    }
                    record(status, failure);
                }
            }, "traffic-load");
            t.setDaemon(true);
            threads.add(t);
        }
    }

    /** Starts one thread per client, each sending GET {@code path} back to back. */
    public static TrafficLoad start(List<WebClient> clients, String path) {
        TrafficLoad load = new TrafficLoad(clients, path);
        load.threads.forEach(Thread::start);
        return load;
    }

    private synchronized void record(int status, String failure) {
        statuses.merge(status, 1, Integer::sum);
        if (failure != null && failures.size() < 20) {
            failures.add(failure);
        }
        answered++;
        notifyAll();
    }

    /** Waits until {@code n} more requests have been answered than when called. */
    public void awaitMore(int n) {
        int target;
        synchronized (this) {
            target = answered + n;
        }
        Await.until(n + " more answers through the gateways", () -> {
            synchronized (this) {
                return answered >= target;
            }
        });
    }

    /** The most requests that can be outstanding at once (one per client). */
    public int inFlight() {
        return threads.size();
    }

    /** Answers so far by status (-1: no HTTP answer). */
    public synchronized Map<Integer, Integer> statuses() {
        return new TreeMap<>(statuses);
    }

    /** Answers so far that were not 200. */
    public synchronized int notOk() {
        return answered - statuses.getOrDefault(200, 0);
    }

    /** Up to 20 answers that were not 200, for assertion messages. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops sending and waits for the outstanding requests. */
    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public synchronized String toString() {
        return answered + " answers " + statuses + (failures.isEmpty() ? "" : ", e.g. " + failures);
    }
}
