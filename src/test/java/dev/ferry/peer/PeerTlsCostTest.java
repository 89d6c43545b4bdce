package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a link costs: handshake latency and one-link throughput against plain TCP, on loopback. The figures are
 * printed (surefire puts them in {@code target/surefire-reports/dev.ferry.peer.PeerTlsCostTest-output.txt}), not
 * asserted: they depend on the machine and on what else it is doing. The tests assert only that bytes arrive.
 */
class PeerTlsCostTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long VOLUME = 256L << 20;
    private static final int CHUNK = 64 << 10;
    private static PeerTls aliceTls;
    private static PeerTls bobTls;
    private static PeerId bob;

    @BeforeAll
    static void identities(@TempDir Path dir) throws IOException {
        NodeIdentity a = NodeIdentity.loadOrCreate(dir.resolve("alice"));
        NodeIdentity b = NodeIdentity.loadOrCreate(dir.resolve("bob"));
        aliceTls = new PeerTls(a);
        bobTls = new PeerTls(b);
        bob = b.peerId();
    }

    @Test
    void handshakeLatencyIsReported() throws Exception {
        try (SSLServerSocket server = bobTls.listen(loopback(), id -> true)) {
            Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try {
                        SSLSocket socket = (SSLSocket) server.accept();
                        Thread.startVirtualThread(() -> {
                            try (socket) {
                                bobTls.handshake(socket, TIMEOUT);
                                socket.getInputStream().read();
                            } catch (IOException e) {
                                // the client hung up
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            for (int i = 0; i < 10; i++) {
                aliceTls.connect(address, bob, TIMEOUT).close(); // warm-up: class loading, JIT
            }
            double[] millis = new double[20];
            for (int i = 0; i < millis.length; i++) {
                long start = System.nanoTime();
                try (SSLSocket socket = aliceTls.connect(address, bob, TIMEOUT)) {
                    millis[i] = (System.nanoTime() - start) / 1e6;
                    assertEquals(bob, PeerTls.peerIdOf(socket.getSession()));
                }
            }
            Arrays.sort(millis);
            System.out.printf("handshake (TCP connect + TLS 1.3 + accept byte), 20 sequential: median %.2f ms,"
                    + " min %.2f ms, max %.2f ms%n", (millis[9] + millis[10]) / 2, millis[0], millis[19]);
        }
    }

    @Test
    void throughputIsReportedAgainstPlainTcp() throws Exception {
        plainTcp(64L << 20); // warm-up
        tls(64L << 20);
        double plain = Double.MAX_VALUE;
        double tls = Double.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            plain = Math.min(plain, plainTcp(VOLUME));
            tls = Math.min(tls, tls(VOLUME));
        }
        double plainRate = VOLUME / plain / (1 << 20);
        double tlsRate = VOLUME / tls / (1 << 20);
        System.out.printf("256 MiB over one link, best of 3: plain TCP %.0f MiB/s, TLS 1.3 %.0f MiB/s (%.0f%% of plain)%n",
                plainRate, tlsRate, 100 * tlsRate / plainRate);
    }

    private static double plainTcp(long volume) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    return drain(socket.getInputStream(), volume);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(server.getLocalSocketAddress());
                return timeTransfer(socket.getOutputStream(), volume, received);
            }
        }
    }

    private static double tls(long volume) throws Exception {
        try (SSLServerSocket server = bobTls.listen(loopback(), id -> true)) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    bobTls.handshake(socket, TIMEOUT);
                    return drain(socket.getInputStream(), volume);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            try (SSLSocket socket = aliceTls.connect(address, bob, TIMEOUT)) {
                return timeTransfer(socket.getOutputStream(), volume, received);
            }
        }
    }

    /** Seconds from the first byte written to the last byte read. */
    private static double timeTransfer(OutputStream out, long volume, CompletableFuture<Long> received) throws Exception {
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) 'x');
        long start = System.nanoTime();
        for (long sent = 0; sent < volume; sent += CHUNK) {
            out.write(chunk);
        }
        out.flush();
        assertEquals(volume, received.get(60, TimeUnit.SECONDS));
        return (System.nanoTime() - start) / 1e9;
    }

    private static long drain(InputStream in, long volume) throws IOException {
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        while (total < volume) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }
}
