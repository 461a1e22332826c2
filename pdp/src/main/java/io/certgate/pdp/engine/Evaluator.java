package io.certgate.pdp.engine;

import com.styra.opa.wasm.OpaPolicy;

/**
 * One wasm instance with the bundle's data loaded. Not thread-safe: the pool hands it to one thread
 * at a time. The watchdog fields are guarded by {@code this} so an interrupt can never land on a
 * thread that has already left the evaluation.
 *
 * <p>The deadline is CPU time: an evaluation is overdue once its thread has spent more than the timeout
 * running it, or once {@value #WALL_CLOCK_FACTOR}× the timeout has passed on the wall clock, whichever comes
 * first (the wall-clock cap also stands in where thread CPU time cannot be measured).
 */
final class Evaluator {
    static final int WALL_CLOCK_FACTOR = 10;

    private final OpaPolicy policy;
    private final ThreadCpu cpu;

    private Thread runner;
    private long startedNanos;
    private long startedCpuNanos;
    private long timeoutNanos;
    private boolean timedOut;
    private boolean broken;

    Evaluator(OpaPolicy policy, ThreadCpu cpu) {
        this.policy = policy;
        this.cpu = cpu;
    }

    /** Evaluates; returns opa's result set JSON, {@code [{"result": …}]} or {@code []}. */
    String evaluate(int entrypoint, String input, long timeoutNanos) {
        synchronized (this) {
            runner = Thread.currentThread();
            this.timeoutNanos = timeoutNanos;
            startedCpuNanos = cpu.current();
            startedNanos = System.nanoTime();
            timedOut = false;
        }
        try {
            return policy.entrypoint(entrypoint).evaluate(input);
        } finally {
            synchronized (this) {
                runner = null;
                if (timedOut) {
                    Thread.interrupted(); // the watchdog's interrupt must not leak to the caller's next task
                }
            }
        }
    }

    /** Called by the watchdog: interrupts the evaluation if it is past its deadline. */
    synchronized void interruptIfOverdue(long nowNanos) {
        if (runner == null) {
            return;
        }
        long wall = nowNanos - startedNanos;
        if (wall <= timeoutNanos) {
            return; // CPU time never exceeds wall-clock time: nothing to measure yet
        }
        boolean overdue;
        if (startedCpuNanos < 0 || wall > timeoutNanos * WALL_CLOCK_FACTOR) {
            overdue = true; // no CPU clock here (the wall clock is the deadline), or past the wall-clock cap
        } else {
            long used = cpu.of(runner);
            overdue = used < 0 || used - startedCpuNanos > timeoutNanos;
        }
        if (overdue) {
            timedOut = true;
            runner.interrupt();
        }
    }

    synchronized boolean timedOut() {
        return timedOut;
    }

    /** Marks the instance unusable (its wasm state may be corrupt after a trap or interrupt). */
    void markBroken() {
        broken = true;
    }

    boolean broken() {
        return broken;
    }
}
