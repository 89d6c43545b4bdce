package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
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
        try (java.net.ServerSocket server = bobTls.listen(loopback(), id -> true)) {
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
            long coldStart = System.nanoTime();
            aliceTls.connect(address, bob, TIMEOUT).close();
            double cold = (System.nanoTime() - coldStart) / 1e6;
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
            System.out.printf("connect (TCP + TLS 1.3 handshake + accept byte): first in this JVM %.1f ms;"
                    + " then, after 10 more, 20 sequential: median %.2f ms, min %.2f ms, max %.2f ms%n",
                    cold, (millis[9] + millis[10]) / 2, millis[0], millis[19]);
        }
    }

    /** One transfer: wall time, and the CPU time of the sending and the receiving thread. */
    record Transfer(double seconds, double senderCpu, double receiverCpu) {
        static Transfer best(Transfer a, Transfer b) {
            return a == null || b.seconds < a.seconds ? b : a;
        }

        String describe(long volume) {
            return String.format("%.0f MiB/s (one core's worth of CPU per side would allow: sender %.0f MiB/s,"
                    + " receiver %.0f MiB/s)", mib(volume, seconds), mib(volume, senderCpu), mib(volume, receiverCpu));
        }

        private static double mib(long volume, double seconds) {
            return volume / seconds / (1 << 20);
        }
    }

    @Test
    void throughputIsReportedAgainstPlainTcp() throws Exception {
        for (int i = 0; i < 4; i++) {
            tls(VOLUME); // warm-up: until C2 has compiled the AES-GCM path, TLS runs at a fraction of its speed
        }
        plainTcp(VOLUME);
        Transfer plain = null;
        Transfer tls = null;
        for (int run = 0; run < 3; run++) {
            plain = Transfer.best(plain, plainTcp(VOLUME));
            tls = Transfer.best(tls, tls(VOLUME));
        }
        System.out.printf("256 MiB over one loopback link, best of 3:%n  plain TCP  %s%n  TLS 1.3    %s%n"
                + "  TLS/plain wall-clock throughput: %.0f%%%n", plain.describe(VOLUME), tls.describe(VOLUME),
                100 * plain.seconds() / tls.seconds());
    }

    private static Transfer plainTcp(long volume) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<double[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    return drain(socket.getInputStream(), volume);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(server.getLocalSocketAddress());
                return timeTransfer(socket.getOutputStream(), volume, received);
            }
        }
    }

    private static Transfer tls(long volume) throws Exception {
        try (java.net.ServerSocket server = bobTls.listen(loopback(), id -> true)) {
            CompletableFuture<double[]> received = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    bobTls.handshake(socket, TIMEOUT);
                    return drain(socket.getInputStream(), volume);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            try (SSLSocket socket = aliceTls.connect(address, bob, TIMEOUT)) {
                return timeTransfer(socket.getOutputStream(), volume, received);
            }
        }
    }

    /** From the first byte written to the last byte read. */
    private static Transfer timeTransfer(OutputStream out, long volume, CompletableFuture<double[]> received)
            throws Exception {
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) 'x');
        long start = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        for (long sent = 0; sent < volume; sent += CHUNK) {
            out.write(chunk);
        }
        out.flush();
        double senderCpu = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
        double[] receiver = received.get(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(volume, (long) receiver[0]);
        return new Transfer(seconds, senderCpu, receiver[1]);
    }

    /** Reads {@code volume} bytes; returns the count and the reading thread's CPU seconds. */
    private static double[] drain(InputStream in, long volume) throws IOException {
        long cpu = THREADS.getCurrentThreadCpuTime();
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        while (total < volume) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return new double[] {total, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9};
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }
}
