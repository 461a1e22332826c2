package io.certgate.pep.assertion;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * One assertion signing key: a PEM private key (PKCS#8 or SEC1/PKCS#1, unencrypted) and its key id. The
 * algorithm follows the key: EC P-256 signs ES256 (the default to generate), P-384 ES384, RSA (2048 bits or
 * more) RS256.
 */
public record SigningKey(String kid, JWSAlgorithm algorithm, JWK jwk) {

    /**
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it holds no usable private key (the message says why)
     */
    public static SigningKey load(String kid, Path file) throws IOException {
        PrivateKey key = readPrivateKey(file);
        try {
            if (key instanceof ECPrivateKey ec) {
                Curve curve = Curve.forECParameterSpec(ec.getParams());
                JWSAlgorithm alg = Curve.P_256.equals(curve) ? JWSAlgorithm.ES256
                        : Curve.P_384.equals(curve) ? JWSAlgorithm.ES384 : null;
                if (alg == null) {
                    throw new IllegalArgumentException("EC keys must be on P-256 (ES256) or P-384 (ES384)");
                }
                ECKey jwk = new ECKey.Builder(curve, ecPublic(ec)).privateKey(ec).keyID(kid).algorithm(alg)
                        .keyUse(KeyUse.SIGNATURE).build();
                return new SigningKey(kid, alg, jwk);
            }
            if (key instanceof RSAPrivateCrtKey rsa) {
                if (rsa.getModulus().bitLength() < 2048) {
                    throw new IllegalArgumentException("RSA keys must have at least 2048 bits");
                }
                RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                RSAKey jwk = new RSAKey.Builder(pub).privateKey(rsa).keyID(kid).algorithm(JWSAlgorithm.RS256)
                        .keyUse(KeyUse.SIGNATURE).build();
                return new SigningKey(kid, JWSAlgorithm.RS256, jwk);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot derive the public key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("not an EC (P-256, P-384) or RSA private key: " + key.getAlgorithm());
    }

    /** The public half, as published in the JWKS. */
    public JWK publicJwk() {
        return jwk.toPublicJWK();
    }

    private static PrivateKey readPrivateKey(Path file) throws IOException {
        Object pem;
        try (Reader r = Files.newBufferedReader(file); PEMParser parser = new PEMParser(r)) {
            pem = parser.readObject();
        } catch (RuntimeException e) {
            // BouncyCastle reports a PEM body that is not base64 with an unchecked DecoderException
            throw new IllegalArgumentException("not a readable PEM private key: " + e.getMessage(), e);
        }
        PrivateKeyInfo info;
        if (pem instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else if (pem instanceof PrivateKeyInfo p) {
            info = p;
        } else {
            throw new IllegalArgumentException("no unencrypted PEM private key (BEGIN PRIVATE KEY, BEGIN EC PRIVATE"
                    + " KEY or BEGIN RSA PRIVATE KEY) found");
        }
        return new JcaPEMKeyConverter().getPrivateKey(info);
    }

    private static ECPublicKey ecPublic(ECPrivateKey key) throws GeneralSecurityException {
        org.bouncycastle.math.ec.ECPoint q = EC5Util.convertSpec(key.getParams()).getG().multiply(key.getS())
                .normalize();
        ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, key.getParams()));
    }
}
