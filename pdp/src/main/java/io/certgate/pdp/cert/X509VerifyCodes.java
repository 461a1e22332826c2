package io.certgate.pdp.cert;

/**
 * The {@code X509_V_ERR_*} verification result numbers of OpenSSL 3.0 ({@code include/openssl/x509_vfy.h})
 * and the text {@code X509_verify_cert_error_string} prints for each ({@code crypto/x509/x509_txt.c}).
 *
 * <p>These numbers are what {@code openssl verify} reports as {@code error N at D depth lookup: TEXT}, what
 * the gateway forwards in {@code x-ssl-verify} and what policies see as {@code input.certificate.verify_code}.
 * Note that OpenSSL 3 numbers "invalid CA certificate" {@value #INVALID_CA}; 24 was its number in OpenSSL
 * 1.1.1 and is {@link #NO_ISSUER_PUBLIC_KEY} now.
 */
public final class X509VerifyCodes {
    /** {@code X509_V_OK}: ok. */
    public static final int OK = 0;
    /** {@code X509_V_ERR_UNSPECIFIED}: unspecified certificate verification error. */
    public static final int UNSPECIFIED = 1;
    /** {@code X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT}: unable to get issuer certificate. */
    public static final int UNABLE_TO_GET_ISSUER_CERT = 2;
    /** {@code X509_V_ERR_UNABLE_TO_GET_CRL}: unable to get certificate CRL. */
    public static final int UNABLE_TO_GET_CRL = 3;
    /** {@code X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE}: unable to decrypt certificate's signature. */
    public static final int UNABLE_TO_DECRYPT_CERT_SIGNATURE = 4;
    /** {@code X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE}: unable to decrypt CRL's signature. */
    public static final int UNABLE_TO_DECRYPT_CRL_SIGNATURE = 5;
    /** {@code X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY}: unable to decode issuer public key. */
    public static final int UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY = 6;
    /** {@code X509_V_ERR_CERT_SIGNATURE_FAILURE}: certificate signature failure. */
    public static final int CERT_SIGNATURE_FAILURE = 7;
    /** {@code X509_V_ERR_CRL_SIGNATURE_FAILURE}: CRL signature failure. */
    public static final int CRL_SIGNATURE_FAILURE = 8;
    /** {@code X509_V_ERR_CERT_NOT_YET_VALID}: certificate is not yet valid. */
    public static final int CERT_NOT_YET_VALID = 9;
    /** {@code X509_V_ERR_CERT_HAS_EXPIRED}: certificate has expired. */
    public static final int CERT_HAS_EXPIRED = 10;
    /** {@code X509_V_ERR_CRL_NOT_YET_VALID}: CRL is not yet valid. */
    public static final int CRL_NOT_YET_VALID = 11;
    /** {@code X509_V_ERR_CRL_HAS_EXPIRED}: CRL has expired. */
    public static final int CRL_HAS_EXPIRED = 12;
    /** {@code X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD}: format error in certificate's notBefore field. */
    public static final int ERROR_IN_CERT_NOT_BEFORE_FIELD = 13;
    /** {@code X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD}: format error in certificate's notAfter field. */
    public static final int ERROR_IN_CERT_NOT_AFTER_FIELD = 14;
    /** {@code X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD}: format error in CRL's lastUpdate field. */
    public static final int ERROR_IN_CRL_LAST_UPDATE_FIELD = 15;
    /** {@code X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD}: format error in CRL's nextUpdate field. */
    public static final int ERROR_IN_CRL_NEXT_UPDATE_FIELD = 16;
    /** {@code X509_V_ERR_OUT_OF_MEM}: out of memory. */
    public static final int OUT_OF_MEM = 17;
    /** {@code X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT}: self-signed certificate. */
    public static final int DEPTH_ZERO_SELF_SIGNED_CERT = 18;
    /** {@code X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN}: self-signed certificate in certificate chain. */
    public static final int SELF_SIGNED_CERT_IN_CHAIN = 19;
    /** {@code X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY}: unable to get local issuer certificate. */
    public static final int UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
    /** {@code X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE}: unable to verify the first certificate. */
    public static final int UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21;
    /** {@code X509_V_ERR_CERT_CHAIN_TOO_LONG}: certificate chain too long. */
    public static final int CERT_CHAIN_TOO_LONG = 22;
    /** {@code X509_V_ERR_CERT_REVOKED}: certificate revoked. */
    public static final int CERT_REVOKED = 23;
    /** {@code X509_V_ERR_NO_ISSUER_PUBLIC_KEY}: issuer certificate doesn't have a public key. */
    public static final int NO_ISSUER_PUBLIC_KEY = 24;
    /** {@code X509_V_ERR_PATH_LENGTH_EXCEEDED}: path length constraint exceeded. */
    public static final int PATH_LENGTH_EXCEEDED = 25;
    /** {@code X509_V_ERR_INVALID_PURPOSE}: unsuitable certificate purpose. */
    public static final int INVALID_PURPOSE = 26;
    /** {@code X509_V_ERR_CERT_UNTRUSTED}: certificate not trusted. */
    public static final int CERT_UNTRUSTED = 27;
    /** {@code X509_V_ERR_CERT_REJECTED}: certificate rejected. */
    public static final int CERT_REJECTED = 28;
    /** {@code X509_V_ERR_SUBJECT_ISSUER_MISMATCH}: subject issuer mismatch. */
    public static final int SUBJECT_ISSUER_MISMATCH = 29;
    /** {@code X509_V_ERR_AKID_SKID_MISMATCH}: authority and subject key identifier mismatch. */
    public static final int AKID_SKID_MISMATCH = 30;
    /** {@code X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH}: authority and issuer serial number mismatch. */
    public static final int AKID_ISSUER_SERIAL_MISMATCH = 31;
    /** {@code X509_V_ERR_KEYUSAGE_NO_CERTSIGN}: key usage does not include certificate signing. */
    public static final int KEYUSAGE_NO_CERTSIGN = 32;
    /** {@code X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER}: unable to get CRL issuer certificate. */
    public static final int UNABLE_TO_GET_CRL_ISSUER = 33;
    /** {@code X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION}: unhandled critical extension. */
    public static final int UNHANDLED_CRITICAL_EXTENSION = 34;
    /** {@code X509_V_ERR_KEYUSAGE_NO_CRL_SIGN}: key usage does not include CRL signing. */
    public static final int KEYUSAGE_NO_CRL_SIGN = 35;
    /** {@code X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION}: unhandled critical CRL extension. */
    public static final int UNHANDLED_CRITICAL_CRL_EXTENSION = 36;
    /** {@code X509_V_ERR_INVALID_NON_CA}: invalid non-CA certificate (has CA markings). */
    public static final int INVALID_NON_CA = 37;
    /** {@code X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED}: proxy path length constraint exceeded. */
    public static final int PROXY_PATH_LENGTH_EXCEEDED = 38;
    /** {@code X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE}: key usage does not include digital signature. */
    public static final int KEYUSAGE_NO_DIGITAL_SIGNATURE = 39;
    /** {@code X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED}: proxy certificates not allowed, please set the appropriate flag. */
    public static final int PROXY_CERTIFICATES_NOT_ALLOWED = 40;
    /** {@code X509_V_ERR_INVALID_EXTENSION}: invalid or inconsistent certificate extension. */
    public static final int INVALID_EXTENSION = 41;
    /** {@code X509_V_ERR_INVALID_POLICY_EXTENSION}: invalid or inconsistent certificate policy extension. */
    public static final int INVALID_POLICY_EXTENSION = 42;
    /** {@code X509_V_ERR_NO_EXPLICIT_POLICY}: no explicit policy. */
    public static final int NO_EXPLICIT_POLICY = 43;
    /** {@code X509_V_ERR_DIFFERENT_CRL_SCOPE}: different CRL scope. */
    public static final int DIFFERENT_CRL_SCOPE = 44;
    /** {@code X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE}: unsupported extension feature. */
    public static final int UNSUPPORTED_EXTENSION_FEATURE = 45;
    /** {@code X509_V_ERR_UNNESTED_RESOURCE}: RFC 3779 resource not subset of parent's resources. */
    public static final int UNNESTED_RESOURCE = 46;
    /** {@code X509_V_ERR_PERMITTED_VIOLATION}: permitted subtree violation. */
    public static final int PERMITTED_VIOLATION = 47;
    /** {@code X509_V_ERR_EXCLUDED_VIOLATION}: excluded subtree violation. */
    public static final int EXCLUDED_VIOLATION = 48;
    /** {@code X509_V_ERR_SUBTREE_MINMAX}: name constraints minimum and maximum not supported. */
    public static final int SUBTREE_MINMAX = 49;
    /** {@code X509_V_ERR_APPLICATION_VERIFICATION}: application verification failure. */
    public static final int APPLICATION_VERIFICATION = 50;
    /** {@code X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE}: unsupported name constraint type. */
    public static final int UNSUPPORTED_CONSTRAINT_TYPE = 51;
    /** {@code X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX}: unsupported or invalid name constraint syntax. */
    public static final int UNSUPPORTED_CONSTRAINT_SYNTAX = 52;
    /** {@code X509_V_ERR_UNSUPPORTED_NAME_SYNTAX}: unsupported or invalid name syntax. */
    public static final int UNSUPPORTED_NAME_SYNTAX = 53;
    /** {@code X509_V_ERR_CRL_PATH_VALIDATION_ERROR}: CRL path validation error. */
    public static final int CRL_PATH_VALIDATION_ERROR = 54;
    /** {@code X509_V_ERR_PATH_LOOP}: path loop. */
    public static final int PATH_LOOP = 55;
    /** {@code X509_V_ERR_SUITE_B_INVALID_VERSION}: Suite B: certificate version invalid. */
    public static final int SUITE_B_INVALID_VERSION = 56;
    /** {@code X509_V_ERR_SUITE_B_INVALID_ALGORITHM}: Suite B: invalid public key algorithm. */
    public static final int SUITE_B_INVALID_ALGORITHM = 57;
    /** {@code X509_V_ERR_SUITE_B_INVALID_CURVE}: Suite B: invalid ECC curve. */
    public static final int SUITE_B_INVALID_CURVE = 58;
    /** {@code X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM}: Suite B: invalid signature algorithm. */
    public static final int SUITE_B_INVALID_SIGNATURE_ALGORITHM = 59;
    /** {@code X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED}: Suite B: curve not allowed for this LOS. */
    public static final int SUITE_B_LOS_NOT_ALLOWED = 60;
    /** {@code X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256}: Suite B: cannot sign P-384 with P-256. */
    public static final int SUITE_B_CANNOT_SIGN_P_384_WITH_P_256 = 61;
    /** {@code X509_V_ERR_HOSTNAME_MISMATCH}: hostname mismatch. */
    public static final int HOSTNAME_MISMATCH = 62;
    /** {@code X509_V_ERR_EMAIL_MISMATCH}: email address mismatch. */
    public static final int EMAIL_MISMATCH = 63;
    /** {@code X509_V_ERR_IP_ADDRESS_MISMATCH}: IP address mismatch. */
    public static final int IP_ADDRESS_MISMATCH = 64;
    /** {@code X509_V_ERR_DANE_NO_MATCH}: no matching DANE TLSA records. */
    public static final int DANE_NO_MATCH = 65;
    /** {@code X509_V_ERR_EE_KEY_TOO_SMALL}: EE certificate key too weak. */
    public static final int EE_KEY_TOO_SMALL = 66;
    /** {@code X509_V_ERR_CA_KEY_TOO_SMALL}: CA certificate key too weak. */
    public static final int CA_KEY_TOO_SMALL = 67;
    /** {@code X509_V_ERR_CA_MD_TOO_WEAK}: CA signature digest algorithm too weak. */
    public static final int CA_MD_TOO_WEAK = 68;
    /** {@code X509_V_ERR_INVALID_CALL}: invalid certificate verification context. */
    public static final int INVALID_CALL = 69;
    /** {@code X509_V_ERR_STORE_LOOKUP}: issuer certificate lookup error. */
    public static final int STORE_LOOKUP = 70;
    /** {@code X509_V_ERR_NO_VALID_SCTS}: Certificate Transparency required, but no valid SCTs found. */
    public static final int NO_VALID_SCTS = 71;
    /** {@code X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION}: proxy subject name violation. */
    public static final int PROXY_SUBJECT_NAME_VIOLATION = 72;
    /** {@code X509_V_ERR_OCSP_VERIFY_NEEDED}: OCSP verification needed. */
    public static final int OCSP_VERIFY_NEEDED = 73;
    /** {@code X509_V_ERR_OCSP_VERIFY_FAILED}: OCSP verification failed. */
    public static final int OCSP_VERIFY_FAILED = 74;
    /** {@code X509_V_ERR_OCSP_CERT_UNKNOWN}: OCSP unknown cert. */
    public static final int OCSP_CERT_UNKNOWN = 75;
    /** {@code X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM}: Cannot find certificate signature algorithm. */
    public static final int UNSUPPORTED_SIGNATURE_ALGORITHM = 76;
    /** {@code X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH}: subject signature algorithm and issuer public key algorithm mismatch. */
    public static final int SIGNATURE_ALGORITHM_MISMATCH = 77;
    /** {@code X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY}: cert info signature and signature algorithm mismatch. */
    public static final int SIGNATURE_ALGORITHM_INCONSISTENCY = 78;
    /** {@code X509_V_ERR_INVALID_CA}: invalid CA certificate. */
    public static final int INVALID_CA = 79;
    /** {@code X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA}: Path length invalid for non-CA cert. */
    public static final int PATHLEN_INVALID_FOR_NON_CA = 80;
    /** {@code X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN}: Path length given without key usage keyCertSign. */
    public static final int PATHLEN_WITHOUT_KU_KEY_CERT_SIGN = 81;
    /** {@code X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA}: Key usage keyCertSign invalid for non-CA cert. */
    public static final int KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA = 82;
    /** {@code X509_V_ERR_ISSUER_NAME_EMPTY}: Issuer name empty. */
    public static final int ISSUER_NAME_EMPTY = 83;
    /** {@code X509_V_ERR_SUBJECT_NAME_EMPTY}: Subject name empty. */
    public static final int SUBJECT_NAME_EMPTY = 84;
    /** {@code X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER}: Missing Authority Key Identifier. */
    public static final int MISSING_AUTHORITY_KEY_IDENTIFIER = 85;
    /** {@code X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER}: Missing Subject Key Identifier. */
    public static final int MISSING_SUBJECT_KEY_IDENTIFIER = 86;
    /** {@code X509_V_ERR_EMPTY_SUBJECT_ALT_NAME}: Empty Subject Alternative Name extension. */
    public static final int EMPTY_SUBJECT_ALT_NAME = 87;
    /** {@code X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL}: Subject empty and Subject Alt Name extension not critical. */
    public static final int EMPTY_SUBJECT_SAN_NOT_CRITICAL = 88;
    /** {@code X509_V_ERR_CA_BCONS_NOT_CRITICAL}: Basic Constraints of CA cert not marked critical. */
    public static final int CA_BCONS_NOT_CRITICAL = 89;
    /** {@code X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL}: Authority Key Identifier marked critical. */
    public static final int AUTHORITY_KEY_IDENTIFIER_CRITICAL = 90;
    /** {@code X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL}: Subject Key Identifier marked critical. */
    public static final int SUBJECT_KEY_IDENTIFIER_CRITICAL = 91;
    /** {@code X509_V_ERR_CA_CERT_MISSING_KEY_USAGE}: CA cert does not include key usage extension. */
    public static final int CA_CERT_MISSING_KEY_USAGE = 92;
    /** {@code X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3}: Using cert extension requires at least X509v3. */
    public static final int EXTENSIONS_REQUIRE_VERSION_3 = 93;
    /** {@code X509_V_ERR_EC_KEY_EXPLICIT_PARAMS}: Certificate public key has explicit ECC parameters. */
    public static final int EC_KEY_EXPLICIT_PARAMS = 94;

    private X509VerifyCodes() {
    }

    /** OpenSSL's text for {@code code}, {@code "unknown certificate verification error"} for unknown numbers. */
    public static String message(int code) {
        return switch (code) {
            case OK -> "ok";
            case UNSPECIFIED -> "unspecified certificate verification error";
            case UNABLE_TO_GET_ISSUER_CERT -> "unable to get issuer certificate";
            case UNABLE_TO_GET_CRL -> "unable to get certificate CRL";
            case UNABLE_TO_DECRYPT_CERT_SIGNATURE -> "unable to decrypt certificate's signature";
            case UNABLE_TO_DECRYPT_CRL_SIGNATURE -> "unable to decrypt CRL's signature";
            case UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY -> "unable to decode issuer public key";
            case CERT_SIGNATURE_FAILURE -> "certificate signature failure";
            case CRL_SIGNATURE_FAILURE -> "CRL signature failure";
            case CERT_NOT_YET_VALID -> "certificate is not yet valid";
            case CERT_HAS_EXPIRED -> "certificate has expired";
            case CRL_NOT_YET_VALID -> "CRL is not yet valid";
            case CRL_HAS_EXPIRED -> "CRL has expired";
            case ERROR_IN_CERT_NOT_BEFORE_FIELD -> "format error in certificate's notBefore field";
            case ERROR_IN_CERT_NOT_AFTER_FIELD -> "format error in certificate's notAfter field";
            case ERROR_IN_CRL_LAST_UPDATE_FIELD -> "format error in CRL's lastUpdate field";
            case ERROR_IN_CRL_NEXT_UPDATE_FIELD -> "format error in CRL's nextUpdate field";
            case OUT_OF_MEM -> "out of memory";
            case DEPTH_ZERO_SELF_SIGNED_CERT -> "self-signed certificate";
            case SELF_SIGNED_CERT_IN_CHAIN -> "self-signed certificate in certificate chain";
            case UNABLE_TO_GET_ISSUER_CERT_LOCALLY -> "unable to get local issuer certificate";
            case UNABLE_TO_VERIFY_LEAF_SIGNATURE -> "unable to verify the first certificate";
            case CERT_CHAIN_TOO_LONG -> "certificate chain too long";
            case CERT_REVOKED -> "certificate revoked";
            case NO_ISSUER_PUBLIC_KEY -> "issuer certificate doesn't have a public key";
            case PATH_LENGTH_EXCEEDED -> "path length constraint exceeded";
            case INVALID_PURPOSE -> "unsuitable certificate purpose";
            case CERT_UNTRUSTED -> "certificate not trusted";
            case CERT_REJECTED -> "certificate rejected";
            case SUBJECT_ISSUER_MISMATCH -> "subject issuer mismatch";
            case AKID_SKID_MISMATCH -> "authority and subject key identifier mismatch";
            case AKID_ISSUER_SERIAL_MISMATCH -> "authority and issuer serial number mismatch";
            case KEYUSAGE_NO_CERTSIGN -> "key usage does not include certificate signing";
            case UNABLE_TO_GET_CRL_ISSUER -> "unable to get CRL issuer certificate";
            case UNHANDLED_CRITICAL_EXTENSION -> "unhandled critical extension";
            case KEYUSAGE_NO_CRL_SIGN -> "key usage does not include CRL signing";
            case UNHANDLED_CRITICAL_CRL_EXTENSION -> "unhandled critical CRL extension";
            case INVALID_NON_CA -> "invalid non-CA certificate (has CA markings)";
            case PROXY_PATH_LENGTH_EXCEEDED -> "proxy path length constraint exceeded";
            case KEYUSAGE_NO_DIGITAL_SIGNATURE -> "key usage does not include digital signature";
            case PROXY_CERTIFICATES_NOT_ALLOWED -> "proxy certificates not allowed, please set the appropriate flag";
            case INVALID_EXTENSION -> "invalid or inconsistent certificate extension";
            case INVALID_POLICY_EXTENSION -> "invalid or inconsistent certificate policy extension";
            case NO_EXPLICIT_POLICY -> "no explicit policy";
            case DIFFERENT_CRL_SCOPE -> "different CRL scope";
            case UNSUPPORTED_EXTENSION_FEATURE -> "unsupported extension feature";
            case UNNESTED_RESOURCE -> "RFC 3779 resource not subset of parent's resources";
            case PERMITTED_VIOLATION -> "permitted subtree violation";
            case EXCLUDED_VIOLATION -> "excluded subtree violation";
            case SUBTREE_MINMAX -> "name constraints minimum and maximum not supported";
            case APPLICATION_VERIFICATION -> "application verification failure";
            case UNSUPPORTED_CONSTRAINT_TYPE -> "unsupported name constraint type";
            case UNSUPPORTED_CONSTRAINT_SYNTAX -> "unsupported or invalid name constraint syntax";
            case UNSUPPORTED_NAME_SYNTAX -> "unsupported or invalid name syntax";
            case CRL_PATH_VALIDATION_ERROR -> "CRL path validation error";
            case PATH_LOOP -> "path loop";
            case SUITE_B_INVALID_VERSION -> "Suite B: certificate version invalid";
            case SUITE_B_INVALID_ALGORITHM -> "Suite B: invalid public key algorithm";
            case SUITE_B_INVALID_CURVE -> "Suite B: invalid ECC curve";
            case SUITE_B_INVALID_SIGNATURE_ALGORITHM -> "Suite B: invalid signature algorithm";
            case SUITE_B_LOS_NOT_ALLOWED -> "Suite B: curve not allowed for this LOS";
            case SUITE_B_CANNOT_SIGN_P_384_WITH_P_256 -> "Suite B: cannot sign P-384 with P-256";
            case HOSTNAME_MISMATCH -> "hostname mismatch";
            case EMAIL_MISMATCH -> "email address mismatch";
            case IP_ADDRESS_MISMATCH -> "IP address mismatch";
            case DANE_NO_MATCH -> "no matching DANE TLSA records";
            case EE_KEY_TOO_SMALL -> "EE certificate key too weak";
            case CA_KEY_TOO_SMALL -> "CA certificate key too weak";
            case CA_MD_TOO_WEAK -> "CA signature digest algorithm too weak";
            case INVALID_CALL -> "invalid certificate verification context";
            case STORE_LOOKUP -> "issuer certificate lookup error";
            case NO_VALID_SCTS -> "Certificate Transparency required, but no valid SCTs found";
            case PROXY_SUBJECT_NAME_VIOLATION -> "proxy subject name violation";
            case OCSP_VERIFY_NEEDED -> "OCSP verification needed";
            case OCSP_VERIFY_FAILED -> "OCSP verification failed";
            case OCSP_CERT_UNKNOWN -> "OCSP unknown cert";
            case UNSUPPORTED_SIGNATURE_ALGORITHM -> "Cannot find certificate signature algorithm";
            case SIGNATURE_ALGORITHM_MISMATCH -> "subject signature algorithm and issuer public key algorithm mismatch";
            case SIGNATURE_ALGORITHM_INCONSISTENCY -> "cert info signature and signature algorithm mismatch";
            case INVALID_CA -> "invalid CA certificate";
            case PATHLEN_INVALID_FOR_NON_CA -> "Path length invalid for non-CA cert";
            case PATHLEN_WITHOUT_KU_KEY_CERT_SIGN -> "Path length given without key usage keyCertSign";
            case KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA -> "Key usage keyCertSign invalid for non-CA cert";
            case ISSUER_NAME_EMPTY -> "Issuer name empty";
            case SUBJECT_NAME_EMPTY -> "Subject name empty";
            case MISSING_AUTHORITY_KEY_IDENTIFIER -> "Missing Authority Key Identifier";
            case MISSING_SUBJECT_KEY_IDENTIFIER -> "Missing Subject Key Identifier";
            case EMPTY_SUBJECT_ALT_NAME -> "Empty Subject Alternative Name extension";
            case EMPTY_SUBJECT_SAN_NOT_CRITICAL -> "Subject empty and Subject Alt Name extension not critical";
            case CA_BCONS_NOT_CRITICAL -> "Basic Constraints of CA cert not marked critical";
            case AUTHORITY_KEY_IDENTIFIER_CRITICAL -> "Authority Key Identifier marked critical";
            case SUBJECT_KEY_IDENTIFIER_CRITICAL -> "Subject Key Identifier marked critical";
            case CA_CERT_MISSING_KEY_USAGE -> "CA cert does not include key usage extension";
            case EXTENSIONS_REQUIRE_VERSION_3 -> "Using cert extension requires at least X509v3";
            case EC_KEY_EXPLICIT_PARAMS -> "Certificate public key has explicit ECC parameters";
            default -> "unknown certificate verification error";
        };
    }
}
