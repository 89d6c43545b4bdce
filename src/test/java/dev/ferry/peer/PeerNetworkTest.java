package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real daemons on loopback find, authenticate and keep exactly one link to each other. */
class PeerNetworkTest {
    @TempDir
    Path dir;

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    static String peerAddress(TestNode n) {
        return "127.0.0.1:" + n.daemon.peering().peers().listenPort();
    }

    static String id(TestNode n) {
        return n.daemon.peering().peerId().toString();
    }

    static JsonNode peerEntry(TestNode n, String peerId) {
        for (JsonNode p : n.sync().get("/peers").data()) {
            if (p.path("peer_id").asText().equals(peerId)) {
                return p;
            }
        }
        return null;
    }

    static boolean connected(TestNode n, TestNode other) {
        JsonNode p = peerEntry(n, id(other));
        return p != null && p.path("connected").asBoolean();
    }

    @Test
    void twoNodesConnectByAddressAndShowEachOther() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            Http.Reply r = b.sync().postJson("/peers", "{\"address\": \"" + peerAddress(a) + "\"}");
            assertEquals(201, r.status(), r.toString());
            assertEquals(id(a), r.data().path("peer_id").asText(), "the id seen in the handshake is recorded");
            assertTrue(r.data().path("known").asBoolean());
            await("both see the link", () -> connected(a, b) && connected(b, a));
            JsonNode bOnA = peerEntry(a, id(b));
            assertEquals("incoming", bOnA.path("direction").asText());
            assertTrue(!bOnA.path("known").asBoolean(), "a peer that merely connected is not known");
            JsonNode aOnB = peerEntry(b, id(a));
            assertEquals("a", aOnB.path("name").asText());
            assertEquals(List.of(peerAddress(a)), texts(aOnB.path("addresses")),
                    "addresses come from the Hello and the user, never the source port");
            await("a round-trip time is measured", () -> peerEntry(b, id(a)).path("rtt_millis").asLong() >= 0);
            assertTrue(peerEntry(b, id(a)).path("bytes_out").asLong() > 0);
            JsonNode status = a.sync().get("/status").data();
            assertEquals(id(a), status.path("peer_id").asText());
            assertEquals(List.of(peerAddress(a)), texts(status.path("listen_addresses")));
            assertTrue(status.path("store").path("healthy").asBoolean());
        }
    }

    @Test
    void threeNodesFormAFullMesh() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c"))) {
            b.sync().postJson("/peers", "{\"address\": \"" + peerAddress(a) + "\", \"peer_id\": \"" + id(a) + "\"}");
            c.sync().postJson("/peers", "{\"address\": \"" + peerAddress(a) + "\"}");
            c.sync().postJson("/peers", "{\"address\": \"" + peerAddress(b) + "\"}");
            await("every pair is linked", () -> connected(a, b) && connected(a, c) && connected(b, c)
                    && connected(b, a) && connected(c, a) && connected(c, b));
            assertEquals(2, a.daemon.peering().peers().connectedCount());
        }
    }

    @Test
    void simultaneousDialsLeaveExactlyOneLinkChosenAlikeOnBothSides() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String toA = "{\"address\": \"" + peerAddress(a) + "\", \"peer_id\": \"" + id(a) + "\"}";
            String toB = "{\"address\": \"" + peerAddress(b) + "\", \"peer_id\": \"" + id(b) + "\"}";
            Thread t1 = Thread.ofVirtual().start(() -> b.sync().postJson("/peers", toA));
            Thread t2 = Thread.ofVirtual().start(() -> a.sync().postJson("/peers", toB));
            t1.join();
            t2.join();
            await("both connected", () -> connected(a, b) && connected(b, a));
            Thread.sleep(500); // let any duplicate be resolved
            JsonNode bOnA = peerEntry(a, id(b));
            JsonNode aOnB = peerEntry(b, id(a));
            assertTrue(bOnA.path("connected").asBoolean() && aOnB.path("connected").asBoolean());
            assertTrue(!bOnA.path("direction").asText().equals(aOnB.path("direction").asText()),
                    "the surviving link is the same one seen from both ends: " + bOnA + " / " + aOnB);
            String smaller = id(a).compareTo(id(b)) < 0 ? "a" : "b";
            PeerId ia = a.daemon.peering().peerId();
            PeerId ib = b.daemon.peering().peerId();
            String dialer = ia.compareTo(ib) < 0 ? "a" : "b";
            assertEquals(dialer.equals("a") ? "outgoing" : "incoming", bOnA.path("direction").asText(),
                    "the link dialled by the smaller id (" + smaller + ") survives");
            assertEquals(1, a.daemon.peering().peers().connectedCount());
            assertEquals(1, b.daemon.peering().peers().connectedCount());
        }
    }

    @Test
    void addressAnsweringWithAnotherIdIsRefusedNamingBothIds() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c"))) {
            Http.Reply r = b.sync().postJson("/peers", "{\"address\": \"" + peerAddress(a) + "\", \"peer_id\": \"" + id(c) + "\"}");
            assertEquals(502, r.status(), r.toString());
            assertTrue(r.error().contains(id(a)) && r.error().contains(id(c)), r.error());
            assertEquals(0, b.sync().get("/peers").data().size(), "nothing recorded");
            assertEquals(400, b.sync().postJson("/peers", "{\"address\": \"nohost\"}").status());
            assertEquals(400, b.sync().postJson("/peers", "{\"address\": \"127.0.0.1:1\", \"peer_id\": \"XYZ\"}").status());
            assertEquals(400, b.sync().postJson("/peers", "{}").status());
        }
    }

    @Test
    void takenPeerPortFallsBackToAnEphemeralOneThatIsAnnounced() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        dev.ferry.config.HostPort fixed = new dev.ferry.config.HostPort("127.0.0.1", port);
        dev.ferry.config.HostPort ephemeral = new dev.ferry.config.HostPort("127.0.0.1", 0);
        try (TestNode a = TestNode.start(TestNode.baseConfig(dir.resolve("a")).withPeering(ephemeral, fixed, false, List.of(), "a"));
                TestNode b = TestNode.start(TestNode.baseConfig(dir.resolve("b")).withPeering(ephemeral, fixed, false, List.of(), "b"))) {
            assertEquals(port, a.daemon.peering().peers().listenPort());
            int bPort = b.daemon.peering().peers().listenPort();
            assertTrue(bPort != port && bPort > 0, "b listens elsewhere: " + bPort);
            assertEquals(List.of("127.0.0.1:" + bPort), texts(b.sync().get("/status").data().path("listen_addresses")));
            a.sync().postJson("/peers", "{\"address\": \"127.0.0.1:" + bPort + "\"}");
            await("a reaches b on the announced port", () -> connected(a, b));
        }
    }

    @Test
    void knownPeersAndTheirAddressesSurviveARestart() throws Exception {
        String aId;
        String aAddr;
        try (TestNode a = TestNode.start(dir.resolve("a"))) {
            aId = id(a);
            aAddr = peerAddress(a);
            try (TestNode b = TestNode.start(dir.resolve("b"))) {
                b.sync().postJson("/peers", "{\"address\": \"" + aAddr + "\"}");
                await("linked", () -> connected(b, a));
            }
            try (TestNode b = TestNode.start(dir.resolve("b"))) {
                await("b redials a from its peer table", () -> connected(b, a));
                assertEquals(aId, b.sync().get("/peers").data().get(0).path("peer_id").asText());
            }
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
