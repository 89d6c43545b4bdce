package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which paths from a peer a node on a case-insensitive filesystem refuses as clashing with what it holds, decided
 * against a real SQLite index. (This machine has no case-insensitive filesystem to run a whole daemon on: the
 * kernel lacks CONFIG_UNICODE for ext4 casefold, and there is no vfat; the probe itself is tested in PathRulesTest.)
 */
class CaseClashTest {
    @TempDir
    Path dir;

    private static FileEntry entry(String path, String type, boolean deleted) {
        return new FileEntry(path, type, 0, 1_000_000_000L, type.equals(FileEntry.DIR) ? 0755 : 0644, null,
                new byte[32], 0, VersionVector.EMPTY.bump("A"), deleted, 0, "A");
    }

    @Test
    void aPathClashesWhenItOrOneOfItsDirectoriesDiffersOnlyInCase() throws Exception {
        try (FolderIndex idx = new FolderIndex(dir.resolve("i.db"))) {
            idx.put(List.of(
                    new FolderIndex.Change(entry("docs", FileEntry.DIR, false), null, 0),
                    new FolderIndex.Change(entry("docs/a.txt", FileEntry.FILE, false), null, 0),
                    new FolderIndex.Change(entry("docs/Plans", FileEntry.DIR, false), null, 0),
                    new FolderIndex.Change(entry("Old", FileEntry.DIR, true), null, 0)));

            assertEquals("docs", FolderSync.caseClash(idx, "DOCS"), "a sibling differing only in case");
            assertEquals("docs/a.txt", FolderSync.caseClash(idx, "docs/A.TXT"), "a file differing only in case");
            assertEquals("docs", FolderSync.caseClash(idx, "Docs/b.txt"), "a new file under a directory differing only in case");
            assertEquals("docs/Plans", FolderSync.caseClash(idx, "docs/plans/2027/q1.txt"), "a clash two levels up");
            assertEquals("docs", FolderSync.caseClash(idx, "DOCS/plans/x"), "the outermost clash is named");

            assertNull(FolderSync.caseClash(idx, "docs/b.txt"), "a new name under the exact directory");
            assertNull(FolderSync.caseClash(idx, "docs/Plans/x.txt"), "exact names all the way");
            assertNull(FolderSync.caseClash(idx, "other/x.txt"), "a new directory that matches nothing");
            assertNull(FolderSync.caseClash(idx, "docs/a.txt"), "the same path is an update, not a clash");
            assertNull(FolderSync.caseClash(idx, "old/x.txt"), "a deleted entry clashes with nothing");
        }
    }
}
