package io.certgate.pdp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.audit.DecisionLog;
import io.certgate.pdp.bundle.BundleManager;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.bundle.BundleSource;
import io.certgate.pdp.bundle.ClasspathBundleSource;
import io.certgate.pdp.bundle.FileBundleSource;
import io.certgate.pdp.bundle.HttpBundleSource;
import io.certgate.pdp.bundle.PolicyDirectorySource;
import io.certgate.pdp.bundle.SignatureVerifier;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.input.InputEnricher;
import io.certgate.pdp.input.TimeFacts;
import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.pdp.pip.AttributeProviders;
import io.certgate.pdp.remote.InstanceLabels;
import io.certgate.pdp.remote.ServiceClient;
import io.certgate.pdp.status.StatusReporter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The PDP as a library: engine, bundle loading and the decision service, wired from a
 * {@link PdpConfig}. The server and an embedding gateway both start here.
 */
public final class Pdp implements AutoCloseable {
    private final PdpConfig config;
    private final PolicyEngine engine;
    private final BundleManager bundles;
    private final DecisionService decisions;
    private final CertificateIdentities certificates;
    private final ObjectMapper json;
    @Nullable
    private final AttributeProviders providers;
    private final InstanceLabels labels;
    private final DecisionLog decisionLog;
    @Nullable
    private final StatusReporter status;

    private Pdp(PdpConfig config, MeterRegistry registry, Clock clock, boolean requireDefaultEntrypoint) {
        this.config = config;
        this.json = new ObjectMapper();
        List<String> entrypoint = List.of(config.entrypoint());
        this.engine = requireDefaultEntrypoint || !config.entrypoint().equals(PdpConfig.DEFAULT_ENTRYPOINT)
                ? new PolicyEngine(config.engine(), json, entrypoint)
                : new PolicyEngine(config.engine(), json, List.of(), entrypoint);
        SignatureVerifier verifier = config.verification() == null ? null
                : new SignatureVerifier(config.verification(), json);
        this.bundles = new BundleManager(source(config), new BundleReader(json, verifier), engine, clock, registry);
        this.certificates = new CertificateIdentities(clock, config.certificateCacheSize()).bindTo(registry);
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(registry, clock);
        this.providers = AttributeProviders.create(config.providers(), clock, json, registry);
        InputEnricher enricher = new InputEnricher(new TimeFacts(clock, config.timezone()), certificates, expiry,
                providers);
        this.labels = InstanceLabels.forThisProcess();
        this.decisionLog = DecisionLog.start(json, clock, config.decisionLogs(), labels,
                client(config, config.decisionLogs().service()), registry);
        this.decisions = new DecisionService(engine, enricher, decisionLog, json, config.entrypoint(),
                config.decisionCacheSize(), registry);
        this.status = config.status().enabled()
                ? new StatusReporter(config.status(), bundles, decisionLog::state, labels,
                        client(config, config.status().service()), registry, json)
                : null;
    }

    @Nullable
    private static ServiceClient client(PdpConfig config, @Nullable String service) {
        return service == null ? null : new ServiceClient(config.services().get(service));
    }

    /**
     * Loads the first bundle synchronously (a failure is recorded, not thrown: the PDP then denies
     * until a good bundle arrives) and starts polling for new ones.
     */
    public static Pdp start(PdpConfig config, MeterRegistry registry, Clock clock) {
        return start(config, registry, clock, true);
    }

    /**
     * Like {@link #start(PdpConfig, MeterRegistry, Clock)}; with {@code requireDefaultEntrypoint} false, a
     * bundle without {@link PdpConfig#DEFAULT_ENTRYPOINT} (any OPA policy, served over the Data API) is
     * activated with a warning. An entrypoint configured explicitly is always required.
     */
    public static Pdp start(PdpConfig config, MeterRegistry registry, Clock clock, boolean requireDefaultEntrypoint) {
        if (config.verification() != null && config.bundle() == null) {
            // a directory compiled here, or the embedded reference policy, has no signature to check
            throw new IllegalArgumentException("bundle.verification is set, but the policy comes from "
                    + (config.policies() != null ? "the directory " + config.policies() : "the embedded reference bundle")
                    + ", which is not signed; set policy.bundle (or --bundle) to a signed bundle's file or URL");
        }
        Pdp pdp = new Pdp(config, registry, clock, requireDefaultEntrypoint);
        pdp.bundles.pollOnce();
        pdp.bundles.start(config.pollInterval());
        if (pdp.status != null) {
            pdp.status.start();
        }
        return pdp;
    }

    private static BundleSource source(PdpConfig config) {
        if (config.policies() != null) {
            // a configured decision entrypoint is compiled even when it is not annotated
            List<String> extra = new java.util.ArrayList<>(config.extraEntrypoints());
            if (!config.entrypoint().equals(PdpConfig.DEFAULT_ENTRYPOINT) && !extra.contains(config.entrypoint())) {
                extra.add(config.entrypoint());
            }
            return new PolicyDirectorySource(config.policies(), OpaToolchain.locate(OpaToolchain.defaultToolsDir()),
                    extra);
        }
        String b = config.bundle();
        if (b == null) {
            return new ClasspathBundleSource(ClasspathBundleSource.REFERENCE);
        }
        if (b.startsWith("http://") || b.startsWith("https://")) {
            return new HttpBundleSource(URI.create(b), Duration.ofSeconds(10));
        }
        return new FileBundleSource(Path.of(b));
    }

    public PdpConfig config() {
        return config;
    }

    public PolicyEngine engine() {
        return engine;
    }

    public BundleManager bundles() {
        return bundles;
    }

    /** The parsed client certificates (caches.certificate_identities), for a gateway that embeds this PDP. */
    public CertificateIdentities certificates() {
        return certificates;
    }

    public DecisionService decisions() {
        return decisions;
    }

    public ObjectMapper json() {
        return json;
    }

    /** The configured attribute providers, or null when none is. */
    @Nullable
    public AttributeProviders providers() {
        return providers;
    }

    /** Which PDP this is, in decision logs and status reports. */
    public InstanceLabels labels() {
        return labels;
    }

    @Override
    public void close() {
        if (status != null) {
            status.close();
        }
        bundles.close();
        decisionLog.close();
        engine.close();
        if (providers != null) {
            providers.close();
        }
    }
}
