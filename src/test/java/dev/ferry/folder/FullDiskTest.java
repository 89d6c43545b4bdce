package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose disk is full pauses the transfer with a clear state, shows nothing half-written, and completes
 * it once space is freed. The small disk is a tmpfs of 24 MiB mounted for the test (skipped where mounting is not
 * allowed); Ferry writes there as anywhere else, past the page cache included.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void aFullDiskPausesTheTransferAndItCompletesOnceSpaceIsFreed() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", vol.toString()),
                "mounting a small tmpfs is not allowed here");
        try {
            Path ra = Files.createDirectories(dir.resolve("tree-a"));
            Path rb = vol.resolve("tree-b");
            byte[] big = new byte[8 << 20];
            new Random(20261121).nextBytes(big);
            Files.write(ra.resolve("big.bin"), big);
            Files.writeString(ra.resolve("small.txt"), "fits\n");
            Path filler = vol.resolve("filler");
            Files.write(filler, new byte[20 << 20]); // leaves about 4 MiB: the small file fits, the big one does not

            try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
                String id = Trees.createFolder(a, "work", ra);
                Trees.join(b, Trees.invite(a, id), rb);
                Trees.await("the small file arrives and the big one is paused as 'disk full'", 30_000, () -> {
                    if (!Files.exists(rb.resolve("small.txt"))) {
                        return false;
                    }
                    for (JsonNode n : b.sync().get("/libraries/" + id).data().path("needed")) {
                        if (n.path("path").asText().equals("big.bin") && n.path("error").asText().startsWith("disk full")) {
                            return true;
                        }
                    }
                    return false;
                });
                assertFalse(Files.exists(rb.resolve("big.bin")), "nothing half-written under the file's name");
                JsonNode state = b.sync().get("/libraries/" + id).data();
                assertFalse(state.path("in_sync").asBoolean(), "the library says it is not in sync: " + state);

                Files.delete(filler);
                Trees.await("the big file completes once space is freed", 60_000, () -> Files.exists(rb.resolve("big.bin")));
                assertEquals(Trees.sha256(ra.resolve("big.bin")), Trees.sha256(rb.resolve("big.bin")));
                Trees.awaitSame(20_000, ra, rb);
                try (Stream<Path> s = Files.list(rb)) {
                    assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".ferry-tmp")), "no temp file left");
                }
            }
        } finally {
            run("umount", "-l", vol.toString());
        }
    }
}
