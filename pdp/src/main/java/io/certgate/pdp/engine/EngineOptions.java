package io.certgate.pdp.engine;

import java.time.Duration;

/**
 * Tuning of the evaluator pool.
 *
 * @param poolSize evaluators per active bundle (each is one wasm instance, used by one thread at a time)
 * @param acquireTimeout how long a caller waits for a free evaluator before failing with BUSY
 * @param evaluationTimeout deadline of one evaluation, in CPU time of its thread (with a wall-clock cap of ten
 *     times as long); past it the evaluation is interrupted
 * @param maxMemoryPages wasm memory limit of one evaluator, in 64 KiB pages
 */
public record EngineOptions(int poolSize, Duration acquireTimeout, Duration evaluationTimeout, int maxMemoryPages) {
    public EngineOptions {
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1, got " + poolSize);
        }
        if (acquireTimeout.isNegative() || evaluationTimeout.isNegative() || evaluationTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxMemoryPages < 2) {
            throw new IllegalArgumentException("maxMemoryPages must be at least 2, got " + maxMemoryPages);
        }
    }

    /** One evaluator per core, 50 ms to get one, 100 ms to evaluate, 64 MiB of wasm memory. */
    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), Duration.ofMillis(50),
                Duration.ofMillis(100), 1024);
    }
}
