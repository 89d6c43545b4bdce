package dev.ferry.bench;

import dev.ferry.peer.LinkSettings;
import dev.ferry.peer.NodeIdentity;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerTls;
import dev.ferry.peer.RequestHandler;
import dev.ferry.peer.TlsTransport;
import dev.ferry.protocol.Hello;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Link benchmark: this process is a second Ferry node (its own identity, Ferry's TLS and link code) facing a
 * daemon started by bench/link. Measures (1) connection set-up, TCP connect to Hello done, median of 20;
 * (2) bulk throughput of one link, daemon to here, via the daemon's diag.stream; (3) plain TCP on the same
 * loopback in the same run, as the ceiling.
 *
 * <p>Arguments: SYNC_API_URL PEER_PORT PEER_ID BYTES WORK_DIR
 */
public final class LinkBench {
    public static void main(String[] args) throws Exception {
        String syncApi = args[0];
        int peerPort = Integer.parseInt(args[1]);
        PeerId daemonId = PeerId.parse(args[2]);
        long bytes = Long.parseLong(args[3]);
        Path work = Path.of(args[4]);
        NodeIdentity me = NodeIdentity.loadOrCreate(work.resolve("bench-node"));
        PeerTls tls = new PeerTls(me);
        Hello hello = Hello.current(me.peerId().toString(), "bench", List.of(), List.of("ping", "streams"), List.of());
        InetSocketAddress daemon = new InetSocketAddress("127.0.0.1", peerPort);

        // (1) set-up time
        List<Double> setups = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            long t0 = System.nanoTime();
            SSLSocket s = tls.connect(daemon, daemonId, Duration.ofSeconds(5));
            PeerLink link = PeerLink.open(new TlsTransport(s, daemonId), true, hello, LinkSettings.defaults(),
                    Clock.systemUTC(), RequestHandler.NONE);
            double ms = (System.nanoTime() - t0) / 1e6;
            link.close("bench");
            if (i >= 5) { // the first ones warm up the JIT on both sides
                setups.add(ms);
            }
        }
        Collections.sort(setups);
        double setupMedian = setups.get(setups.size() / 2);

        // (2) one link, daemon -> here. The daemon serves diag.stream to known peers, so make this node known:
        // the daemon then dials our listener.
        java.net.ServerSocket listener = tls.listen(new InetSocketAddress("127.0.0.1", 0), id -> id.equals(daemonId));
        CompletableFuture<PeerLink> incoming = CompletableFuture.supplyAsync(() -> {
            try {
                SSLSocket s = (SSLSocket) listener.accept();
                PeerId id = tls.handshake(s, Duration.ofSeconds(5));
                return PeerLink.open(new TlsTransport(s, id), false, hello, LinkSettings.defaults(), Clock.systemUTC(),
                        RequestHandler.NONE);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"address\":\"127.0.0.1:" + listener.getLocalPort() + "\",\"peer_id\":\"" + me.peerId() + "\"}";
        HttpResponse<String> added = http.send(HttpRequest.newBuilder(URI.create(syncApi + "/peers"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (added.statusCode() != 201) {
            throw new IllegalStateException("POST /peers: " + added.statusCode() + " " + added.body());
        }
        PeerLink link = incoming.get(10, TimeUnit.SECONDS);
        double ferry = 0;
        for (int run = 0; run < 2; run++) { // the first run warms up; the second is reported
            long t0 = System.nanoTime();
            PeerLink.Reply reply = link.request("diag.stream", ByteBuffer.allocate(8).putLong(bytes).array())
                    .get(30, TimeUnit.SECONDS);
            long got = drain(reply.stream());
            double secs = (System.nanoTime() - t0) / 1e9;
            if (got != bytes) {
                throw new IllegalStateException("received " + got + " of " + bytes + " bytes");
            }
            ferry = bytes / secs / 1e6;
        }
        link.close("bench done");
        listener.close();

        // (3) plain TCP on the same loopback, same size, same reader buffer size
        double tcp = 0;
        for (int run = 0; run < 2; run++) {
            tcp = plainTcp(bytes);
        }

        System.out.printf("| link set-up (TCP connect to Hello done), median of 20 | %.1f ms | target < 50 ms |%n", setupMedian);
        System.out.printf("| one Ferry link, %d MiB daemon to peer | %.0f MB/s | plain TCP %.0f MB/s | %.0f%% (target >= 50%%) |%n",
                bytes >> 20, ferry, tcp, 100 * ferry / tcp);
        Files.writeString(work.resolve("link-results.txt"), String.format("setup_ms=%.1f%nferry_mbps=%.0f%ntcp_mbps=%.0f%n",
                setupMedian, ferry, tcp));
    }

    private static long drain(InputStream in) throws Exception {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
            }
        }
        return total;
    }

    private static double plainTcp(long bytes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread sender = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    byte[] buf = new byte[1 << 16];
                    for (long left = bytes; left > 0; left -= buf.length) {
                        out.write(buf, 0, (int) Math.min(buf.length, left));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long t0 = System.nanoTime();
            long got;
            try (Socket c = new Socket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                got = drain(c.getInputStream());
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            sender.join();
            if (got != bytes) {
                throw new IllegalStateException("plain TCP moved " + got + " of " + bytes);
            }
            return bytes / secs / 1e6;
        }
    }
}
