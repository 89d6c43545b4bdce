package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.ErrorMessage;
import dev.ferry.protocol.FrameReader;
import dev.ferry.protocol.FrameWriter;
import dev.ferry.protocol.Hello;
import dev.ferry.protocol.HelloAck;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.Ping;
import dev.ferry.protocol.Pong;
import dev.ferry.protocol.Response;
import dev.ferry.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misbehaving peer against a live daemon: each bad input closes that connection with an Error frame where
 * possible, while the daemon's link to a well-behaved peer carries on.
 */
class HostilePeerTest {
    @TempDir
    Path dir;
    TestNode node;
    TestNode friend;
    PeerTls attacker;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir.resolve("node"));
        friend = TestNode.start(dir.resolve("friend"));
        friend.sync().postJson("/peers", "{\"address\": \"" + PeerNetworkTest.peerAddress(node) + "\"}");
        PeerNetworkTest.await("friend linked", () -> PeerNetworkTest.connected(node, friend));
        attacker = new PeerTls(NodeIdentity.loadOrCreate(dir.resolve("attacker")));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            assertTrue(PeerNetworkTest.connected(node, friend), "the good link is unaffected");
            assertTrue(PeerNetworkTest.connected(friend, node), "the good link is unaffected");
        } finally {
            friend.close();
            node.close();
        }
    }

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", node.daemon.peering().peers().listenPort());
    }

    private SSLSocket tls() throws IOException {
        SSLSocket s = attacker.connect(address(), node.daemon.peering().peerId(), Duration.ofSeconds(5));
        s.setSoTimeout(10_000);
        return s;
    }

    private Hello hello(int major) {
        return new Hello(major, 0, attacker.localId().toString(), "attacker", List.of(), List.of(), List.of());
    }

    /** Connects, says Hello, and returns the socket with the HelloAck read. */
    private SSLSocket greeted() throws IOException {
        SSLSocket s = tls();
        FrameWriter w = new FrameWriter(s.getOutputStream());
        w.write(hello(1));
        w.flush();
        FrameReader r = new FrameReader(s.getInputStream());
        Message m = r.read();
        assertTrue(m instanceof HelloAck, "got " + m);
        return s;
    }

    /** Reads until the daemon's connection-level Error (skipping Pings), then expects the connection to end. */
    private static ErrorMessage errorThenClose(SSLSocket s) throws IOException {
        FrameReader r = new FrameReader(s.getInputStream());
        while (true) {
            Message m = r.read();
            if (m == null) {
                throw new AssertionError("connection closed without an Error frame");
            }
            if (m instanceof ErrorMessage e && e.channel() == 0) {
                assertNull(readQuietly(r), "the connection closes after the Error");
                return e;
            }
        }
    }

    private static Message readQuietly(FrameReader r) {
        try {
            return r.read();
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] frame(int type, int flags, int channel, byte[] payload) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(6 + payload.length);
        d.writeByte(type);
        d.writeByte(flags);
        d.writeInt(channel);
        d.write(payload);
        return b.toByteArray();
    }

    private static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    @Test
    void plaintextOnTheTlsPortIsDroppedWithoutReply() throws Exception {
        try (Socket raw = new Socket("127.0.0.1", address().getPort())) {
            raw.setSoTimeout(10_000);
            send(raw, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = raw.getInputStream();
            byte[] reply = in.readAllBytes();
            assertTrue(new String(reply, StandardCharsets.ISO_8859_1).indexOf("HTTP") < 0, "no protocol bytes answer plaintext");
        }
        try (SSLSocket ok = greeted()) {
            assertTrue(ok.isConnected(), "a proper peer still gets in");
        }
    }

    @Test
    void helloWithAbsurdVersionIsRefusedWithAVersionError() throws Exception {
        try (SSLSocket s = tls()) {
            FrameWriter w = new FrameWriter(s.getOutputStream());
            w.write(hello(9999));
            w.flush();
            ErrorMessage e = errorThenClose(s);
            assertEquals(ErrorCode.VERSION.code(), e.code());
            assertTrue(e.message().contains("9999"), e.message());
        }
    }

    @Test
    void helloClaimingAnotherIdIsRefused() throws Exception {
        try (SSLSocket s = tls()) {
            FrameWriter w = new FrameWriter(s.getOutputStream());
            w.write(new Hello(1, 0, friend.daemon.peering().peerId().toString(), "liar", List.of(), List.of(), List.of()));
            w.flush();
            ErrorMessage e = errorThenClose(s);
            assertEquals(ErrorCode.UNAUTHORIZED.code(), e.code());
        }
    }

    @Test
    void helloWithThousandsOfAddressesIsRefused() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("v", List.of(1, 0));
        body.put("id", attacker.localId().toString());
        body.put("name", "x");
        List<String> addrs = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            addrs.add("10.0." + (i / 250) + "." + (i % 250) + ":1");
        }
        body.put("addrs", addrs);
        body.put("feat", List.of());
        body.put("libs", List.of());
        byte[] cbor = new ObjectMapper(new CBORFactory()).writeValueAsBytes(body);
        try (SSLSocket s = tls()) {
            send(s, frame(0x01, 0, 0, cbor));
            assertEquals(ErrorCode.PROTOCOL.code(), errorThenClose(s).code());
        }
    }

    @Test
    void frameLongerThanTheMaximumIsRefused() throws Exception {
        try (SSLSocket s = greeted()) {
            send(s, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x04, 0, 0, 0, 0, 0});
            assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), errorThenClose(s).code());
        }
    }

    @Test
    void unknownMessageTypeIsRefused() throws Exception {
        try (SSLSocket s = greeted()) {
            send(s, frame(0x7e, 0, 0, new byte[0]));
            assertEquals(ErrorCode.UNKNOWN_TYPE.code(), errorThenClose(s).code());
        }
    }

    @Test
    void responseToARequestNeverMadeIsRefused() throws Exception {
        try (SSLSocket s = greeted()) {
            FrameWriter w = new FrameWriter(s.getOutputStream());
            w.write(new Response(77, 0, new byte[0], true));
            w.flush();
            assertEquals(ErrorCode.UNEXPECTED.code(), errorThenClose(s).code());
        }
    }

    @Test
    void secondHelloIsRefused() throws Exception {
        try (SSLSocket s = greeted()) {
            FrameWriter w = new FrameWriter(s.getOutputStream());
            w.write(hello(1));
            w.flush();
            assertEquals(ErrorCode.UNEXPECTED.code(), errorThenClose(s).code());
        }
    }

    @Test
    void floodOfPingsIsCutOff() throws Exception {
        try (SSLSocket s = greeted()) {
            // One write for the whole flood: written ping by ping, the cut-off could close the socket under a
            // later write (broken pipe) before the Error frame is read.
            FrameWriter w = new FrameWriter(new java.io.BufferedOutputStream(s.getOutputStream(), 64 << 10));
            for (int i = 0; i < 200; i++) {
                w.write(new Ping());
            }
            w.flush();
            assertEquals(ErrorCode.RATE_LIMIT.code(), errorThenClose(s).code());
        }
    }

    @Test
    void truncatedFrameThenSilenceClosesOnlyThatConnection() throws Exception {
        try (SSLSocket s = greeted()) {
            send(s, new byte[] {0, 0, 0, 20, 0x10, 0});
        } // gone mid-frame
        try (SSLSocket ok = greeted()) {
            FrameWriter w = new FrameWriter(ok.getOutputStream());
            w.write(new Ping());
            w.flush();
            FrameReader r = new FrameReader(ok.getInputStream());
            Message m;
            do {
                m = r.read();
            } while (m instanceof Ping);
            assertTrue(m instanceof Pong, "the daemon still answers: " + m);
        }
    }

    @Test
    void unknownPeerIsServedNothing() throws Exception {
        try (SSLSocket s = greeted()) {
            FrameWriter w = new FrameWriter(s.getOutputStream());
            w.write(new dev.ferry.protocol.Request(1, "library.list", new byte[0]));
            w.flush();
            FrameReader r = new FrameReader(s.getInputStream());
            Message m;
            do {
                m = r.read();
            } while (m instanceof Ping || m instanceof Pong);
            assertTrue(m instanceof Response resp && resp.status() == ErrorCode.NOT_FOUND.code(), "got " + m);
        }
    }
}
