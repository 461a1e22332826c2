package io.certgate.pdp.cli;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.OcspChecker;
import io.certgate.pdp.cert.VerifyResult;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Verify a client certificate chain exactly as the gateway does (the OpenSSL code of"
                + " 'openssl verify -purpose sslclient'), then explain in plain words what is wrong and how to fix"
                + " it, walking format, chain, trust anchor, validity, purpose, revocation (CRLs), OCSP and"
                + " constraints.",
                "OCSP: when the chain verifies and the certificate names an OCSP responder (AIA extension), the"
                        + " responder is asked, as the gateway does with ocsp.enabled; --no-ocsp skips it.",
                "Exit codes: 0 the certificate verifies, 1 a problem was found, 2 usage error (e.g. a file is"
                        + " missing)."})
final class CertDoctorCommand implements Callable<Integer> {
    @Option(names = "--cert", required = true, paramLabel = "FILE",
            description = "the client certificate, PEM (leaf first, then the intermediates the client sends) or DER")
    Path cert;

    @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle the service trusts (mtls.ca_file)")
    Path ca;

    @Option(names = "--crl", paramLabel = "FILE", description = "PEM CRL file(s) (mtls.crl_files); repeatable."
            + " Given CRLs turn on revocation checking of the leaf (-crl_check)")
    List<Path> crls = new ArrayList<>();

    @Option(names = "--crl-check-all", description = "check revocation of every certificate of the path")
    boolean crlCheckAll;

    @Option(names = "--at", paramLabel = "RFC3339", description = "verify as of this instant (default now)")
    Instant at;

    @Option(names = "--purpose", paramLabel = "client|server", defaultValue = "client",
            description = "what the certificate must be allowed for: client (default, TLS client authentication,"
                    + " 'openssl verify -purpose sslclient') or server ('-purpose sslserver'): checks the"
                    + " extendedKeyUsage and keyUsage and reports what is missing")
    String purpose;

    @Option(names = "--no-ocsp", description = "do not ask the certificate's OCSP responder")
    boolean noOcsp;

    @Option(names = "--ocsp-timeout-ms", paramLabel = "MS", defaultValue = "5000",
            description = "how long to wait for the OCSP responder (default ${DEFAULT-VALUE})")
    long ocspTimeoutMs;

    @Override
    public Integer call() {
        Instant now = at == null ? Instant.now() : at;
        ChainVerifier.Purpose p = switch (purpose) {
            case "client" -> ChainVerifier.Purpose.SSL_CLIENT;
            case "server" -> ChainVerifier.Purpose.SSL_SERVER;
            default -> null;
        };
        if (p == null || ocspTimeoutMs <= 0) {
            System.err.println(p == null ? "--purpose must be client or server, got '" + purpose + "'"
                    : "--ocsp-timeout-ms must be positive, got " + ocspTimeoutMs);
            return 2;
        }
        List<X509Certificate> chain;
        List<X509Certificate> anchors;
        List<X509CRL> crlList;
        try {
            chain = CertFiles.chain(cert);
            anchors = ca == null ? List.of() : CertFiles.bundle(ca);
            crlList = CertFiles.crls(crls);
        } catch (CertFiles.Unreadable e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (CertFiles.Unparsable e) {
            System.out.println("format        FAIL  " + e.getMessage());
            System.out.println("              fix: give the PEM file(s) the gateway uses ('openssl x509 -in FILE"
                    + " -noout -text' shows what a file holds)");
            return 1;
        }
        VerifyResult result = null;
        StringBuilder s = new StringBuilder();
        s.append("certificate   ").append(ChainDiagnosis.dn(chain.get(0))).append('\n');
        if (ca != null) {
            ChainVerifier.Builder b = ChainVerifier.builder().trustAnchors(anchors).crlCheckAll(crlCheckAll)
                    .purpose(p);
            if (!crls.isEmpty()) {
                b.crls(crlList);
            }
            result = b.build().verify(chain, now);
            s.append("openssl       ").append(result.ok() ? "OK" : "error " + result.code() + " at "
                    + result.depth() + " depth lookup: " + result.message()).append('\n');
            s.append("              same as: openssl verify -attime ").append(now.getEpochSecond())
                    .append(" -CAfile ").append(ca).append(" -untrusted ").append(cert);
            if (crlCheckAll || !crls.isEmpty()) {
                s.append(crlCheckAll ? " -crl_check_all" : " -crl_check");
            }
            crls.forEach(crl -> s.append(" -CRLfile ").append(crl));
            s.append(" -purpose ").append(p.openSslName()).append(' ').append(cert).append('\n');
        } else {
            s.append("openssl       not run: no --ca (the verify code needs the service's CA bundle)\n");
        }
        s.append('\n');
        boolean problem = false;
        ChainDiagnosis.Finding ocsp = ocsp(result);
        for (ChainDiagnosis.Finding f : new ChainDiagnosis(chain, anchors, crlList, now, p).walk(result, ocsp)) {
            problem |= f.status() == ChainDiagnosis.Status.FAIL;
            s.append(String.format("%-13s %-5s %s%n", f.stage().label, switch (f.status()) {
                case OK -> "ok";
                case FAIL -> "FAIL";
                case SKIPPED -> "-";
            }, f.summary()));
            for (String d : f.details()) {
                s.append("                    ").append(d).append('\n');
            }
            if (f.fix() != null) {
                s.append("                    fix: ").append(f.fix()).append('\n');
            }
        }
        problem |= result != null && !result.ok();
        s.append('\n').append(problem ? "result        problems found (see FAIL above)"
                : p == ChainVerifier.Purpose.SSL_CLIENT ? "result        ok: the gateway would accept this certificate"
                : "result        ok: the certificate verifies for a TLS server").append('\n');
        System.out.print(s);
        return problem ? 1 : 0;
    }

    /**
     * Asks the leaf's OCSP responder, as the gateway does: only for a chain that verified, with the issuer from
     * the verified path. The answer is about now, whatever --at says.
     */
    private ChainDiagnosis.Finding ocsp(@Nullable VerifyResult result) {
        if (noOcsp) {
            return ChainDiagnosis.ocspSkipped("not checked: --no-ocsp");
        }
        if (result == null || !result.ok() || result.path().size() < 2) {
            return ChainDiagnosis.ocspSkipped("not checked: " + (result == null ? "no --ca" : result.ok()
                    ? "the certificate is itself the trust anchor" : "the chain does not verify (the gateway asks"
                    + " OCSP responders about verified chains only)"));
        }
        try (ClientFactory factory = ClientFactory.builder().build()) {
            OcspChecker checker = OcspChecker.builder().clientFactory(factory).softFail(false)
                    .timeout(Duration.ofMillis(ocspTimeoutMs)).build();
            // the CLI's own thread: waiting here blocks no event loop
            return ChainDiagnosis.ocsp(checker.check(result.path().get(0), result.path().get(1)).join());
        }
    }
}
