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
    private final BlockingQueue<String> received = new ArrayBlockingQueue<>(2);
    private final Signal term = new Signal("TERM");
    private final Signal interrupt = new Signal("INT");

    private StopSignals() {
    }

    /**
     * Handles SIGTERM and SIGINT from now on. Call it before the server announces that it listens: a
     * signal sent on that announcement would otherwise meet the default handler.
     */
    public static StopSignals install() {
        StopSignals s = new StopSignals();
        SignalHandler handler = signal -> s.received.offer(signal.getName());
        Signal.handle(s.term, handler);
        Signal.handle(s.interrupt, handler);
        return s;
    }

    /** Blocks until SIGTERM or SIGINT arrives; returns its name ({@code TERM}, {@code INT}). */
    public String await() throws InterruptedException {
        String name = received.take();
        Signal.handle(term, SignalHandler.SIG_DFL);
        Signal.handle(interrupt, SignalHandler.SIG_DFL);
        return name;
    }
}
