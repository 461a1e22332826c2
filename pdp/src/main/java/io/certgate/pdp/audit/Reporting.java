package io.certgate.pdp.audit;

import io.certgate.pdp.config.ConfigNode;

/**
 * {@code decision_logs.reporting} (OPA's names).
 *
 * @param minDelaySeconds shortest wait between periodic uploads
 * @param maxDelaySeconds longest wait between periodic uploads; also the cap of the retry backoff
 * @param uploadSizeLimitBytes largest batch (uncompressed JSON array); a full batch is sent at once
 * @param bufferSizeLimitBytes events waiting for upload; above it the oldest are dropped
 * @param bufferSizeLimitEvents decisions waiting to be written; above it the oldest are dropped
 */
public record Reporting(int minDelaySeconds, int maxDelaySeconds, long uploadSizeLimitBytes,
        long bufferSizeLimitBytes, int bufferSizeLimitEvents) {

    public static Reporting defaults() {
        return new Reporting(300, 600, 32_768, 64L * 1024 * 1024, 10_000);
    }

    static Reporting parse(ConfigNode r) {
        Reporting d = defaults();
        int min = r.integer("min_delay_seconds", d.minDelaySeconds(), 1, 86_400);
        int max = r.integer("max_delay_seconds", Math.max(min, d.maxDelaySeconds()), 1, 86_400);
        if (max < min) {
            r.error("max_delay_seconds", "must be at least min_delay_seconds (" + min + "), got " + max);
            max = min;
        }
        int upload = r.integer("upload_size_limit_bytes", (int) d.uploadSizeLimitBytes(), 1024, 64 * 1024 * 1024);
        int buffer = r.integer("buffer_size_limit_bytes", (int) Math.min(Integer.MAX_VALUE, d.bufferSizeLimitBytes()),
                1024, Integer.MAX_VALUE);
        if (buffer < upload) {
            r.error("buffer_size_limit_bytes", "must be at least upload_size_limit_bytes (" + upload + "), got "
                    + buffer);
            buffer = upload;
        }
        int events = r.integer("buffer_size_limit_events", d.bufferSizeLimitEvents(), 1, 10_000_000);
        r.rejectUnknownKeys();
        return new Reporting(min, max, upload, buffer, events);
    }
}
