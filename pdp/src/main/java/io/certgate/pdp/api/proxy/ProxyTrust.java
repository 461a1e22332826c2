package io.certgate.pdp.api.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.util.InetAddressPredicates;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.cert.VerifyResult;
import io.certgate.pdp.config.InteropConfig;
import io.certgate.pdp.input.PresentedCertificate;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the PDP believes of a proxy that calls it (forward-auth, ext_authz): only trusted proxy
 * addresses may assert a client certificate or client address; forwarded chains are verified again
 * when {@code interop.verify_ca_file} is set. Also maps a request to its service id and copies the
 * allow-listed request headers into the input.
 */
public final class ProxyTrust {
    private final InteropConfig config;
    private final List<Predicate<InetAddress>> trusted;
    @Nullable
    private final ChainVerifier verifier;
    private final Clock clock;

    /**
     * @throws IllegalArgumentException if {@code verify_ca_file} cannot be read
     */
    public ProxyTrust(InteropConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.trusted = config.trustedProxies().stream().map(InetAddressPredicates::ofCidr).toList();
        if (config.verifyCaFile() != null) {
            try {
                this.verifier = ChainVerifier.builder()
                        .trustAnchors(ChainVerifier.readCertificates(config.verifyCaFile()))
                        .build();
            } catch (PemBundleException e) {
                throw new IllegalArgumentException("interop.verify_ca_file: " + e.getMessage(), e);
            }
        } else {
            this.verifier = null;
        }
    }

    public boolean trusts(InetAddress caller) {
        return trusted.stream().anyMatch(p -> p.test(caller));
    }

    /**
     * The certificate for the input: the proxy's verdict, or the PDP's own when configured to re-verify.
     *
     * @throws CertificateParseException if a certificate of the chain does not parse
     */
    public PresentedCertificate certificate(ForwardedCertificate fwd) throws CertificateParseException {
        if (verifier == null) {
            return new PresentedCertificate(fwd.chainDer(), fwd.verified(), fwd.verifyCode(), fwd.verifyError());
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (int i = 0; i < fwd.chainDer().size(); i++) {
            chain.add(CertificateIdentities.parse(fwd.chainDer().get(i), i));
        }
        VerifyResult r = verifier.verify(chain, clock.instant());
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
