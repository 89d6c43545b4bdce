package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the index keeps as needed for a path, in a real SQLite index. */
class NeedsTest {
    @TempDir
    Path dir;

    private static FileEntry file(byte fill, VersionVector v) {
        byte[] hash = new byte[32];
        Arrays.fill(hash, fill);
        return new FileEntry("f.sync-conflict-20261121-101800-PEERXYZ.txt", FileEntry.FILE, 10, 5_000_000_000L, 0644, null,
                hash, 1, v, false, 0, "PEERXYZ");
    }

    @Test
    void anOlderVersionDoesNotReplaceANewerNeed() throws Exception {
        try (FolderIndex idx = new FolderIndex(dir.resolve("i.db"))) {
            VersionVector older = VersionVector.EMPTY.bump("A");
            FileEntry newer = file((byte) 2, older.bump("B"));
            idx.need(newer, "B");
            idx.need(file((byte) 1, older), "A");
            FolderIndex.Need kept = idx.needFor(newer.path()).orElseThrow();
            assertEquals(newer.version(), kept.entry().version());
            assertArrayEquals(newer.blocksHash(), kept.entry().blocksHash());
        }
    }

    @Test
    void aNeedIsDoneOnlyForTheSameVersionAndTheSameContent() throws Exception {
        try (FolderIndex idx = new FolderIndex(dir.resolve("i.db"))) {
            VersionVector v = VersionVector.EMPTY.bump("B");
            FileEntry pending = file((byte) 2, v);
            idx.need(pending, "B");
            idx.satisfied(file((byte) 1, v)); // another content under an equal vector: not this need
            assertTrue(idx.needFor(pending.path()).isPresent(), "the need for the other content stays");
            idx.satisfied(pending);
            assertTrue(idx.needFor(pending.path()).isEmpty());
        }
    }
}
