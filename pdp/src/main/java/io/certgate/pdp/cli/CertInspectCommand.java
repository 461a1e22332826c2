package io.certgate.pdp.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.IdentityHeaderValues;
import io.certgate.pdp.cert.VerifyResult;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.security.auth.x500.X500Principal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a client certificate's identity in the normalized form the policy sees"
                + " (input.certificate) and exactly the x-ssl-* header values the gateway forwards.",
                "With --ca the chain is verified too and x-ssl-verify carries the OpenSSL code.",
                "Exit codes: 0 printed, 1 the file does not parse, 2 usage error."})
final class CertInspectCommand implements Callable<Integer> {
    @Option(names = "--cert", required = true, paramLabel = "FILE",
            description = "the client certificate, PEM (leaf first, then the intermediates it sends) or DER")
    Path cert;

    @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle (the service's mtls.ca_file) to verify"
            + " with, for x-ssl-verify")
    Path ca;

    @Option(names = "--crl", paramLabel = "FILE", description = "PEM CRL file(s) (mtls.crl_files); repeatable")
    List<Path> crls = new ArrayList<>();

    @Option(names = "--at", paramLabel = "RFC3339", description = "as of this instant (default now)")
    Instant at;

    @Option(names = "--json", description = "print {\"certificate\": input.certificate, \"headers\": {...}}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!crls.isEmpty() && ca == null) {
            System.err.println("--crl needs --ca: revocation is checked as part of verifying the chain");
            return 2;
        }
        Instant now = at == null ? Instant.now() : at;
        List<X509Certificate> chain;
        VerifyResult verified = null;
        try {
            chain = CertFiles.chain(cert);
            if (ca != null) {
                ChainVerifier.Builder b = ChainVerifier.builder().trustAnchors(CertFiles.bundle(ca));
                if (!crls.isEmpty()) {
                    b.crls(CertFiles.crls(crls));
                }
                verified = b.build().verify(chain, now);
            }
        } catch (CertFiles.Unreadable e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (CertFiles.Unparsable e) {
            System.err.println(e.getMessage());
            return 1;
        }
        CertificateIdentity id;
        try {
            id = new CertificateIdentities(Clock.systemUTC(), 1).identify(der(chain));
        } catch (CertificateParseException e) {
            System.err.println(cert + ": " + e.getMessage());
            return 1;
        }
        int code = verified == null ? 0 : verified.code();
        Map<String, String> headers = new LinkedHashMap<>(IdentityHeaderValues.of(code, id));
        if (verified == null) {
            headers.remove("x-ssl-verify"); // unknown without the service's CA bundle
        }
        if (json) {
            ObjectNode doc = JsonNodeFactory.instance.objectNode();
            doc.set("certificate", verified == null ? id.toInput(false, 0, null, now)
                    : id.toInput(verified.ok(), code, verified.ok() ? null : verified.message(), now));
            if (verified == null) {
                ((ObjectNode) doc.get("certificate")).remove(List.of("verified", "verify_code"));
            }
            ObjectNode h = doc.putObject("headers");
            headers.forEach(h::put);
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return 0;
        }
        StringBuilder s = new StringBuilder();
        row(s, "subject", id.subjectDn());
        row(s, "issuer", id.issuerDn());
        row(s, "serial", id.serial());
        row(s, "not before", id.notBefore().toString());
        long days = id.expiresInDays(now);
        row(s, "not after", id.notAfter() + (days < 0 ? " (expired " + -days + " day(s) ago)"
                : " (expires in " + days + " day(s))"));
        row(s, "san dns", String.join(", ", id.sanDns()));
        row(s, "san uri", String.join(", ", id.sanUri()));
        row(s, "san email", String.join(", ", id.sanEmail()));
        row(s, "san ip", String.join(", ", id.sanIp()));
        row(s, "spiffe id", id.spiffeId() == null ? "" : id.spiffeId());
        row(s, "sha1", id.sha1());
        row(s, "sha256", id.sha256());
        for (int i = 1; i < id.chainSha256().size(); i++) {
            row(s, "chain[" + i + "]", id.chainSha256().get(i) + "  " + chain.get(i).getSubjectX500Principal()
                    .getName(X500Principal.RFC2253));
        }
        if (verified != null) {
            row(s, "verify", verified.code() + " (" + verified.message() + ")"
                    + (verified.ok() ? "" : " — run 'cert doctor' with the same options for the cause"));
        }
        s.append("\nheaders forwarded upstream").append(verified == null ? " (x-ssl-verify needs --ca)" : "")
                .append(":\n");
        headers.forEach((k, v) -> s.append("  ").append(k).append(": ").append(v).append('\n'));
        System.out.print(s);
        return 0;
    }

    private static void row(StringBuilder s, String name, String value) {
        s.append(String.format("%-12s %s%n", name, value.isEmpty() ? "-" : value));
    }

    private static List<byte[]> der(List<X509Certificate> chain) throws CertificateEncodingException {
        List<byte[]> out = new ArrayList<>(chain.size());
        for (X509Certificate c : chain) {
            out.add(c.getEncoded());
        }
        return out;
    }
}
