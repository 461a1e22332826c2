package io.certgate.pdp.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Enforces evaluation deadlines with one timer thread for all evaluators, so the hot path pays only
 * two uncontended monitor entries and a read of its thread's CPU clock. The wasm runtime checks the thread's
 * interrupt flag in loops and calls, so a runaway policy stops within a tick of its deadline.
 */
final class Watchdog implements AutoCloseable {
    private final Set<Evaluator> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final ThreadCpu cpu;

    Watchdog(long tickMillis, ThreadCpu cpu) {
        this.cpu = cpu;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pdp-eval-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** The clock the deadlines count (the evaluators read it when an evaluation starts). */
    ThreadCpu cpu() {
        return cpu;
    }

    void watch(Evaluator e) {
        watched.add(e);
    }

    void unwatch(Evaluator e) {
        watched.remove(e);
    }

    private void tick() {
        long now = System.nanoTime();
        for (Evaluator e : watched) {
            e.interruptIfOverdue(now);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
