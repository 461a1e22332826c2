package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * What {@code /v1/status} shows about bundles.
 *
 * @param source where bundles are loaded from
 * @param revision the active revision, null before the first activation
 * @param activatedAt when it was activated
 * @param entrypoints entrypoints of the active bundle
 * @param lastError the last rejection or load failure, null if none since start
 * @param lastErrorAt when it happened
 * @param lastErrorReason its class, as the {@code reason} label of {@code pdp_bundle_rejections_total}
 * @param activations bundles activated since start
 * @param rejections bundles or loads rejected since start
 * @param lastRequestAt when the source was last polled, null before the first poll
 * @param lastDownloadAt when the source last delivered a new bundle (activated or not)
 */
public record BundleStatus(String source, @Nullable String revision, @Nullable Instant activatedAt,
        List<String> entrypoints, @Nullable String lastError, @Nullable Instant lastErrorAt,
        @Nullable RejectionReason lastErrorReason, long activations, long rejections, @Nullable Instant lastRequestAt,
        @Nullable Instant lastDownloadAt) {}
