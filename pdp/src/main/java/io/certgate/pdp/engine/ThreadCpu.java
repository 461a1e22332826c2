package io.certgate.pdp.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time used by threads, in nanoseconds, or -1 where the platform cannot tell. Evaluation deadlines count
 * this, not wall-clock time: an evaluation that waits for a core, or for a garbage-collection pause, has not
 * overrun, and interrupting it (which costs its wasm instance) would turn a busy moment into an outage.
 */
interface ThreadCpu {
    long current();

    long of(Thread thread);

    /** The JVM's per-thread CPU clocks (on Linux, clock_gettime of the thread's CPU clock). */
    static ThreadCpu jvm() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported() || !threads.isCurrentThreadCpuTimeSupported()) {
            return new ThreadCpu() {
                @Override
                public long current() {
                    return -1;
                }

                @Override
                public long of(Thread thread) {
                    return -1;
                }
            };
        }
        return new ThreadCpu() {
            @Override
            public long current() {
                return threads.getCurrentThreadCpuTime();
            }

            @Override
            public long of(Thread thread) {
                return threads.getThreadCpuTime(thread.getId());
            }
        };
    }
}
