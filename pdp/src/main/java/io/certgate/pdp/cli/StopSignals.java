package io.certgate.pdp.cli;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Waits for the signal that stops a server: SIGTERM (a container runtime, systemd, Kubernetes) or
 * SIGINT (Ctrl-C). Handling them here rather than in a shutdown hook lets the serve commands drain
 * and exit 0; a JVM stopped through its default handler exits 143, which orchestrators report as a
 * failure. A second signal during the drain stops the process at once.
 */
public final class StopSignals {
    private StopSignals() {
    }

    /** Blocks until SIGTERM or SIGINT arrives; returns its name ({@code TERM}, {@code INT}). */
    public static String await() throws InterruptedException {
        BlockingQueue<String> received = new ArrayBlockingQueue<>(2);
        Signal term = new Signal("TERM");
        Signal interrupt = new Signal("INT");
        SignalHandler handler = signal -> received.offer(signal.getName());
        Signal.handle(term, handler);
        Signal.handle(interrupt, handler);
        String name = received.take();
        Signal.handle(term, SignalHandler.SIG_DFL);
        Signal.handle(interrupt, SignalHandler.SIG_DFL);
        return name;
    }
}
