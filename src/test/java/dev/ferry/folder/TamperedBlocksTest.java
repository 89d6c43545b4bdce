package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that serves bytes which do not match the content it announced (its file was altered behind its
 * index's back, size and time kept): the receiver verifies every block, writes none of the wrong bytes, keeps the
 * path needed with the error, and takes the content once a member serves it correctly.
 */
class TamperedBlocksTest {
    @TempDir
    Path dir;

    @Test
    void blocksThatDoNotMatchTheirHashAreNeverWritten() throws Exception {
        tamperedThenRepaired(3_000_000, 1_000_000);
    }

    /** A one-block file is fetched in one range request and checked against its content identity as a whole. */
    @Test
    void aOneBlockFileWhoseBytesDoNotMatchIsNeverWritten() throws Exception {
        tamperedThenRepaired(12_000, 4_000);
    }

    /** A file of {@code size} bytes on a, altered at {@code at} behind a's index, then put right again. */
    private void tamperedThenRepaired(int size, int at) throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra);
        byte[] original = new byte[size];
        new Random(5).nextBytes(original);
        try (TestNode a = Trees.node(dir.resolve("a"))) {
            String id = Trees.createFolder(a, "tamper", ra);
            Trees.await("a indexed the folder", 20_000, () -> a.sync().get("/libraries/" + id).data().path("last_scan_at").asLong() > 0);
            Path file = ra.resolve("data.bin");
            Files.write(file, original);
            Trees.await("a indexed data.bin", 20_000, () -> a.sync().get("/libraries/" + id).data().path("files").asLong() == 1);
            Thread.sleep(300);
            // Alter the bytes behind a's index: through a hard link outside the folder (so a's watcher hears nothing),
            // same size, same modification time, so a keeps announcing the original content.
            Path alias = dir.resolve("alias.bin");
            Files.createLink(alias, file);
            FileTime mtime = Files.getLastModifiedTime(file);
            byte[] altered = new byte[Math.min(4096, size - at)];
            java.util.Arrays.fill(altered, (byte) 0x5a);
            try (RandomAccessFile raf = new RandomAccessFile(alias.toFile(), "rw")) {
                raf.seek(at);
                raf.write(altered);
            }
            Files.setLastModifiedTime(alias, mtime);

            try (TestNode b = Trees.node(dir.resolve("b"))) {
                Trees.join(b, Trees.invite(a, id), rb);
                Trees.await("b reports the bad content", 20_000, () -> {
                    JsonNode needed = b.sync().get("/libraries/" + id).data().path("needed");
                    return needed.size() == 1 && needed.get(0).path("error").asText().contains("no such");
                });
                assertFalse(Files.exists(rb.resolve("data.bin")), "nothing under the name while the bytes are wrong");
                try (var s = Files.list(rb)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        if (p.getFileName().toString().startsWith(".ferry-tmp-")) {
                            byte[] partial = Files.readAllBytes(p);
                            assertFalse(partial.length >= at + altered.length && java.util.Arrays.equals(
                                    java.util.Arrays.copyOfRange(partial, at, at + altered.length), altered), "the altered block was written");
                        }
                    }
                }
                // The member's file is put right again: b takes the announced content, verified.
                try (RandomAccessFile raf = new RandomAccessFile(alias.toFile(), "rw")) {
                    raf.seek(at);
                    raf.write(original, at, altered.length);
                }
                Files.setLastModifiedTime(alias, mtime);
                Trees.await("b has the verified content", 60_000, () -> Files.exists(rb.resolve("data.bin")));
                assertArrayEquals(original, Files.readAllBytes(rb.resolve("data.bin")));
                Trees.await("b has nothing left to fetch", 20_000,
                        () -> b.sync().get("/libraries/" + id).data().path("need_files").asLong() == 0);
            }
        }
    }
}
