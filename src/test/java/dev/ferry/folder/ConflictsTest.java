package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The conflict rule must order any two different versions of a path the same way on every peer. */
class ConflictsTest {
    private static FileEntry file(String path, byte fill, long mtime, String by, VersionVector v) {
        byte[] hash = new byte[32];
        Arrays.fill(hash, fill);
        return new FileEntry(path, FileEntry.FILE, 10, mtime, 0644, null, hash, 1, v, false, 0, by);
    }

    @Test
    void equalVectorsOverDifferentContentAreConcurrentAndExactlyOneSideWins() {
        // Two peers each made a conflict copy of this name from different losing contents, both with {X:1}.
        VersionVector v = VersionVector.EMPTY.bump("X");
        FileEntry one = file("f.sync-conflict-20261121-092039-X.txt", (byte) 1, 5_000_000_000L, "X", v);
        FileEntry two = file("f.sync-conflict-20261121-092039-X.txt", (byte) 2, 5_000_000_000L, "X", v);
        assertEquals(VersionVector.Order.CONCURRENT, Conflicts.order(one, two));
        assertEquals(VersionVector.Order.CONCURRENT, Conflicts.order(two, one));
        assertNotEquals(Conflicts.remoteWins(one, two), Conflicts.remoteWins(two, one), "exactly one of them wins");
    }

    @Test
    void equalVectorsOverTheSameContentAreEqual() {
        VersionVector v = VersionVector.EMPTY.bump("X").bump("Y");
        FileEntry one = file("a.txt", (byte) 1, 5_000_000_000L, "X", v);
        FileEntry sameContentOtherTime = file("a.txt", (byte) 1, 6_000_000_000L, "Y", v);
        assertEquals(VersionVector.Order.EQUAL, Conflicts.order(one, sameContentOtherTime));
    }

    @Test
    void vectorsStillDecideWhenTheyAreOrdered() {
        VersionVector older = VersionVector.EMPTY.bump("X");
        FileEntry before = file("a.txt", (byte) 1, 5_000_000_000L, "X", older);
        FileEntry after = file("a.txt", (byte) 2, 4_000_000_000L, "Y", older.bump("Y"));
        assertEquals(VersionVector.Order.GREATER, Conflicts.order(after, before));
        assertEquals(VersionVector.Order.LESSER, Conflicts.order(before, after));
    }
}
