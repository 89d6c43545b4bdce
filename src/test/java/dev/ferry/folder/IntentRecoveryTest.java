package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The states a SIGKILL can leave in the middle of a replacement, made by hand exactly as the applier leaves them
 * (intent recorded, old content moved aside, new content not yet renamed in, or not even that): the next start
 * finishes or undoes each, so every file is wholly old or wholly new, and no member ever hears of a deletion.
 */
class IntentRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void aReplacementCutShortIsFinishedOrUndoneAtTheNextStart() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra);
        Files.writeString(ra.resolve("finished.txt"), "old\n");
        Files.writeString(ra.resolve("undone.txt"), "kept\n");
        String id;
        int portA = Trees.freePort();
        int portB = Trees.freePort();
        try (TestNode a = Trees.node(dir.resolve("a"), portA); TestNode b = Trees.node(dir.resolve("b"), portB)) {
            id = Trees.createFolder(a, "crash", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.awaitSame(20_000, ra, rb);
        }
        // Both daemons are down. On a, two replacements were cut short by a SIGKILL:
        Files.createDirectories(ra.resolve(".ferry/versions"));
        Files.move(ra.resolve("finished.txt"), ra.resolve(".ferry/versions/finished~20260101-000000.txt"));
        Files.writeString(ra.resolve(".ferry-tmp-finished.txt-0123456789ab"), "new\n"); // new content complete, not renamed
        Files.move(ra.resolve("undone.txt"), ra.resolve(".ferry/versions/undone~20260101-000000.txt")); // no new content
        try (FolderIndex idx = new FolderIndex(dir.resolve("a/folders/" + id + ".db"))) {
            idx.beginIntent("replace", "finished.txt", ".ferry-tmp-finished.txt-0123456789ab", ".ferry/versions/finished~20260101-000000.txt");
            idx.beginIntent("replace", "undone.txt", ".ferry-tmp-undone.txt-0123456789ab", ".ferry/versions/undone~20260101-000000.txt");
        }
        try (TestNode a = Trees.node(dir.resolve("a"), portA); TestNode b = Trees.node(dir.resolve("b"), portB)) {
            Trees.await("a finished the replacement", 20_000, () -> Files.exists(ra.resolve("finished.txt")));
            assertEquals("new\n", Files.readString(ra.resolve("finished.txt")), "rolled forward to the whole new content");
            assertEquals("kept\n", Files.readString(ra.resolve("undone.txt")), "rolled back to the whole old content");
            Trees.await("b has the finished content", 20_000, () -> {
                try {
                    return Files.readString(rb.resolve("finished.txt")).equals("new\n");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            Thread.sleep(500);
            assertTrue(Files.exists(rb.resolve("undone.txt")), "no deletion reached b");
            assertEquals("kept\n", Files.readString(rb.resolve("undone.txt")));
            assertFalse(a.daemon.peering().engine().folders().folder(id).index().intents().iterator().hasNext(), "intents settled");
        }
    }
}
