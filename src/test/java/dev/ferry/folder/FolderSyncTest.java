package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two and three real daemons on loopback with real directories: every operation on a tree converges. */
class FolderSyncTest {
    @TempDir
    Path dir;

    @Test
    void filesDirectoriesAndDeletesConverge() throws Exception {
        Path ra = dir.resolve("tree-a");
        Path rb = dir.resolve("tree-b");
        Files.createDirectories(ra.resolve("docs/empty"));
        Files.writeString(ra.resolve("docs/readme.txt"), "hello from a\n");
        byte[] big = new byte[3_000_000];
        new Random(7).nextBytes(big);
        Files.write(ra.resolve("big.bin"), big);
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "work", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.awaitSame(20_000, ra, rb);
            assertTrue(Files.isDirectory(rb.resolve("docs/empty")), "empty directories sync");
            assertEquals("hello from a\n", Files.readString(rb.resolve("docs/readme.txt")));

            Files.writeString(rb.resolve("docs/from-b.txt"), "written on b");
            Trees.await("b's file on a", 10_000, () -> Files.exists(ra.resolve("docs/from-b.txt")));
            Files.delete(ra.resolve("docs/readme.txt"));
            Trees.await("delete reaches b", 10_000, () -> !Files.exists(rb.resolve("docs/readme.txt")));
            Trees.awaitSame(10_000, ra, rb);
        }
    }
}
