package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.ferry.testing.CliRunner;
import dev.ferry.testing.CliRunner.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Bytes;
import dev.ferry.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real daemon, through the daemon's HTTP API only. */
class CliTest {
    @TempDir
    Path dir;

    private static Run ferry(String... args) {
        return CliRunner.ferry(args);
    }

    @Test
    void ingestListGetAndStatusRoundTrip() throws Exception {
        Path data = dir.resolve("node");
        try (TestNode node = TestNode.start(data)) {
            byte[] bytes = Bytes.random(7, 200_000);
            Path src = dir.resolve("in/photo.jpg");
            Files.createDirectories(src.getParent());
            Files.write(src, bytes);
            Files.write(dir.resolve("in/notes.txt"), "hello".getBytes(StandardCharsets.UTF_8));
            String hash = Bytes.sha256(bytes);

            Run ingest = ferry("ingest", "--data-dir", data.toString(), dir.resolve("in").toString(), "--app", "paste", "--tag", "x", "--tag", "y");
            assertEquals(0, ingest.code(), ingest.err());
            assertTrue(ingest.out().contains(hash + "  " + src), ingest.out());
            assertEquals(2, ingest.out().lines().count());

            var meta = node.http.get("/assets/" + hash).data();
            assertEquals("image/jpeg", meta.path("mime_type").asText());
            assertEquals("paste", meta.path("application").asText());
            assertEquals("[\"x\",\"y\"]", meta.path("tags").toString());

            Run ls = ferry("ls", "--data-dir", data.toString(), "--mime-prefix", "image/");
            assertEquals(0, ls.code(), ls.err());
            assertTrue(ls.out().startsWith(hash), ls.out());
            assertEquals(1, ls.out().lines().count());

            Path out = dir.resolve("out.jpg");
            Run get = ferry("get", "--data-dir", data.toString(), hash, "-o", out.toString());
            assertEquals(0, get.code(), get.err());
            assertArrayEquals(bytes, Files.readAllBytes(out));
            assertEquals(1, TestNode.countFiles(dir) - TestNode.countFiles(data) - 2, "no temp file beside the output");

            Run status = ferry("status", "--data-dir", data.toString());
            assertEquals(0, status.code(), status.err());
            assertTrue(status.out().contains("assets      2"), status.out());
        }
    }

    @Test
    void clearErrorsWhenNoDaemonOrBadInput() throws Exception {
        Path data = dir.resolve("none");
        Run noDaemon = ferry("status", "--data-dir", data.toString(), "--url", "http://127.0.0.1:1/api/v1/can/0");
        assertEquals(1, noDaemon.code());
        assertTrue(noDaemon.err().contains("no Ferry daemon answers"), noDaemon.err());

        Run badHash = ferry("get", "--data-dir", data.toString(), "nothex", "-o", dir.resolve("x").toString());
        assertEquals(1, badHash.code());
        assertTrue(badHash.err().contains("64 hex digits"), badHash.err());

        try (TestNode node = TestNode.start(data)) {
            Run missing = ferry("get", "--data-dir", data.toString(), "a".repeat(64), "-o", dir.resolve("x").toString());
            assertEquals(1, missing.code());
            assertTrue(missing.err().contains("no asset with hash"), missing.err());
            assertTrue(!Files.exists(dir.resolve("x")));

            Run noFile = ferry("ingest", "--data-dir", data.toString(), dir.resolve("nope.bin").toString());
            assertEquals(1, noFile.code());
            assertTrue(noFile.err().contains("no such file"), noFile.err());
        }
    }

    @Test
    void badConfigurationExitsWith2NamingTheKey() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "colour: blue\n");
        Run r = ferry("status", "--config", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'colour'"), r.err());
    }
}
