package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a member in the middle of a transfer: no partial file ever appears under the file's name, and after
 * a restart the member resumes from the blocks already in its temp file and converges.
 */
class CrashDuringTransferTest {
    @TempDir
    Path dir;

    @Test
    void killedMidTransferLeavesNoPartialFileAndResumes() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra);
        long size = 400L << 20;
        Random rnd = new Random(11);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(ra.resolve("video.bin"))) {
            for (long done = 0; done < size; done += buf.length) {
                rnd.nextBytes(buf);
                out.write(buf);
            }
        }
        String expected = Trees.sha256(ra.resolve("video.bin"));
        try (TestNode a = Trees.node(dir.resolve("a"))) {
            String id = Trees.createFolder(a, "videos", ra);
            String ticket = Trees.invite(a, id);
            ChildNode b = ChildNode.start(dir.resolve("b"));
            try {
                Http.Reply r = b.sync().postJson("/join", "{\"ticket\": \"" + ticket + "\", \"path\": \"" + rb + "\"}");
                assertEquals(201, r.status(), r.toString());
                Http sync = b.sync();
                Trees.await("b's transfer is under way", 60_000, () -> {
                    JsonNode t = sync.get("/libraries/" + id).data().path("transfers");
                    return t.size() > 0 && t.get(0).path("done").asLong() > 40L << 20;
                });
                b.kill();
            } finally {
                b.close();
            }
            assertFalse(Files.exists(rb.resolve("video.bin")), "no partial file under the real name");
            long partial;
            try (var s = Files.list(rb)) {
                partial = s.filter(p -> p.getFileName().toString().startsWith(".ferry-tmp-")).count();
            }
            assertEquals(1, partial, "the temp file stays for the restart to reuse");

            long inBefore = 0;
            ChildNode again = ChildNode.start(dir.resolve("b"));
            try {
                Trees.await("b completes after the restart", 120_000, () -> {
                    try {
                        return Files.exists(rb.resolve("video.bin")) && Files.size(rb.resolve("video.bin")) == size;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
                assertEquals(expected, Trees.sha256(rb.resolve("video.bin")));
                for (JsonNode p : again.sync().get("/peers").data()) {
                    inBefore += p.path("bytes_in").asLong();
                }
                System.out.println("after the restart b received " + inBefore + " bytes for a " + size + "-byte file");
                assertTrue(inBefore < size - (30L << 20), "the restart reused the blocks already fetched: " + inBefore);
                try (var s = Files.list(rb)) {
                    assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith(".ferry-tmp-")).count(), "no temp left");
                }
            } finally {
                again.close();
            }
        }
    }
}
