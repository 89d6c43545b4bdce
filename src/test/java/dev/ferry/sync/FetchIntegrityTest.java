package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetched bytes are verified before they become visible, and an interrupted fetch completes after a restart. */
class FetchIntegrityTest {
    @TempDir
    Path dir;

    @Test
    void tamperingPeerIsCaughtAndTheAssetIsFetchedElsewhere() throws Exception {
        TestNode a = TestNode.start(dir.resolve("a"));
        try (TestNode b = TestNode.start(dir.resolve("b")); TestNode c = TestNode.start(dir.resolve("c"))) {
            String lib = AssetLibrarySyncTest.createLibrary(a, "{\"name\": \"all\"}");
            AssetLibrarySyncTest.join(b, AssetLibrarySyncTest.invite(a, lib));
            byte[] data = Bytes.random(5, 100_000);
            String hash = a.http.ingest(data, "x.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
            AssetLibrarySyncTest.await("b has it", () -> AssetLibrarySyncTest.has(b, hash));
            // B's copy goes bad on disk (same size, other bytes): B now serves bytes that do not match the hash.
            Path blob = b.dataDir.resolve("store/blobs/" + hash.substring(0, 2) + "/" + hash);
            Files.write(blob, Bytes.random(6, 100_000));

            a.close(); // while A is away, C can fetch only from B
            AssetLibrarySyncTest.join(c, AssetLibrarySyncTest.invite(b, lib));
            AssetLibrarySyncTest.await("c tried b and refused its bytes", () -> {
                JsonNode needed = c.sync().get("/libraries/" + lib).data().path("needed");
                return needed.size() == 1 && needed.get(0).path("attempts").asInt() >= 1;
            });
            assertEquals(404, c.http.get("/assets/" + hash).status(), "bytes that do not match are never ingested");
            assertEquals(0, TestNode.countFiles(c.dataDir.resolve("store/tmp")), "no partial file either");

            // A comes back (on another port): it learns C from B, connects, and C fetches the good bytes from it.
            a = TestNode.start(dir.resolve("a"));
            AssetLibrarySyncTest.await("c fetched it from a", () -> AssetLibrarySyncTest.has(c, hash));
            assertArrayEquals(data, c.http.getBytes("/assets/" + hash + "/content").body());
        } finally {
            a.close();
        }
    }

    @Test
    void memberKilledMidFetchCompletesAfterRestartWithoutDuplicateOrPartial() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a"))) {
            String lib = AssetLibrarySyncTest.createLibrary(a, "{\"name\": \"big\"}");
            String ticket = AssetLibrarySyncTest.invite(a, lib);
            Path bData = dir.resolve("b");
            ChildNode b = ChildNode.start(bData);
            try {
                Http.Reply joined = b.sync().postJson("/join", "{\"ticket\": \"" + ticket + "\"}");
                assertEquals(201, joined.status(), joined.toString());
                byte[] big = Bytes.random(11, 256 << 20);
                String hash = a.http.ingest(big, "big.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
                long deadline = System.currentTimeMillis() + 20_000;
                while (TestNode.countFiles(bData.resolve("store/tmp")) == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(1, TestNode.countFiles(bData.resolve("store/tmp")), "the fetch is under way");
                b.kill();
                b = ChildNode.start(bData);
                ChildNode bb = b;
                AssetLibrarySyncTest.await("b completes the fetch after the restart",
                        () -> bb.http.get("/assets/" + hash).status() == 200);
                assertEquals(1, b.http.get("/list").data().path("total").asLong(), "no duplicate");
                assertEquals(0, TestNode.countFiles(bData.resolve("store/tmp")), "no partial file");
                Path blob = bData.resolve("store/blobs/" + hash.substring(0, 2) + "/" + hash);
                assertEquals(Bytes.sha256(big), Bytes.sha256(Files.readAllBytes(blob)));
            } finally {
                b.close();
            }
        }
    }
}
