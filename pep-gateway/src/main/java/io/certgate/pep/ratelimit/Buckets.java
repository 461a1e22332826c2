package io.certgate.pep.ratelimit;

import java.util.concurrent.CompletableFuture;

/**
 * Token buckets by limit name and key. Implementations never block the caller: the answer comes as a
 * future, failed with {@link StoreUnavailableException} when the store cannot answer in time.
 */
public interface Buckets extends AutoCloseable {
    /** Takes one token from the bucket of {@code key} under limit {@code name}, creating it full. */
    CompletableFuture<Verdict> consume(String name, String key, Quota quota);

    /** Where the buckets live, for logs. */
    String describe();

    @Override
    default void close() {}

    /**
     * The bucket id: the quota is part of it, so a changed limit (a new bundle, an edited
     * {@code gateway.yaml}) starts a fresh bucket instead of reading one built for another rate.
     */
    static String id(String name, String key, Quota quota) {
        return name + ':' + quota.rate() + '/' + quota.period().toMillis() + "ms/" + quota.burst() + ':' + key;
    }
}
