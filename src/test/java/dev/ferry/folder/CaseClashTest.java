package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private static String clash(FolderIndex idx, String path) throws Exception {
        return FolderSync.caseClash(idx, path, new HashMap<>());
    }

    @Test
    void aPathClashesWhenItOrOneOfItsDirectoriesDiffersOnlyInCase() throws Exception {
        try (FolderIndex idx = new FolderIndex(dir.resolve("i.db"))) {
            idx.put(List.of(
                    new FolderIndex.Change(entry("docs", FileEntry.DIR, false), null, 0),
                    new FolderIndex.Change(entry("docs/a.txt", FileEntry.FILE, false), null, 0),
                    new FolderIndex.Change(entry("docs/Plans", FileEntry.DIR, false), null, 0),
                    new FolderIndex.Change(entry("Old", FileEntry.DIR, true), null, 0),
                    new FolderIndex.Change(entry("music", FileEntry.DIR, true), null, 0),
                    new FolderIndex.Change(entry("MUSIC", FileEntry.DIR, false), null, 0)));

            assertEquals("docs", clash(idx, "DOCS"), "a sibling differing only in case");
            assertEquals("docs/a.txt", clash(idx, "docs/A.TXT"), "a file differing only in case");
            assertEquals("docs", clash(idx, "Docs/b.txt"), "a new file under a directory differing only in case");
            assertEquals("docs/Plans", clash(idx, "docs/plans/2027/q1.txt"), "a clash two levels up");
            assertEquals("docs", clash(idx, "DOCS/plans/x"), "a clash at the first level of a deeper path");
            assertEquals("MUSIC", clash(idx, "music/a.mp3"), "a directory held only as a tombstone is no shield");

            assertNull(clash(idx, "docs/b.txt"), "a new name under the exact directory");
            assertNull(clash(idx, "docs/Plans/x.txt"), "exact names all the way");
            assertNull(clash(idx, "other/x.txt"), "a new directory that matches nothing");
            assertNull(clash(idx, "docs/a.txt"), "the same path is an update, not a clash");
            assertNull(clash(idx, "old/x.txt"), "a deleted entry clashes with nothing");

            Map<String, String> page = new HashMap<>(); // one page of entries shares its directory answers
            assertEquals("docs", FolderSync.caseClash(idx, "Docs/1.txt", page));
            assertEquals("docs", FolderSync.caseClash(idx, "Docs/2.txt", page), "the remembered answer is the same");
            assertNull(FolderSync.caseClash(idx, "other/1.txt", page));
            assertNull(FolderSync.caseClash(idx, "other/2.txt", page), "a remembered no-clash stays one");
        }
    }
}
