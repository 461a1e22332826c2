package io.certgate.pep.tls;

import io.certgate.pdp.reload.ReloadOutcome;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Reload outcomes as they happen, for tests to wait on. */
final class Reloads implements Consumer<ReloadOutcome> {
    private final LinkedBlockingQueue<ReloadOutcome> outcomes = new LinkedBlockingQueue<>();

    @Override
    public void accept(ReloadOutcome o) {
        outcomes.add(o);
    }

    /** The next outcome for {@code service}/{@code file}, skipping others (fails after 60 s). */
    ReloadOutcome next(String service, String file) throws InterruptedException {
        while (true) {
            ReloadOutcome o = outcomes.poll(60, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("no reload of " + service + " " + file + " within 60 s");
            }
            if (o.owner().equals(service) && o.file().equals(file)) {
                return o;
            }
        }
    }

    /**
     * The next successful reload of {@code service}/{@code file}: a rotation writes several files, and the watcher
     * may read them between two writes (rejected, then accepted once the last one is written).
     */
    ReloadOutcome nextOk(String service, String file) throws InterruptedException {
        while (true) {
            ReloadOutcome o = next(service, file);
            if (o.ok()) {
                return o;
            }
        }
    }
}
