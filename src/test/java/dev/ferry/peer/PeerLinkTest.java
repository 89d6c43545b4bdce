package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocol.Hello;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two links over a real TLS connection on loopback, with an injected clock so liveness is tested without sleeping. */
class PeerLinkTest {
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock();
    PeerLink client;
    PeerLink server;

    static final class MutableClock extends Clock {
        volatile long millis = 1_000_000;

        void advance(Duration d) {
            millis += d.toMillis();
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** Connects a client link and a server link; the server serves with {@code handler}. */
    private void connect(RequestHandler handler) throws Exception {
        NodeIdentity a = NodeIdentity.loadOrCreate(dir.resolve("a"));
        NodeIdentity b = NodeIdentity.loadOrCreate(dir.resolve("b"));
        PeerTls tlsA = new PeerTls(a);
        PeerTls tlsB = new PeerTls(b);
        LinkSettings settings = LinkSettings.defaults();
        try (java.net.ServerSocket listener = tlsB.listen(new InetSocketAddress("127.0.0.1", 0), id -> true)) {
            CompletableFuture<PeerLink> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    SSLSocket s = (SSLSocket) listener.accept();
                    PeerId id = tlsB.handshake(s, Duration.ofSeconds(5));
                    return PeerLink.open(new TlsTransport(s, id), false, hello(b, "x-server-only"), settings, clock, handler);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            SSLSocket s = tlsA.connect(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), b.peerId(), Duration.ofSeconds(5));
            client = PeerLink.open(new TlsTransport(s, b.peerId()), true, hello(a, "x-client-only"), settings, clock,
                    RequestHandler.NONE);
            server = accepted.get(10, TimeUnit.SECONDS);
        }
    }

    private static Hello hello(NodeIdentity id, String extraFeature) {
        return Hello.current(id.peerId().toString(), "n", List.of("127.0.0.1:1"), List.of("ping", "streams", extraFeature),
                List.of());
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void manyRequestsInFlightAreMatchedToTheirResponses() throws Exception {
        connect((link, method, body, r) -> {
            if (body[0] % 3 == 0) {
                Thread.sleep(20); // answer some out of order
            }
            r.respond(0, (method + ":" + body[0]).getBytes(StandardCharsets.UTF_8));
        });
        List<CompletableFuture<PeerLink.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            replies.add(client.request("echo", new byte[] {(byte) i}));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals("echo:" + (byte) i, new String(replies.get(i).get(10, TimeUnit.SECONDS).body(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("ping", "streams"), client.commonFeatures());
    }

    @Test
    void errorStatusReachesTheCaller() throws Exception {
        connect(RequestHandler.NONE);
        ExecutionException e = assertThrows(ExecutionException.class, () -> client.request("nope", new byte[0]).get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof PeerRequestException p && p.code() == 9, e.toString());
    }

    @Test
    void slowReaderStallsTheSenderInsteadOfMakingItBuffer() throws Exception {
        long size = 64L << 20;
        connect((link, method, body, r) -> r.stream(new byte[0], generated(7, size)));
        PeerLink.Reply reply = client.request("big", new byte[0]).get(10, TimeUnit.SECONDS);
        Thread.sleep(500); // read nothing for a while
        long sentWhileStalled = server.bytesOut();
        assertTrue(sentWhileStalled < 16L << 20, "sender stopped at the window plus socket buffers: " + sentWhileStalled);
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long total = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = reply.stream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                got.update(buf, 0, n);
                total += n;
            }
        }
        assertEquals(size, total);
        MessageDigest want = MessageDigest.getInstance("SHA-256");
        generated(7, size).transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), want));
        assertArrayEquals(want.digest(), got.digest());
    }

    @Test
    void aStreamedAnswerThatCannotBeFinishedEndsWithAnErrorAndTheLinkCarriesOn() throws Exception {
        long good = 3L << 20;
        connect((link, method, body, r) -> {
            if (method.equals("broken")) { // the source fails after 3 MiB, as a disk would
                r.stream(new byte[0], new java.io.SequenceInputStream(generated(9, good), new InputStream() {
                    @Override
                    public int read() throws java.io.IOException {
                        throw new java.io.IOException("disk gone");
                    }
                }));
            } else {
                r.respond(0, new byte[] {1});
            }
        });
        PeerLink.Reply reply = client.request("broken", new byte[0]).get(10, TimeUnit.SECONDS);
        long[] read = {0};
        CompletableFuture<Throwable> ended = CompletableFuture.supplyAsync(() -> {
            byte[] buf = new byte[1 << 16];
            try (InputStream in = reply.stream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    read[0] += n;
                }
                return null;
            } catch (java.io.IOException e) {
                return e;
            }
        });
        Throwable failure = ended.get(10, TimeUnit.SECONDS); // not left waiting for bytes that will never come
        assertTrue(failure != null, "the requester sees the answer fail instead of a short, complete-looking stream");
        assertTrue(failure.getMessage().contains("could not be read to its end"), failure.toString());
        assertTrue(read[0] <= good, "read " + read[0]);
        assertEquals(1, client.request("small", new byte[0]).get(10, TimeUnit.SECONDS).body()[0], "the link carries on");
    }

    @Test
    void smallRequestsAreNotStuckBehindABulkTransfer() throws Exception {
        connect((link, method, body, r) -> {
            if (method.equals("big")) {
                r.stream(new byte[0], generated(8, 256L << 20));
            } else {
                r.respond(0, new byte[] {1});
            }
        });
        PeerLink.Reply big = client.request("big", new byte[0]).get(10, TimeUnit.SECONDS);
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = big.stream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (Exception ignored) {
                // closed at the end of the test
            }
        });
        Thread.sleep(100);
        long t0 = System.nanoTime();
        client.request("small", new byte[0]).get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(reader.isAlive(), "the bulk transfer was still running");
        assertTrue(ms < 2000, "small request took " + ms + " ms behind the bulk transfer");
        big.stream().close();
    }

    @Test
    void idleLinkPingsAndMeasuresRoundTrip() throws Exception {
        connect(RequestHandler.NONE);
        // Both sides ping when the link opens: wait for both answers, or the server's Pong may still be on its way.
        PeerNetworkTest.await("the opening pings are answered", () -> client.rttMillis() >= 0 && server.rttMillis() >= 0);
        Thread.sleep(50);
        long before = server.bytesIn();
        client.tick(); // not idle yet: nothing sent
        Thread.sleep(100);
        assertEquals(before, server.bytesIn());
        clock.advance(Duration.ofSeconds(11));
        client.tick();
        PeerNetworkTest.await("a Ping arrived", () -> server.bytesIn() > before);
        assertTrue(client.isOpen() && server.isOpen());
    }

    @Test
    void staleLinkIsClosed() throws Exception {
        connect(RequestHandler.NONE);
        clock.advance(Duration.ofSeconds(46));
        client.tick();
        assertFalse(client.isOpen());
        assertTrue(client.closeReason().contains("stale"), client.closeReason());
        PeerNetworkTest.await("the other side sees the close", () -> !server.isOpen());
    }

    @Test
    void unansweredRequestTimesOut() throws Exception {
        connect((link, method, body, r) -> Thread.sleep(60_000));
        CompletableFuture<PeerLink.Reply> f = client.request("slow", new byte[0]);
        clock.advance(Duration.ofSeconds(31));
        client.tick();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof TimeoutException, e.toString());
        assertTrue(client.isOpen(), "a timed-out request does not close the link");
    }

    @Test
    void answerCrossingACancelIsIgnored() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        connect((link, method, body, r) -> {
            release.await();
            r.respond(0, new byte[] {1});
        });
        CompletableFuture<PeerLink.Reply> f = client.request("late", new byte[0]);
        clock.advance(Duration.ofSeconds(31));
        client.tick(); // times out and cancels; the handler answers anyway
        release.countDown();
        assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        assertEquals(1, client.request("late", new byte[0]).get(5, TimeUnit.SECONDS).body()[0]);
        assertTrue(client.isOpen(), "a late answer to a cancelled request does not break the link");
    }

    @Test
    void goodbyeClosesBothSidesAndFailsPendingRequests() throws Exception {
        connect((link, method, body, r) -> Thread.sleep(60_000));
        CompletableFuture<PeerLink.Reply> f = client.request("slow", new byte[0]);
        server.close("maintenance");
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof LinkClosedException, e.toString());
        PeerNetworkTest.await("client closed", () -> !client.isOpen());
        assertTrue(client.closeReason().contains("maintenance"), client.closeReason());
    }

    static InputStream generated(long seed, long size) {
        return new dev.ferry.testing.SeededStream(seed, size);
    }
}
