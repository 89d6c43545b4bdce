package dev.ferry.sync;

import static dev.ferry.sync.AssetLibrarySyncTest.await;
import static dev.ferry.sync.AssetLibrarySyncTest.gone;
import static dev.ferry.sync.AssetLibrarySyncTest.has;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Bytes;
import dev.ferry.testing.TestNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delete made while a member is still fetching the asset wins, on every member: the fetched copy does not
 * survive it, and it does not come back to the member that deleted it. Before, the copy was stored as if changed
 * when its fetch ended, after the delete, so the fetching member kept it and offered it back as newer.
 */
class DeleteDuringFetchTest {
    @TempDir
    Path dir;

    @Test
    void aDeleteMadeWhileAMemberFetchesTheAssetIsNotUndone() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = AssetLibrarySyncTest.createLibrary(a, "{\"name\": \"all\"}");
            AssetLibrarySyncTest.join(b, AssetLibrarySyncTest.invite(a, lib));
            byte[] big = Bytes.random(21, 128 << 20);
            String hash = a.http.ingest(big, "big.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
            await("b's fetch is under way", () -> {
                try {
                    return b.tempFiles() > 0;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertEquals(200, a.http.delete("/assets/" + hash).status());

            await("b holds it deleted too", () -> gone(b, hash));
            await("b's queue is empty", () -> b.sync().get("/libraries/" + lib).data().path("needed").isEmpty());
            // Anything new on B makes A pull B's index: the fetched copy, had B kept it, would come back to A now.
            String other = b.http.ingest(Bytes.random(22, 1000), "other.bin", "mime_type", "application/octet-stream")
                    .data().path("hash").asText();
            await("a has b's new asset", () -> has(a, other));
            assertTrue(gone(a, hash), "a's delete stands");
            assertTrue(gone(b, hash), "b's copy stays deleted");
            assertFalse(java.nio.file.Files.exists(b.dataDir.resolve("store/blobs/" + hash.substring(0, 2) + "/" + hash)),
                    "and its bytes are gone from b's disk");
            assertEquals(0, b.tempFiles(), "no partial file");
        }
    }
}
