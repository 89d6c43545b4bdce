package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.ChildNode;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Separate daemon processes: a peer killed with SIGKILL and restarted is reconnected without anyone's help. */
class PeerRestartTest {
    @TempDir
    Path dir;

    private static boolean connected(ChildNode node, String peerId) {
        try {
            for (JsonNode p : node.sync().get("/peers").data()) {
                if (p.path("peer_id").asText().equals(peerId)) {
                    return p.path("connected").asBoolean();
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void killedPeerIsRedialledWhenItComesBack() throws Exception {
        Path aData = dir.resolve("a");
        String aId = NodeIdentity.loadOrCreate(aData).peerId().toString(); // as `ferry id` would
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Map<String, String> aEnv = Map.of("FERRY_PEER_LISTEN_ADDR", "127.0.0.1:" + port);
        ChildNode a = ChildNode.start(aData, aEnv);
        try (ChildNode b = ChildNode.start(dir.resolve("b"), Map.of("FERRY_PEERS", "127.0.0.1:" + port + "@" + aId))) {
            PeerNetworkTest.await("b connects to the configured peer", () -> connected(b, aId));
            a.kill();
            PeerNetworkTest.await("b notices the loss", () -> !connected(b, aId));
            a = ChildNode.start(aData, aEnv);
            long t0 = System.currentTimeMillis();
            PeerNetworkTest.await("b redials a by itself", () -> connected(b, aId));
            System.out.println("reconnected " + (System.currentTimeMillis() - t0) + " ms after the restart");
            assertTrue(b.output().contains("connected to peer"), b.output());
        } finally {
            a.close();
        }
    }
}
