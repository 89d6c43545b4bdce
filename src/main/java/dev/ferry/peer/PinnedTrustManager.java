package dev.ferry.peer;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.time.Clock;
import java.util.Date;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Authenticates the other end of one peer link by the hash of its certificate, never by a CA or a
 * name. Thread-safe: the JDK may call it from any handshake thread.
 *
 * <p>A peer must present exactly one certificate, self-issued and signed by its own key, inside its
 * validity period, with an EC P-256 key. Its {@link PeerId} must then be the one we dialled
 * ({@link #outgoing}; with no expected id any well-formed peer is accepted and the caller records the id
 * it saw, trust on first use) or one that the node's {@link PeerTrust} accepts ({@link #incoming}).
 * Rejections are {@link CertificateException}s whose message names the address and both ids; the JDK
 * turns them into a fatal alert and an {@code SSLHandshakeException}.
 *
 * <p>An incoming manager records each socket whose certificate it accepted in a map shared with
 * {@link PeerTls#handshake}, which refuses a completed handshake that never reached this check (a
 * resumed TLS session skips the trust manager).
 */
final class PinnedTrustManager extends X509ExtendedTrustManager {
    private static final ECParameterSpec P256 = p256();
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final Clock clock;
    private final String dialled;
    private final PeerId expected;
    private final PeerTrust trust;
    private final Map<Socket, PeerId> accepted;
    /** For an outgoing manager, which serves one connection: the server id it accepted, if any. */
    private volatile PeerId acceptedServer;

    private PinnedTrustManager(Clock clock, String dialled, PeerId expected, PeerTrust trust,
            Map<Socket, PeerId> accepted) {
        this.clock = clock;
        this.dialled = dialled;
        this.expected = expected;
        this.trust = trust;
        this.accepted = accepted;
    }

    /** For a connection we make to {@code address}; {@code expected} null accepts any well-formed peer. */
    static PinnedTrustManager outgoing(InetSocketAddress address, PeerId expected, Clock clock) {
        return new PinnedTrustManager(clock, "peer at " + describe(address), expected, null, null);
    }

    /** For connections made to us; accepted sockets are put in {@code accepted}. */
    static PinnedTrustManager incoming(PeerTrust trust, Map<Socket, PeerId> accepted, Clock clock) {
        return new PinnedTrustManager(clock, null, null, trust, accepted);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServer(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        PeerId id = checkClient(chain, socket == null ? "incoming peer" : "incoming peer from "
                + describe(socket.getRemoteSocketAddress()));
        if (socket != null) {
            accepted.put(socket, id);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClient(chain, "incoming peer from " + engine.getPeerHost() + ":" + engine.getPeerPort());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClient(chain, "incoming peer");
    }

    /** No CA names go in the certificate request: a peer presents its one certificate whatever we say. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }

    private void checkServer(X509Certificate[] chain) throws CertificateException {
        if (trust != null) {
            throw new CertificateException("this trust manager judges incoming peers, not servers we dial");
        }
        PeerId id = verify(chain, dialled, expected, clock);
        if (expected != null && !expected.equals(id)) {
            throw new CertificateException(dialled + " presented id " + id + " but " + expected + " was expected");
        }
        acceptedServer = id;
    }

    /** The id of the server this outgoing manager accepted, or null if it has accepted none (yet). */
    PeerId acceptedServer() {
        return acceptedServer;
    }

    private PeerId checkClient(X509Certificate[] chain, String peer) throws CertificateException {
        if (trust == null) {
            throw new CertificateException("this trust manager judges servers we dial, not incoming peers");
        }
        PeerId id = verify(chain, peer, null, clock);
        if (!trust.accepts(id)) {
            throw new CertificateException(peer + " presented id " + id + ", which this node does not trust");
        }
        return id;
    }

    /**
     * Checks the form of a peer's chain and returns its id. {@code peer} ("peer at host:port") and the
     * expected id, if known, are put in the message of any rejection.
     */
    static PeerId verify(X509Certificate[] chain, String peer, PeerId expected, Clock clock) throws CertificateException {
        String expecting = expected == null ? "" : " (expected " + expected + ")";
        if (chain == null || chain.length == 0) {
            throw new CertificateException(peer + " presented no certificate" + expecting);
        }
        X509Certificate certificate = chain[0];
        PeerId id = PeerId.fromCertificate(certificate);
        String who = peer + " with id " + id + expecting;
        if (chain.length != 1) {
            throw new CertificateException(who + " presented a chain of " + chain.length
                    + " certificates; a Ferry peer presents exactly one, self-signed");
        }
        PublicKey key = certificate.getPublicKey();
        if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
            throw new CertificateException(who + " has a " + describe(key) + " key; a Ferry peer has an EC P-256 key");
        }
        try {
            certificate.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException e) {
            throw new CertificateException(who + " presented a certificate that expired at "
                    + certificate.getNotAfter().toInstant() + " (now " + clock.instant() + ")", e);
        } catch (CertificateNotYetValidException e) {
            throw new CertificateException(who + " presented a certificate that is valid only from "
                    + certificate.getNotBefore().toInstant() + " (now " + clock.instant() + "); is a clock wrong?", e);
        }
        if (!certificate.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
            throw new CertificateException(who + " presented a certificate issued by someone else; a Ferry peer's"
                    + " certificate is self-signed");
        }
        try {
            certificate.verify(key);
        } catch (GeneralSecurityException e) {
            throw new CertificateException(who + " presented a certificate not signed by its own key", e);
        }
        return id;
    }

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    private static String describe(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit (not P-256)";
        }
        return key.getAlgorithm();
    }

    private static boolean isP256(ECParameterSpec spec) {
        return spec.getCurve().equals(P256.getCurve())
                && spec.getOrder().equals(P256.getOrder())
                && spec.getGenerator().equals(P256.getGenerator())
                && spec.getCofactor() == P256.getCofactor();
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM does not know the EC curve P-256 (secp256r1)", e);
        }
    }
}
