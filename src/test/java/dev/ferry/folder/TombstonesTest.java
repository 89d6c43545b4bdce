package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Old tombstones are forgotten in a real SQLite index; the digest then equals that of an index that never had them. */
class TombstonesTest {
    @TempDir
    Path dir;

    private static FileEntry file(String path, byte fill, boolean deleted) {
        byte[] hash = new byte[32];
        Arrays.fill(hash, fill);
        return new FileEntry(path, FileEntry.FILE, 10, 5_000_000_000L, 0644, null, hash, 1,
                VersionVector.EMPTY.bump("PEERA"), deleted, 0, "PEERA");
    }

    @Test
    void tombstonesRecordedBeforeTheLimitAreForgottenAndTheDigestAgreesWithAnIndexThatNeverHadThem() throws Exception {
        try (FolderIndex idx = new FolderIndex(dir.resolve("a.db")); FolderIndex clean = new FolderIndex(dir.resolve("b.db"))) {
            idx.put(List.of(new FolderIndex.Change(file("old-gone.txt", (byte) 1, true), null, 0),
                    new FolderIndex.Change(file("kept.txt", (byte) 2, false), null, 0)));
            Thread.sleep(5);
            long limit = FolderIndex.nowNs(); // after those rows were written
            Thread.sleep(5);
            idx.put(new FolderIndex.Change(file("new-gone.txt", (byte) 3, true), null, 0));
            long revision = idx.revision();

            assertEquals(1, idx.forgetTombstones(limit), "only the tombstone recorded before the limit");
            assertTrue(idx.get("old-gone.txt").isEmpty());
            assertTrue(idx.get("kept.txt").isPresent(), "live entries stay, whatever their age");
            assertTrue(idx.get("new-gone.txt").orElseThrow().deleted(), "a recent tombstone stays");
            assertEquals(revision, idx.revision(), "nothing new to announce");

            clean.put(List.of(new FolderIndex.Change(file("kept.txt", (byte) 2, false), null, 0),
                    new FolderIndex.Change(file("new-gone.txt", (byte) 3, true), null, 0)));
            assertArrayEquals(clean.digest(), idx.digest(), "the digest no longer counts the forgotten tombstone");
            assertEquals(0, idx.forgetTombstones(limit));
        }
        try (FolderIndex reopened = new FolderIndex(dir.resolve("a.db")); FolderIndex clean = new FolderIndex(dir.resolve("b.db"))) {
            assertArrayEquals(clean.digest(), reopened.digest(), "and it was stored");
        }
    }
}
