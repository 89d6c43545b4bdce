package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer table on real SQLite: whether a peer is known is answered from memory, and must match the rows. */
class PeerTableTest {
    @TempDir
    Path dir;

    private static PeerId randomId(Random rnd) {
        byte[] b = new byte[PeerId.LENGTH];
        rnd.nextBytes(b);
        return PeerId.fromBytes(b);
    }

    @Test
    void knownPeersFollowRememberAndForgetAndSurviveAReopen() throws Exception {
        long seed = System.nanoTime();
        System.out.println("PeerTableTest seed " + seed);
        Random rnd = new Random(seed);
        PeerId a = randomId(rnd);
        PeerId b = randomId(rnd);
        PeerId stranger = randomId(rnd);
        Path file = dir.resolve("peers.db");
        try (PeerTable table = new PeerTable(file)) {
            table.remember(a, List.of("127.0.0.1:1"), "manual", 1);
            table.remember(b, List.of("127.0.0.1:2"), "invite", 2);
            table.remember(a, List.of("127.0.0.1:3"), "manual", 3); // known already: only its addresses change
            table.heard(stranger, "x", List.of("127.0.0.1:4"), 4); // hearing from a stranger adds nothing
            assertTrue(table.knows(a));
            assertTrue(table.knows(b));
            assertFalse(table.knows(stranger), "seed " + seed);
            assertTrue(table.forget(b));
            assertFalse(table.forget(b));
            assertFalse(table.knows(b));
            assertEquals(List.of("127.0.0.1:3", "127.0.0.1:1"), table.get(a).orElseThrow().addresses());
        }
        try (PeerTable reopened = new PeerTable(file)) {
            assertTrue(reopened.knows(a), "loaded from the rows at open (seed " + seed + ")");
            assertFalse(reopened.knows(b));
            assertFalse(reopened.knows(stranger));
            assertEquals(List.of(a), reopened.all().stream().map(PeerTable.Entry::id).toList());
        }
    }
}
