package dev.ferry.peer;

import java.math.BigInteger;
import java.net.Socket;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates Ferry would never make, and TLS contexts that present them and trust anything: the tests' rogues. */
final class TestCertificates {
    record Identity(KeyPair keys, X509Certificate certificate) {}

    private TestCertificates() {}

    /** {@code algorithm} "EC" with a curve name, or "RSA" with a key size. */
    static KeyPair keys(String algorithm, String parameter) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (algorithm.equals("EC")) {
            generator.initialize(new ECGenParameterSpec(parameter));
        } else {
            generator.initialize(Integer.parseInt(parameter));
        }
        return generator.generateKeyPair();
    }

    static Identity selfSigned(String algorithm, String parameter) throws Exception {
        KeyPair keys = keys(algorithm, parameter);
        return new Identity(keys, certificate(keys, keys, Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(365)));
    }

    /** A certificate for {@code subject}'s key, named as self-issued, but signed with {@code signer}'s key. */
    static X509Certificate certificate(KeyPair subject, KeyPair signer, Instant notBefore, Duration validity) throws Exception {
        X500Name name = new X500Name("CN=ferry");
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()), Date.from(notBefore),
                Date.from(notBefore.plus(validity)), name, subject.getPublic());
        String signature = signer.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder(signature).build(signer.getPrivate())));
    }

    /** A TLS 1.3 context (or {@code protocol}) presenting {@code identity} and trusting any peer. */
    static SSLContext rogueContext(Identity identity, String protocol) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("rogue", identity.keys().getPrivate(), new char[0], new Certificate[] {identity.certificate()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance(protocol);
        context.init(keys.getKeyManagers(), new TrustManager[] {new TrustingAnything()}, null);
        return context;
    }

    private static final class TrustingAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
