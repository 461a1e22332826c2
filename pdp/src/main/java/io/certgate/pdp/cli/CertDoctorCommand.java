package io.certgate.pdp.cli;

import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.VerifyResult;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Verify a client certificate chain exactly as the gateway does (the OpenSSL code of"
                + " 'openssl verify -purpose sslclient'), then explain in plain words what is wrong and how to fix"
                + " it, walking format, chain, trust anchor, validity, purpose, revocation and constraints.",
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

    @Override
    public Integer call() {
        Instant now = at == null ? Instant.now() : at;
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
            ChainVerifier.Builder b = ChainVerifier.builder().trustAnchors(anchors).crlCheckAll(crlCheckAll);
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
            s.append(" -purpose sslclient ").append(cert).append('\n');
        } else {
            s.append("openssl       not run: no --ca (the verify code needs the service's CA bundle)\n");
        }
        s.append('\n');
        boolean problem = false;
        for (ChainDiagnosis.Finding f : new ChainDiagnosis(chain, anchors, crlList, now).walk(result)) {
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
                : "result        ok: the gateway would accept this certificate").append('\n');
        System.out.print(s);
        return problem ? 1 : 0;
    }
}
