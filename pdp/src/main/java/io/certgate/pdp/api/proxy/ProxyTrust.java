package io.certgate.pdp.api.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.NonBlocking;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.util.InetAddressPredicates;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.ClientCertificateVerifier;
import io.certgate.pdp.cert.CrlDistributionPoints;
import io.certgate.pdp.cert.OcspChecker;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.cert.VerifyResult;
import io.certgate.pdp.config.InteropConfig;
import io.certgate.pdp.input.PresentedCertificate;
import io.micrometer.core.instrument.MeterRegistry;
import io.certgate.pdp.reload.FileWatcher;
import io.certgate.pdp.reload.TrustMaterial;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the PDP believes of a proxy that calls it (forward-auth, ext_authz): only trusted proxy
 * addresses may assert a client certificate or client address; forwarded chains are verified again
 * when {@code interop.verify_ca_file} is set, with the gateway's verifier ({@link ClientCertificateVerifier}:
 * {@code interop.crl_files}, {@code interop.ocsp}). Also maps a request to its service id and copies the
 * allow-listed request headers into the input.
 */
public final class ProxyTrust {
    private final InteropConfig config;
    private final List<Predicate<InetAddress>> trusted;
    private final Clock clock;
    @Nullable
    private final OcspChecker ocsp;
    /** One for every generation of the CA bundle: its fetched CRLs and metrics outlive a reload. */
    @Nullable
    private CrlDistributionPoints distributionPoints;
    /** Null content when forwarded chains are not verified again; replaced as a whole when the files change. */
    private final AtomicReference<ClientCertificateVerifier> verifier = new AtomicReference<>();
    /** The CA bundle and CRLs as they were before the first verifier read them; null when not verifying. */
    @Nullable
    private final FileWatcher.Snapshot loaded;

    /**
     * @throws IllegalArgumentException if {@code verify_ca_file} or a {@code crl_files} entry cannot be read
     *     (one line per file, located by its key)
     */
    public ProxyTrust(InteropConfig config, Clock clock) {
        this.config = config;
        this.trusted = config.trustedProxies().stream().map(InetAddressPredicates::ofCidr).toList();
        this.clock = clock;
        InteropConfig.Ocsp o = config.ocsp();
        // one OCSP checker (and cache) for every generation of the CA bundle and CRLs
        this.ocsp = o.enabled() ? OcspChecker.builder().softFail(o.softFail()).clock(clock).build() : null;
        if (config.verifyCaFile() == null) {
            this.loaded = null;
        } else {
            List<Path> files = new ArrayList<>(List.of(config.verifyCaFile()));
            files.addAll(config.crlFiles());
            this.loaded = FileWatcher.Snapshot.of(files);
            this.verifier.set(verifier(config));
        }
    }

    private ClientCertificateVerifier verifier(InteropConfig config) {
        List<String> errors = new ArrayList<>();
        List<X509Certificate> cas = List.of();
        try {
            cas = ChainVerifier.readCertificates(config.verifyCaFile());
        } catch (PemBundleException e) {
            errors.add("interop.verify_ca_file: " + e.getMessage());
        }
        List<X509CRL> crls = new ArrayList<>();
        for (int i = 0; i < config.crlFiles().size(); i++) {
            try {
                crls.addAll(ChainVerifier.readCrls(config.crlFiles().get(i)));
            } catch (PemBundleException e) {
                errors.add("interop.crl_files[" + i + "]: " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        CrlDistributionPoints.Settings dp = config.crlDistributionPoints();
        this.distributionPoints = dp == null ? null : CrlDistributionPoints.builder(dp).trustAnchors(cas).clock(clock).build();
        return build(cas, crls);
    }

    private ClientCertificateVerifier build(List<X509Certificate> cas, List<X509CRL> crls) {
        return ClientCertificateVerifier.builder().trustAnchors(cas).crls(crls).crlDistributionPoints(distributionPoints).ocsp(ocsp).clock(clock).build();
    }

    /**
     * Reloads {@code interop.verify_ca_file} and {@code interop.crl_files} when they change (validated first: see
     * {@link TrustMaterial}); verdicts cached with the old files are dropped.
     */
    public ProxyTrust watch(FileWatcher watcher) {
        if (loaded == null) {
            return this;
        }
        watcher.watch("interop", "verify_ca_file", loaded, () -> {
            TrustMaterial t = TrustMaterial.read("interop.verify_ca_file", config.verifyCaFile(), "interop.crl_files",
                    config.crlFiles(), clock.instant());
            verifier.set(verifier.get().reloaded(t.cas(), t.crls()));
        });
        return this;
    }

    /** Exports the re-verification caches ({@code cache="proxy_client_verification"}, {@code "ocsp"}). */
    public ProxyTrust bindTo(MeterRegistry registry) {
        ClientCertificateVerifier v = verifier.get();
        if (v != null) {
            // every generation shares this cache (see ClientCertificateVerifier#reloaded)
            v.bindTo(registry, "proxy_client_verification");
        }
        return this;
    }

    public boolean trusts(InetAddress caller) {
        return trusted.stream().anyMatch(p -> p.test(caller));
    }

    /**
     * The certificate for the input: the proxy's verdict, or the PDP's own when configured to re-verify.
     * Re-verifying checks signatures and may wait for an OCSP responder, so it must not run on an event loop.
     *
     * @throws CertificateParseException if a certificate of the chain does not parse
     * @throws IllegalStateException if called on an event loop while re-verifying
     */
    public PresentedCertificate certificate(ForwardedCertificate fwd) throws CertificateParseException {
        ClientCertificateVerifier v = verifier.get();
        if (v == null) {
            return new PresentedCertificate(fwd.chainDer(), fwd.verified(), fwd.verifyCode(), fwd.verifyError());
        }
        if (Thread.currentThread() instanceof NonBlocking) {
            throw new IllegalStateException("forwarded client certificates must be verified on a blocking "
                    + "executor, not on event loop " + Thread.currentThread().getName());
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (int i = 0; i < fwd.chainDer().size(); i++) {
            chain.add(CertificateIdentities.parse(fwd.chainDer().get(i), i));
        }
        VerifyResult r = v.verifyAsync(chain).join();
        return new PresentedCertificate(fwd.chainDer(), r.ok(), r.code(), r.ok() ? null : r.message());
    }

    /** The service id: the one the proxy names, else the host mapping, else the default (null when none). */
    @Nullable
    public String serviceFor(@Nullable String named, @Nullable String host) {
        if (named != null && !named.isBlank()) {
            return named;
        }
        if (host != null) {
            String h = host.toLowerCase(Locale.ROOT);
            if (h.startsWith("[") && h.indexOf(']') > 0) {
                h = h.substring(0, h.indexOf(']') + 1);
            } else if (h.indexOf(':') > 0 && h.indexOf(':') == h.lastIndexOf(':')) {
                h = h.substring(0, h.indexOf(':'));
            }
            String id = config.hostServices().get(h);
            if (id != null) {
                return id;
            }
        }
        return config.defaultService();
    }

    /** Copies the allow-listed headers (trust and obligation headers never, in any spelling) into {@code out}. */
    public void copyHeaders(ObjectNode out, Function<String, String> lookup) {
        for (String name : config.requestHeaders()) {
            String value = lookup.apply(name);
            if (value != null && config.headers().fromClient(name)) {
                out.put(name, value);
            }
        }
    }

    /** Which headers cross the boundary ({@code interop.obligation_headers}). */
    public HeaderPolicy headers() {
        return config.headers();
    }
}
