package io.certgate.pep.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that an event will make true (a breaker opening, a bundle activating), checking it
 * often; the limit only bounds a test that would otherwise hang, it is never what the test measures.
 */
public final class Await {
    /** Generous: the condition is normally met in milliseconds, but the machine may be loaded. */
    public static final Duration LIMIT = Duration.ofSeconds(60);

    private Await() {}

    public static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still waiting after " + LIMIT.toSeconds() + " s for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what, e);
            }
        }
    }

    /** Repeats {@code action} until {@code condition} holds (e.g. requests until a breaker closes). */
    public static void repeatUntil(String what, Runnable action, BooleanSupplier condition) {
        until(what, () -> {
            if (condition.getAsBoolean()) {
                return true;
            }
            action.run();
            return condition.getAsBoolean();
        });
    }
}
