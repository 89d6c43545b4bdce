package dev.ferry.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Bytes;
import dev.ferry.testing.ChildNode;
import dev.ferry.testing.TestNode;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a real child process shows: SIGKILL mid-ingest, SIGTERM, and restarts. */
class ProcessLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void sigkillMidIngestLeavesNoVisiblePartialBlobAndRestartCleansTemp() throws Exception {
        Path data = dir.resolve("node");
        byte[] kept = Bytes.random(1, 50_000);
        String keptHash;
        try (ChildNode node = ChildNode.start(data)) {
            keptHash = node.http.ingest(kept, "kept.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
            URI u = URI.create(node.http.base);
            try (Socket s = new Socket(u.getHost(), u.getPort())) {
                String boundary = "B";
                String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n";
                OutputStream out = s.getOutputStream();
                out.write(("POST " + u.getPath() + "/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
                        + boundary + "\r\nContent-Length: 100000000\r\n\r\n" + head).getBytes(StandardCharsets.US_ASCII));
                out.write(Bytes.random(2, 3_000_000));
                out.flush();
                long deadline = System.currentTimeMillis() + 10_000;
                while (TestNode.countFiles(data.resolve("store/tmp")) == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, TestNode.countFiles(data.resolve("store/tmp")), "the upload is in flight");
                node.kill();
            }
            assertEquals(1, TestNode.countFiles(data.resolve("store/blobs")), "only the complete blob is in place");
        }
        try (ChildNode again = ChildNode.start(data)) {
            assertEquals(0, TestNode.countFiles(data.resolve("store/tmp")), "temp files of the crash are gone");
            assertTrue(again.output().contains("removed 1 partial upload"), again.output());
            assertEquals(1, again.http.get("/list").data().path("total").asLong());
            assertArrayEquals(kept, again.http.getBytes("/assets/" + keptHash + "/content").body());
        }
    }

    @Test
    void sigtermStopsCleanlyAndReleasesTheDataDirectory() throws Exception {
        Path data = dir.resolve("node");
        ChildNode node = ChildNode.start(data);
        node.http.ingest(Bytes.random(3, 1000), "a", "mime_type", "text/plain");
        int code = node.terminate();
        assertTrue(code == 143 || code == 0, "exit status " + code);
        assertTrue(node.output().contains("Ferry stopped"), node.output());
        assertFalse(Files.exists(data.resolve("store-api.url")));
        try (ChildNode again = ChildNode.start(data)) {
            assertEquals(1, again.http.get("/list").data().path("total").asLong());
        }
    }

    @Test
    void sigtermWhileStartingStopsCleanlyToo() throws Exception {
        Path data = dir.resolve("node");
        // Returns once the store is up; the sync agent is still starting (about a second more).
        ChildNode node = ChildNode.launch(data, java.util.Map.of("FERRY_STORE_LISTEN_ADDR", "127.0.0.1:0",
                "FERRY_LISTEN_ADDR", "127.0.0.1:0", "FERRY_PEER_LISTEN_ADDR", "127.0.0.1:0", "FERRY_MDNS", "false"),
                java.util.List.of(), java.util.List.of("start"), true, false);
        boolean syncWasUp = Files.exists(data.resolve("sync-api.url"));
        int code = node.terminate();
        assertTrue(code == 143 || code == 0, "exit status " + code);
        assertTrue(node.output().contains("Ferry stopped"), "sync agent up at SIGTERM: " + syncWasUp + "\n" + node.output());
        assertFalse(Files.exists(data.resolve("store-api.url")));
        try (ChildNode again = ChildNode.start(data)) {
            assertFalse(again.output().contains("stopped without storing"), again.output());
        }
    }

    @Test
    void secondDaemonOnTheSameDataDirectoryIsRefused() throws Exception {
        Path data = dir.resolve("node");
        try (ChildNode node = ChildNode.start(data)) {
            var ex = org.junit.jupiter.api.Assertions.assertThrows(dev.ferry.FerryException.class,
                    () -> TestNode.start(data).close());
            assertTrue(ex.getMessage().contains("another Ferry store"), ex.getMessage());
        }
    }
}
