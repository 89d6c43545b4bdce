package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS between real identities on 127.0.0.1. */
class PeerTlsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final byte[] PING = "ping!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong!".getBytes(StandardCharsets.US_ASCII);
    private static NodeIdentity alice;
    private static NodeIdentity bob;
    private static NodeIdentity carol;
    private static PeerTls aliceTls;
    private static PeerTls bobTls;

    @BeforeAll
    static void identities(@TempDir Path dir) throws IOException {
        alice = NodeIdentity.loadOrCreate(dir.resolve("alice"));
        bob = NodeIdentity.loadOrCreate(dir.resolve("bob"));
        carol = NodeIdentity.loadOrCreate(dir.resolve("carol"));
        aliceTls = new PeerTls(alice);
        bobTls = new PeerTls(bob);
    }

    interface Handler {
        void handle(SSLSocket socket, PeerId peer) throws IOException;
    }

    /**
     * A node's listener as the connection layer will run it: accept on one thread, handshake each socket on a
     * virtual thread of its own. Each handshake's outcome (the peer's id or the exception) goes to {@link #outcomes}.
     */
    static final class Listener implements AutoCloseable {
        final java.net.ServerSocket server;
        final BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();

        Listener(PeerTls tls, PeerTrust trust, Duration timeout, Handler handler) throws IOException {
            server = tls.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), trust);
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        SSLSocket socket = (SSLSocket) server.accept();
                        Thread.startVirtualThread(() -> {
                            try (socket) {
                                PeerId peer = tls.handshake(socket, timeout);
                                outcomes.add(peer);
                                handler.handle(socket, peer);
                            } catch (IOException e) {
                                outcomes.add(e);
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        Listener(PeerTls tls, PeerTrust trust) throws IOException {
            this(tls, trust, TIMEOUT, Listener::pong);
        }

        static void pong(SSLSocket socket, PeerId peer) throws IOException {
            InputStream in = socket.getInputStream();
            if (in.readNBytes(PING.length).length == PING.length) {
                socket.getOutputStream().write(PONG);
                socket.getOutputStream().flush();
            }
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        Object nextOutcome() throws InterruptedException {
            Object outcome = outcomes.poll(10, TimeUnit.SECONDS);
            if (outcome == null) {
                throw new AssertionError("the listener saw no handshake end within 10 s");
            }
            return outcome;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static void assertPingPong(SSLSocket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(PING);
        out.flush();
        assertArrayEquals(PONG, socket.getInputStream().readNBytes(PONG.length));
    }

    private static String port(Listener listener) {
        return "127.0.0.1:" + listener.server.getLocalPort();
    }

    @Test
    void pinnedIdConnects() throws Exception {
        try (Listener bobListens = new Listener(bobTls, alice.peerId()::equals);
                SSLSocket socket = aliceTls.connect(bobListens.address(), bob.peerId(), TIMEOUT)) {
            assertEquals(bob.peerId(), PeerTls.peerIdOf(socket.getSession()));
            assertEquals(alice.peerId(), bobListens.nextOutcome());
            assertTrue(socket.getTcpNoDelay());
            assertPingPong(socket);
        }
    }

    @Test
    void peerWithoutAnExpectedIdIsAcceptedAndItsIdLearned() throws Exception {
        try (Listener bobListens = new Listener(bobTls, id -> true);
                SSLSocket socket = aliceTls.connect(bobListens.address(), null, TIMEOUT)) {
            assertEquals(bob.peerId(), PeerTls.peerIdOf(socket.getSession()));
            assertPingPong(socket);
        }
    }

    @Test
    void unexpectedIdIsRefusedNamingBothIds() throws Exception {
        try (Listener bobListens = new Listener(bobTls, id -> true)) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                    () -> aliceTls.connect(bobListens.address(), carol.peerId(), TIMEOUT));
            assertEquals("peer at " + port(bobListens) + " presented id " + bob.peerId() + " but " + carol.peerId()
                    + " was expected", e.getMessage());
            assertInstanceOf(IOException.class, bobListens.nextOutcome());
        }
    }

    @Test
    void incomingPeerNotTrustedIsRefused() throws Exception {
        try (Listener bobListens = new Listener(bobTls, carol.peerId()::equals)) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                    () -> aliceTls.connect(bobListens.address(), bob.peerId(), TIMEOUT));
            assertTrue(e.getMessage().startsWith("peer at " + port(bobListens) + " with id " + bob.peerId()
                    + " refused our id " + alice.peerId()), e.getMessage());
            SSLHandshakeException atServer = assertInstanceOf(SSLHandshakeException.class, bobListens.nextOutcome());
            assertTrue(atServer.getMessage().contains("incoming peer from 127.0.0.1:")
                    && atServer.getMessage().contains("presented id " + alice.peerId() + ", which this node does not trust"),
                    atServer.getMessage());
        }
    }

    @Test
    void plaintextClientGetsNoApplicationBytesAndIsClosed() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (Listener bobListens = new Listener(bobTls, id -> true, TIMEOUT, (socket, peer) -> {
            handled.incrementAndGet();
            Listener.pong(socket, peer);
        })) {
            long start = System.nanoTime();
            byte[] answer;
            try (Socket raw = new Socket()) {
                raw.connect(bobListens.address());
                raw.setSoTimeout(5000);
                raw.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                answer = readUntilClosed(raw);
            }
            Object outcome = bobListens.nextOutcome();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertInstanceOf(SSLException.class, outcome);
            assertTrue(millis < 2000, "refused after " + millis + " ms");
            assertOnlyAlerts(answer);
            assertEquals(0, handled.get());

            try (SSLSocket socket = aliceTls.connect(bobListens.address(), bob.peerId(), TIMEOUT)) {
                assertPingPong(socket);
            }
            assertEquals(alice.peerId(), bobListens.nextOutcome());
        }
    }

    /** What a raw client got is nothing, or TLS alert records (content type 21, 2 bytes of alert), never data. */
    private static void assertOnlyAlerts(byte[] received) {
        assertTrue(received.length % 7 == 0 && received.length <= 14, received.length + " bytes");
        for (int i = 0; i < received.length; i += 7) {
            assertEquals(21, received[i], "content type of record at " + i);
            assertEquals(2, received[i + 4], "length of record at " + i);
        }
    }

    private static byte[] readUntilClosed(Socket raw) throws IOException {
        try {
            return raw.getInputStream().readAllBytes();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the socket", e);
        } catch (IOException reset) {
            return new byte[0];
        }
    }

    @Test
    void onlyTls13IsOffered() throws Exception {
        try (Listener bobListens = new Listener(bobTls, id -> true)) {
            try (SSLSocket socket = aliceTls.connect(bobListens.address(), bob.peerId(), TIMEOUT)) {
                assertArrayEquals(new String[] {"TLSv1.3"}, socket.getEnabledProtocols());
                assertEquals("TLSv1.3", socket.getSession().getProtocol());
                assertEquals("TLS_AES_128_GCM_SHA256", socket.getSession().getCipherSuite());
            }
            bobListens.nextOutcome();

            // A TLS 1.2 client is refused even with a certificate the server would trust.
            SSLContext tls12 = TestCertificates.rogueContext(
                    new TestCertificates.Identity(new java.security.KeyPair(alice.certificate().getPublicKey(),
                            alice.privateKey()), alice.certificate()), "TLSv1.2");
            try (SSLSocket old = (SSLSocket) tls12.getSocketFactory().createSocket()) {
                old.connect(bobListens.address());
                old.setEnabledProtocols(new String[] {"TLSv1.2"});
                assertThrows(SSLException.class, old::startHandshake);
            }
            assertInstanceOf(SSLException.class, bobListens.nextOutcome());
        }
    }

    @Test
    void handshakeTimesOutOnSilentClient() throws Exception {
        try (Listener bobListens = new Listener(bobTls, id -> true, Duration.ofMillis(500), Listener::pong);
                Socket raw = new Socket()) {
            long start = System.nanoTime();
            raw.connect(bobListens.address());
            Object outcome = bobListens.nextOutcome();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            SocketTimeoutException e = assertInstanceOf(SocketTimeoutException.class, outcome);
            assertTrue(e.getMessage().contains("within 500 ms"), e.getMessage());
            assertTrue(millis >= 450 && millis < 3000, "gave up after " + millis + " ms");
            raw.setSoTimeout(5000);
            assertOnlyAlerts(readUntilClosed(raw));
        }
    }

    @Test
    void handshakeDeadlineHoldsAgainstATricklingClient() throws Exception {
        try (Listener bobListens = new Listener(bobTls, id -> true, Duration.ofMillis(800), Listener::pong);
                Socket raw = new Socket()) {
            raw.connect(bobListens.address());
            long start = System.nanoTime();
            Thread trickle = Thread.startVirtualThread(() -> {
                try {
                    OutputStream out = raw.getOutputStream();
                    out.write(new byte[] {22, 3, 1, 2, 0}); // a handshake record of 512 bytes...
                    for (int i = 0; i < 100; i++) {
                        Thread.sleep(100); // ...that arrives one byte at a time
                        out.write(1);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the socket: what the test wants
                }
            });
            Object outcome = bobListens.nextOutcome();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertInstanceOf(SocketTimeoutException.class, outcome);
            assertTrue(millis < 3000, "gave up after " + millis + " ms");
            trickle.interrupt();
        }
    }

    @Test
    void connectTimesOutOnSilentServer() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> aliceTls.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), bob.peerId(),
                    Duration.ofMillis(500)));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
            assertTrue(millis < 3000, "gave up after " + millis + " ms");
        }
    }

    @Test
    void refusedConnectionNamesTheAddress() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        ConnectException e = assertThrows(ConnectException.class, () -> aliceTls.connect(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), bob.peerId(), TIMEOUT));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void certificateWithWrongKeyTypeIsRefused() throws Exception {
        TestCertificates.Identity rsa = TestCertificates.selfSigned("RSA", "2048");
        SSLContext rogue = TestCertificates.rogueContext(rsa, "TLSv1.3");

        // An RSA client is refused by our server...
        try (Listener bobListens = new Listener(bobTls, id -> true);
                SSLSocket client = (SSLSocket) rogue.getSocketFactory().createSocket()) {
            client.connect(bobListens.address());
            assertThrows(IOException.class, () -> {
                client.startHandshake(); // may already fail: the server can hang up while the client still writes
                client.getInputStream().read();
            });
            IOException atServer = assertInstanceOf(IOException.class, bobListens.nextOutcome());
            assertTrue(atServer.getMessage().contains("has a RSA key"), atServer.getMessage());
        }

        // ...and an RSA server by our client.
        try (SSLServerSocket server = (SSLServerSocket) rogue.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.startVirtualThread(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    accepted.startHandshake();
                } catch (IOException expected) {
                    // our client hangs up on it
                }
            });
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> aliceTls.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), null, TIMEOUT));
            assertTrue(e.getMessage().contains("has a RSA key")
                    && e.getMessage().contains(PeerId.fromCertificate(rsa.certificate()).toString()), e.getMessage());
        }
    }

    @Test
    void resumedSessionIsRefusedBecauseItSkipsTheTrustCheck() throws Exception {
        // Our clients never resume (a fresh context per dial); a client that does must not slip past PeerTrust.
        SSLContext resuming = TestCertificates.rogueContext(new TestCertificates.Identity(
                new java.security.KeyPair(alice.certificate().getPublicKey(), alice.privateKey()), alice.certificate()),
                "TLSv1.3");
        try (Listener bobListens = new Listener(bobTls, alice.peerId()::equals)) {
            try (SSLSocket first = (SSLSocket) resuming.getSocketFactory().createSocket("127.0.0.1", bobListens.server.getLocalPort())) {
                first.startHandshake();
                assertEquals(PeerTls.ACCEPTED, first.getInputStream().read()); // also takes in the session ticket
            }
            assertEquals(alice.peerId(), bobListens.nextOutcome());
            try (SSLSocket second = (SSLSocket) resuming.getSocketFactory().createSocket("127.0.0.1", bobListens.server.getLocalPort())) {
                second.startHandshake();
                assertThrows(IOException.class, () -> {
                    if (second.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                });
            }
            IOException refused = assertInstanceOf(IOException.class, bobListens.nextOutcome());
            assertTrue(refused.getMessage().contains("skipped the trust check"), refused.getMessage());
        }
    }
}
