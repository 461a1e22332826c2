package io.certgate.pdp.cert;

import com.linecorp.armeria.common.annotation.Nullable;
import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of {@link OcspChecker#check}: what the OCSP responder said about one certificate, and the OpenSSL
 * {@code X509_V_ERR} number the gateway reports for it ({@code x-ssl-verify}, {@code input.certificate.verify_code}).
 *
 * <table>
 *   <caption>verifyCode by status</caption>
 *   <tr><th>status</th><th>hard fail</th><th>soft fail</th></tr>
 *   <tr><td>{@link Status#GOOD}</td><td>0</td><td>0</td></tr>
 *   <tr><td>{@link Status#REVOKED}</td><td>23 {@link X509VerifyCodes#CERT_REVOKED}</td><td>23</td></tr>
 *   <tr><td>{@link Status#UNKNOWN}</td><td>75 {@link X509VerifyCodes#OCSP_CERT_UNKNOWN}</td>
 *       <td>0, {@link #softFailed()}</td></tr>
 *   <tr><td>{@link Status#ERROR}</td><td>74 {@link X509VerifyCodes#OCSP_VERIFY_FAILED}</td>
 *       <td>0, {@link #softFailed()}</td></tr>
 * </table>
 * A revoked certificate is never soft-failed: soft fail only covers not getting a usable answer.
 *
 * @param status           what the responder said, or {@link Status#ERROR} when no trustworthy answer was obtained
 * @param verifyCode       the OpenSSL {@code X509_V_ERR} number to report ({@link X509VerifyCodes}), 0 = acceptable
 * @param softFailed       {@code true} when the status is UNKNOWN or ERROR and soft fail turned it into 0: callers
 *                         should log and count it
 * @param message          what happened and where (the responder URL, the serial), e.g.
 *                         {@code "OCSP responder http://ocsp.example/ answered HTTP 500"}
 * @param revocationTime   when the certificate was revoked (REVOKED only)
 * @param revocationReason the RFC 5280 CRLReason code the responder gave (REVOKED only, when given); see
 *                         {@link #revocationReasonName()}
 * @param thisUpdate       the response's thisUpdate (GOOD, REVOKED, UNKNOWN)
 * @param nextUpdate       the response's nextUpdate, when it has one
 * @param responderUrl     the responder asked, null when the certificate names none
 */
public record OcspResult(
        Status status, int verifyCode, boolean softFailed, String message,
        @Nullable Instant revocationTime, @Nullable Integer revocationReason,
        @Nullable Instant thisUpdate, @Nullable Instant nextUpdate, @Nullable String responderUrl) {

    /** The certificate status of an OCSP answer (RFC 6960 CertStatus), or ERROR when there is no usable answer. */
    public enum Status {
        /** The responder vouches that the certificate is not revoked. */
        GOOD,
        /** The certificate is revoked. */
        REVOKED,
        /** The responder does not know the certificate. */
        UNKNOWN,
        /** No trustworthy answer: no responder URL, network failure, timeout, malformed or unverifiable response. */
        ERROR
    }

    public OcspResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
    }

    static OcspResult good(Instant thisUpdate, @Nullable Instant nextUpdate, String responderUrl) {
        return new OcspResult(Status.GOOD, X509VerifyCodes.OK, false, "good", null, null, thisUpdate, nextUpdate,
                responderUrl);
    }

    static OcspResult revoked(Instant revocationTime, @Nullable Integer reason, Instant thisUpdate,
            @Nullable Instant nextUpdate, String responderUrl, String serialHex) {
        String message = "certificate serial " + serialHex + " was revoked at " + revocationTime
                + (reason == null ? "" : " (" + reasonName(reason) + ")") + " according to OCSP responder "
                + responderUrl;
        return new OcspResult(Status.REVOKED, X509VerifyCodes.CERT_REVOKED, false, message, revocationTime, reason,
                thisUpdate, nextUpdate, responderUrl);
    }

    static OcspResult unknown(Instant thisUpdate, @Nullable Instant nextUpdate, String responderUrl, String serialHex,
            boolean softFail) {
        String message = "OCSP responder " + responderUrl + " does not know certificate serial " + serialHex;
        return new OcspResult(Status.UNKNOWN, softFail ? X509VerifyCodes.OK : X509VerifyCodes.OCSP_CERT_UNKNOWN,
                softFail, message, null, null, thisUpdate, nextUpdate, responderUrl);
    }

    static OcspResult error(String message, @Nullable String responderUrl, boolean softFail) {
        return new OcspResult(Status.ERROR, softFail ? X509VerifyCodes.OK : X509VerifyCodes.OCSP_VERIFY_FAILED,
                softFail, message, null, null, null, null, responderUrl);
    }

    /** {@code true} when the certificate may be accepted as far as revocation goes ({@code verifyCode == 0}). */
    public boolean ok() {
        return verifyCode == X509VerifyCodes.OK;
    }

    /** OpenSSL's text for {@link #verifyCode()}, e.g. {@code "certificate revoked"}; {@code "ok"} for 0. */
    public String verifyMessage() {
        return X509VerifyCodes.message(verifyCode);
    }

    /** The RFC 5280 name of {@link #revocationReason()}, e.g. {@code "keyCompromise"}; null when none was given. */
    @Nullable
    public String revocationReasonName() {
        return revocationReason == null ? null : reasonName(revocationReason);
    }

    /** The RFC 5280 CRLReason name of {@code code}, {@code "reason(N)"} for codes it does not define. */
    public static String reasonName(int code) {
        return switch (code) {
            case 0 -> "unspecified";
            case 1 -> "keyCompromise";
            case 2 -> "cACompromise";
            case 3 -> "affiliationChanged";
            case 4 -> "superseded";
            case 5 -> "cessationOfOperation";
            case 6 -> "certificateHold";
            case 8 -> "removeFromCRL";
            case 9 -> "privilegeWithdrawn";
            case 10 -> "aACompromise";
            default -> "reason(" + code + ")";
        };
    }
}
