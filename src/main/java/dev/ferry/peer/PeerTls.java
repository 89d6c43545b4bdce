package dev.ferry.peer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Mutually authenticated TLS 1.3 between nodes, each end pinned to the other's {@link PeerId}. Thread-safe:
 * one instance per node serves every listener and dial at once.
 *
 * <p>Both ends present their {@link NodeIdentity} certificate and check the other's with a
 * {@link PinnedTrustManager}. Only TLS 1.3 is enabled, AES-128-GCM first (it is hardware-accelerated
 * almost everywhere), and no SNI is sent. Every handshake checks a certificate: each dial gets a fresh
 * {@link SSLContext}, so our clients never resume a session, and {@link #handshake} refuses a client that
 * does (resumption would skip the trust manager, and with it a {@link PeerTrust} that may have changed).
 *
 * <p>In TLS 1.3 the client finishes its handshake before the server has judged the client's certificate.
 * So that {@link #connect} fails when the server refuses us, rather than the first read after it, the
 * server's {@link #handshake} ends by sending one byte, {@link #ACCEPTED}, inside the encrypted channel,
 * and {@code connect} reads it before returning. After that, the streams carry only the link protocol.
 *
 * <p>Use: a listener thread calls {@code accept()} on the socket from {@link #listen} and hands each socket
 * to its own (virtual) thread, which calls {@link #handshake}; a dialler calls {@link #connect}. Either way
 * no application byte is read before the peer is authenticated, every step is bounded by a deadline, and a
 * failure closes the socket and throws an {@link IOException} ({@link SSLHandshakeException} for a refused
 * peer, naming address and ids; {@link SocketTimeoutException} for a deadline).
 */
public final class PeerTls {
    /** The only protocol offered or accepted. */
    static final String PROTOCOL = "TLSv1.3";
    /** In order of preference; the server's order wins. */
    static final String[] CIPHER_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};
    /** The byte a server sends once it has authenticated and accepted the client. */
    static final int ACCEPTED = 0x01;
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int EXPIRED = 2;

    /**
     * Closes sockets whose handshake misses its deadline. One thread only schedules; the close itself runs on
     * a virtual thread, so a close that blocks (an alert the peer never reads) cannot delay other deadlines.
     */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final NodeIdentity identity;
    private final KeyManager[] keyManagers;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** Sockets whose client certificate an incoming trust manager accepted; see {@link PinnedTrustManager}. */
    private final Map<Socket, PeerId> acceptedIncoming = Collections.synchronizedMap(new WeakHashMap<>());

    public PeerTls(NodeIdentity identity) {
        this(identity, Clock.systemUTC());
    }

    /** {@code clock} decides whether a peer's certificate is inside its validity period. */
    PeerTls(NodeIdentity identity, Clock clock) {
        this.identity = identity;
        this.clock = clock;
        this.keyManagers = keyManagers(identity);
    }

    /** This node's id, as peers will see it. */
    public PeerId localId() {
        return identity.peerId();
    }

    /**
     * A server socket bound to {@code bind} that requires TLS 1.3 and a client certificate, admitting a client
     * only if {@code incomingTrust} accepts its id. Accepting does not handshake: pass each accepted socket to
     * {@link #handshake}.
     */
    public ServerSocket listen(InetSocketAddress bind, PeerTrust incomingTrust) throws IOException {
        SSLContext context = context(PinnedTrustManager.incoming(incomingTrust, acceptedIncoming, clock));
        SSLParameters parameters = parameters();
        parameters.setNeedClientAuth(true);
        ServerSocket server = new TlsServerSocket(context, parameters);
        try {
            server.setReuseAddress(true);
            server.bind(bind);
            return server;
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Completes the handshake of a socket accepted from a {@link #listen} socket within {@code timeout} and
     * returns the authenticated id of the peer. On failure the socket is closed.
     */
    public PeerId handshake(SSLSocket accepted, Duration timeout) throws IOException {
        String peer = "incoming peer from " + PinnedTrustManager.describe(accepted.getRemoteSocketAddress());
        try {
            accepted.setTcpNoDelay(true);
            return beforeDeadline(accepted, timeout, peer, () -> {
                accepted.startHandshake();
                PeerId id = peerIdOf(accepted.getSession());
                if (!id.equals(acceptedIncoming.remove(accepted))) {
                    throw refused(peer + " with id " + id + " completed a handshake that skipped the trust check"
                            + " (a resumed session?)");
                }
                OutputStream out = accepted.getOutputStream();
                out.write(ACCEPTED);
                out.flush();
                return id;
            });
        } catch (SocketTimeoutException e) {
            throw failed(accepted, e);
        } catch (IOException e) {
            throw failed(accepted, handshakeFailure(peer, e, null));
        } catch (RuntimeException e) {
            throw failed(accepted, e);
        }
    }

    private <E extends Exception> E failed(SSLSocket accepted, E e) {
        acceptedIncoming.remove(accepted);
        closeQuietly(accepted);
        return e;
    }

    /**
     * Connects to {@code address}, completes the TLS handshake and waits for the peer to accept us, all within
     * {@code timeout}. With a non-null {@code expected} id only that peer is accepted; with null any well-formed
     * peer is, and the caller reads the id it saw with {@link #peerIdOf} and records it (trust on first use
     * of an address the user typed). The socket has TCP_NODELAY set; on failure it is closed.
     */
    public SSLSocket connect(InetSocketAddress address, PeerId expected, Duration timeout) throws IOException {
        String peer = "peer at " + PinnedTrustManager.describe(address);
        long deadline = System.nanoTime() + timeout.toNanos();
        Socket raw = new BufferedSocket();
        try {
            raw.setTcpNoDelay(true);
            try {
                raw.connect(address, (int) Math.max(1, timeout.toMillis()));
            } catch (SocketTimeoutException e) {
                throw (SocketTimeoutException) timedOut("connecting to " + peer, timeout).initCause(e);
            } catch (IOException e) {
                throw (ConnectException) new ConnectException("cannot connect to " + peer + ": " + e.getMessage()).initCause(e);
            }
            PinnedTrustManager trustManager = PinnedTrustManager.outgoing(address, expected, clock);
            SSLSocket socket = (SSLSocket) context(trustManager).getSocketFactory()
                    .createSocket(raw, address.getHostString(), address.getPort(), true);
            TlsServerSocket.UNDERLYING.put(socket, raw);
            socket.setUseClientMode(true);
            SSLParameters parameters = parameters();
            parameters.setServerNames(List.of());
            socket.setSSLParameters(parameters);
            Duration remaining = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            try {
                beforeDeadline(raw, remaining, peer, () -> {
                    socket.startHandshake();
                    PeerId id = peerIdOf(socket.getSession());
                    if (expected != null && !expected.equals(id)) {
                        throw refused(peer + " presented id " + id + " but " + expected + " was expected");
                    }
                    int answer = socket.getInputStream().read();
                    if (answer != ACCEPTED) {
                        throw new SSLHandshakeException(answer < 0 ? "it closed the connection"
                                : "it answered " + answer + " instead of " + ACCEPTED + "; is it a Ferry node?");
                    }
                    return id;
                });
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw handshakeFailure(peer, e, trustManager.acceptedServer());
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(raw);
            throw e;
        }
    }

    /** The authenticated id of the other end of a completed handshake. */
    public static PeerId peerIdOf(SSLSession session) throws SSLPeerUnverifiedException {
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
            throw new SSLPeerUnverifiedException("the peer presented no X.509 certificate");
        }
        return PeerId.fromCertificate(certificate);
    }

    /**
     * The exception a failed handshake surfaces as: our own trust manager's verdict if it refused the peer,
     * else, if it had accepted the peer, the peer refusing us (in TLS 1.3 the client learns that only from
     * the alert or the closed connection after its own handshake), else a generic failure naming the peer.
     */
    private SSLHandshakeException handshakeFailure(String peer, IOException e, PeerId acceptedPeer) {
        String message;
        CertificateException verdict = verdictIn(e);
        if (verdict != null) {
            message = verdict.getMessage();
        } else if (acceptedPeer != null) {
            message = peer + " with id " + acceptedPeer + " refused our id " + localId() + " or dropped the connection: "
                    + e.getMessage();
        } else {
            message = peer + ": TLS handshake failed: " + e.getMessage();
        }
        SSLHandshakeException failure = new SSLHandshakeException(message);
        failure.initCause(e);
        return failure;
    }

    private static CertificateException verdictIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException verdict) {
                return verdict;
            }
        }
        return null;
    }

    /** A refusal decided here after the handshake, shaped like one from the trust manager. */
    private static SSLHandshakeException refused(String message) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(new CertificateException(message));
        return e;
    }

    private SSLContext context(PinnedTrustManager trustManager) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keyManagers, new TrustManager[] {trustManager}, random);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS 1.3: " + e.getMessage(), e);
        }
    }

    private static SSLParameters parameters() {
        SSLParameters parameters = new SSLParameters(CIPHER_SUITES.clone(), new String[] {PROTOCOL});
        parameters.setUseCipherSuitesOrder(true);
        return parameters;
    }

    /**
     * SunX509 rather than the default PKIX key manager: it reads the key once, where PKIX re-reads (and for
     * PKCS#12 re-decrypts) entries it has cached only softly, a latency spike in handshakes under memory pressure.
     */
    private static KeyManager[] keyManagers(NodeIdentity identity) {
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("node", identity.privateKey(), password, new Certificate[] {identity.certificate()});
            KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
            factory.init(store, password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot use node identity " + identity.peerId() + " for TLS: " + e.getMessage(), e);
        }
    }

    private interface Step<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code step}, closing {@code socket} if it has not finished within {@code timeout}. Whichever of the
     * step and the alarm finishes first wins the {@code state}; a step that finishes after the alarm fails with a
     * {@link SocketTimeoutException}, whatever it returned or threw on the closed socket.
     */
    private static <T> T beforeDeadline(Socket socket, Duration timeout, String peer, Step<T> step) throws IOException {
        AtomicInteger state = new AtomicInteger(RUNNING);
        ScheduledFuture<?> alarm = DEADLINES.schedule(() -> {
            if (state.compareAndSet(RUNNING, EXPIRED)) {
                Thread.startVirtualThread(() -> {
                    Socket under = TlsServerSocket.UNDERLYING.get(socket);
                    if (under != null) {
                        closeQuietly(under);
                    }
                    closeQuietly(socket);
                });
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            T result = step.run();
            if (state.compareAndSet(RUNNING, DONE)) {
                return result;
            }
            throw timedOut("TLS handshake with " + peer, timeout);
        } catch (IOException e) {
            if (state.compareAndSet(RUNNING, DONE)) {
                throw e;
            }
            throw (SocketTimeoutException) timedOut("TLS handshake with " + peer, timeout).initCause(e);
        } finally {
            state.compareAndSet(RUNNING, DONE);
            alarm.cancel(false);
        }
    }

    private static SocketTimeoutException timedOut(String what, Duration timeout) {
        return new SocketTimeoutException(what + " did not complete within " + timeout.toMillis() + " ms");
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already failing or timed out; the caller reports that.
        }
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "ferry-tls-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
