package io.certgate.pdp.input;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.pip.AttributeProviders;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Set;

/**
 * Completes a decision input with the facts the PDP owns: the time of the decision and the parsed
 * client certificate; then, when attribute providers are configured, {@code subject}, {@code device}
 * and {@code mfa} from them. Everything else comes from the caller as SPEC.md's input shape.
 */
public final class InputEnricher {
    private final TimeFacts time;
    private final CertificateIdentities certificates;
    @Nullable
    private final CertificateExpiryMetrics expiry;
    @Nullable
    private final AttributeProviders providers;

    public InputEnricher(TimeFacts time, CertificateIdentities certificates) {
        this(time, certificates, null, null);
    }

    /**
     * @param expiry where presented client certificates are reported, or null to not track them
     * @param providers the attribute providers, or null for none
     */
    public InputEnricher(TimeFacts time, CertificateIdentities certificates, @Nullable CertificateExpiryMetrics expiry,
            @Nullable AttributeProviders providers) {
        this.time = time;
        this.certificates = certificates;
        this.expiry = expiry;
        this.providers = providers;
    }

    /**
     * Fills {@code subject}, {@code device} and {@code mfa} from the attribute providers (call after
     * {@link #enrich}: identities come from the certificate). Blocks up to the providers' deadlines, so
     * never call it on an event loop.
     *
     * @return what each provider answered (for the decision log), or null without providers
     */
    @Nullable
    public ObjectNode attributes(ObjectNode input) {
        return attributes(input, null);
    }

    /**
     * Like {@link #attributes(ObjectNode)}, and looks up a presented API key the bundle does not list.
     *
     * @param apiKeySha256 that key's digest, or null
     */
    /** Whether attribute providers are configured ({@link #attributes} then blocks up to their deadlines). */
    public boolean hasProviders() {
        return providers != null;
    }

    @Nullable
    public ObjectNode attributes(ObjectNode input, @Nullable String apiKeySha256) {
        return providers == null ? null : providers.enrich(input, apiKeySha256);
    }

    /**
     * Adds {@code time} (replacing any the caller sent unless {@code keepCallerTime}) and, when a
     * chain is given, {@code certificate}. Mutates and returns {@code input}.
     *
     * @throws CertificateParseException if the chain does not parse
     */
    public ObjectNode enrich(ObjectNode input, @Nullable PresentedCertificate cert, Set<ZoneId> zones,
            boolean keepCallerTime) throws CertificateParseException {
        Instant now = time.now();
        if (cert != null) {
            CertificateIdentity id = certificates.identify(cert.chainDer());
            if (expiry != null) {
                expiry.seen(input.path("service").path("id").asText("pdp"), id);
            }
            input.set("certificate", id.toInput(cert.verified(), cert.verifyCode(), cert.verifyError(), now));
        }
        if (!keepCallerTime || !input.has("time")) {
            input.set("time", time.at(now, zones));
        }
        return input;
    }
}
