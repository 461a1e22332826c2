package io.certgate.pdp.engine;

import com.styra.opa.wasm.OpaPolicy;

/**
 * One wasm instance with the bundle's data loaded. Not thread-safe: the pool hands it to one thread
 * at a time. The watchdog fields are guarded by {@code this} so an interrupt can never land on a
 * thread that has already left the evaluation.
 */
final class Evaluator {
    private final OpaPolicy policy;

    private Thread runner;
    private long deadlineNanos;
    private boolean timedOut;
    private boolean broken;

    Evaluator(OpaPolicy policy) {
        this.policy = policy;
    }

    /** Evaluates; returns opa's result set JSON, {@code [{"result": …}]} or {@code []}. */
    String evaluate(int entrypoint, String input, long timeoutNanos) {
        synchronized (this) {
            runner = Thread.currentThread();
            deadlineNanos = System.nanoTime() + timeoutNanos;
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
        if (runner != null && nowNanos - deadlineNanos > 0) {
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
