package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.Http.Reply;
import dev.ferry.testing.TestNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestAndDownloadTest {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir.resolve("node"));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void ingestedBytesDownloadUnchangedAndHashAsSha256sumDoes() throws Exception {
        byte[] data = Bytes.random(1, 3_000_001);
        Path file = dir.resolve("photo.jpg");
        Files.write(file, data);
        Process p = new ProcessBuilder("sha256sum", file.toString()).start();
        String coreutils = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split(" ")[0];
        assertEquals(0, p.waitFor());

        Reply r = node.http.ingest(data, "photo.jpg", "mime_type", "image/jpeg", "application", "paste",
                "tags", "a,b", "user", "alice");
        assertEquals(201, r.status(), r.toString());
        JsonNode a = r.data();
        assertEquals(coreutils, a.path("hash").asText());
        assertEquals(data.length, a.path("size").asLong());
        assertEquals("image/jpeg", a.path("mime_type").asText());
        assertEquals("paste", a.path("application").asText());
        assertEquals("[\"a\",\"b\"]", a.path("tags").toString());
        assertEquals("alice", a.path("user").asText());
        assertEquals("photo.jpg", a.path("file_name").asText());
        assertFalse(a.path("duplicate").asBoolean());

        HttpResponse<byte[]> got = node.http.getBytes("/assets/" + coreutils + "/content");
        assertEquals(200, got.statusCode());
        assertArrayEquals(data, got.body());
        assertEquals("image/jpeg", got.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("\"" + coreutils + "\"", got.headers().firstValue("ETag").orElseThrow());
        assertEquals("sandbox", got.headers().firstValue("Content-Security-Policy").orElseThrow(),
                "stored bytes never run as a page of the API's origin");
        assertEquals("nosniff", got.headers().firstValue("X-Content-Type-Options").orElseThrow());
        // The blob on disk is the bytes themselves, named by their hash.
        assertArrayEquals(data, Files.readAllBytes(node.dataDir.resolve("store/blobs/" + coreutils.substring(0, 2) + "/" + coreutils)));

        Reply meta = node.http.get("/assets/" + coreutils);
        assertEquals(200, meta.status());
        assertEquals(a.path("seq").asLong(), meta.data().path("seq").asLong());
    }

    @Test
    void sameBytesAreStoredOnceHoweverOftenIngested() throws Exception {
        byte[] data = Bytes.random(2, 70_000);
        Reply first = node.http.ingest(data, "a.bin", "mime_type", "application/octet-stream");
        Reply second = node.http.ingest(data, "b.bin", "mime_type", "application/octet-stream");
        Reply third = node.http.ingest(data, "b.bin", "mime_type", "application/octet-stream");
        assertEquals(201, first.status());
        assertEquals(200, second.status());
        assertTrue(second.data().path("duplicate").asBoolean());
        assertEquals(first.data().path("hash"), second.data().path("hash"));
        assertEquals(1, node.blobFiles());
        assertEquals(0, node.tempFiles());
        assertEquals(1, node.http.get("/list").data().path("total").asLong());
        // A changed file name is a metadata update with a new sequence number; an identical re-ingest is not.
        assertTrue(second.data().path("seq").asLong() > first.data().path("seq").asLong());
        assertEquals(second.data().path("seq").asLong(), third.data().path("seq").asLong());
        assertEquals("b.bin", third.data().path("file_name").asText());
    }

    @Test
    void reIngestAddsTagsAndNeverDropsThem() {
        byte[] data = Bytes.random(3, 1000);
        node.http.ingest(data, "x", "mime_type", "text/plain", "tags", "one");
        Reply r = node.http.ingest(data, "x", "mime_type", "text/plain", "tags", "[\"two\"]");
        assertEquals("[\"one\",\"two\"]", r.data().path("tags").toString());
    }

    @Test
    void emptyFileIsAValidAsset() {
        Reply r = node.http.ingest(new byte[0], "empty.txt", "mime_type", "text/plain");
        assertEquals(201, r.status(), r.toString());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", r.data().path("hash").asText());
        HttpResponse<byte[]> got = node.http.getBytes("/assets/" + r.data().path("hash").asText() + "/content");
        assertEquals(0, got.body().length);
    }

    @Test
    void reIngestWithoutMimeTypeKeepsTheStoredOne() {
        byte[] data = Bytes.random(40, 100);
        node.http.ingest(data, "p.jpg", "mime_type", "image/jpeg");
        var again = node.http.ingest(data, "p.jpg");
        assertEquals("image/jpeg", again.data().path("mime_type").asText());
        assertEquals(1, again.data().path("seq").asLong(), "nothing changed, so no new change was recorded");
    }

    @Test
    void emptyAssetHasNoSatisfiableRangeAndHeadGivesTheHeaders() {
        String hash = node.http.ingest(new byte[0], "e", "mime_type", "text/plain").data().path("hash").asText();
        assertEquals(416, node.http.getBytes("/assets/" + hash + "/content", "Range", "bytes=-5").statusCode());
        byte[] data = Bytes.random(41, 1234);
        String h2 = node.http.ingest(data, "h.bin", "mime_type", "image/png").data().path("hash").asText();
        var head = node.http.send(node.http.request("/assets/" + h2 + "/content")
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, head.status());
        assertEquals("1234", head.headers().get("content-length").get(0));
        assertEquals("image/png", head.headers().get("content-type").get(0));
    }

    @Test
    void mimeTypeDefaultsToThePartsContentType() {
        Reply r = node.http.ingest(Bytes.random(4, 10), "blob");
        assertEquals(201, r.status(), r.toString());
        assertEquals("application/octet-stream", r.data().path("mime_type").asText());
    }

    @Test
    void rangeRequestsReturnExactlyTheRequestedBytes() {
        byte[] data = Bytes.random(5, 10_000);
        String hash = node.http.ingest(data, "r.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
        String path = "/assets/" + hash + "/content";

        HttpResponse<byte[]> mid = node.http.getBytes(path, "Range", "bytes=100-199");
        assertEquals(206, mid.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 100, 200), mid.body());
        assertEquals("bytes 100-199/10000", mid.headers().firstValue("Content-Range").orElseThrow());

        HttpResponse<byte[]> tail = node.http.getBytes(path, "Range", "bytes=-10");
        assertArrayEquals(Arrays.copyOfRange(data, 9990, 10000), tail.body());

        HttpResponse<byte[]> open = node.http.getBytes(path, "Range", "bytes=9000-");
        assertArrayEquals(Arrays.copyOfRange(data, 9000, 10000), open.body());

        HttpResponse<byte[]> beyond = node.http.getBytes(path, "Range", "bytes=10000-20000");
        assertEquals(416, beyond.statusCode());
        assertEquals("bytes */10000", beyond.headers().firstValue("Content-Range").orElseThrow());

        HttpResponse<byte[]> stale = node.http.getBytes(path, "Range", "bytes=0-9", "If-Range", "\"other\"");
        assertEquals(200, stale.statusCode());
        assertArrayEquals(data, stale.body());

        HttpResponse<byte[]> cached = node.http.getBytes(path, "If-None-Match", "\"" + hash + "\"");
        assertEquals(304, cached.statusCode());
    }

    @Test
    void largeAssetsAndTheirRangesComeBackExactly() {
        // Large enough to be written and read past the page cache, with a length and offsets off the 4 KiB blocks.
        int size = (3 << 20) + 1234;
        byte[] data = Bytes.random(6, size);
        String hash = node.http.ingest(data, "big.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
        String path = "/assets/" + hash + "/content";

        assertArrayEquals(data, node.http.getBytes(path).body());
        HttpResponse<byte[]> mid = node.http.getBytes(path, "Range", "bytes=4097-2100000");
        assertEquals(206, mid.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 4097, 2_100_001), mid.body());
        HttpResponse<byte[]> tail = node.http.getBytes(path, "Range", "bytes=-300001");
        assertArrayEquals(Arrays.copyOfRange(data, size - 300_001, size), tail.body());
    }

    @Test
    void deleteLeavesATombstoneAndRemovesTheBytes() {
        byte[] data = Bytes.random(6, 5000);
        String hash = node.http.ingest(data, "d.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
        Reply del = node.http.delete("/assets/" + hash);
        assertEquals(200, del.status(), del.toString());
        assertTrue(del.data().path("deleted_at").isNumber());
        assertEquals(410, node.http.get("/assets/" + hash).status());
        assertEquals(410, node.http.getBytes("/assets/" + hash + "/content").statusCode());
        assertEquals(0, node.http.get("/list").data().path("total").asLong());
        assertFalse(Files.exists(node.dataDir.resolve("store/blobs/" + hash.substring(0, 2) + "/" + hash)));
        // Deleting again changes nothing; an unknown hash is 404.
        assertEquals(del.data().path("seq"), node.http.delete("/assets/" + hash).data().path("seq"));
        assertEquals(404, node.http.delete("/assets/" + "0".repeat(64)).status());
        // The bytes can come back, as a new change.
        Reply again = node.http.ingest(data, "d.bin", "mime_type", "application/octet-stream");
        assertEquals(201, again.status());
        assertArrayEquals(data, node.http.getBytes("/assets/" + hash + "/content").body());
    }

    /**
     * A push (a member's asset fetched by the sync agent) keeps the asset's original times: {@code created_at}, and
     * {@code updated_at}, the time its state arose on the member, which decides whether a later delete there is newer
     * than this copy. A time in the future is taken as now.
     */
    @Test
    void aPushKeepsTheOriginalCreationAndChangeTimes() {
        byte[] bytes = Bytes.random(31, 5000);
        String hash = Bytes.sha256(bytes);
        Reply pushed = push(bytes, "hash", hash, "created_at", "1000", "updated_at", "2000");
        assertEquals(201, pushed.status(), pushed.toString());
        assertArrayEquals(bytes, node.http.getBytes("/assets/" + hash + "/content").body());
        JsonNode a = node.http.get("/assets/" + hash).data();
        assertEquals(1000, a.path("created_at").asLong());
        assertEquals(2000, a.path("updated_at").asLong());
        assertTrue(a.path("ingested_at").asLong() > 2000, "ingested here now: " + a);

        // A member's later metadata change, pushed again with its own time: dated then, never before the last change.
        assertEquals(200, push(bytes, "hash", hash, "user", "bob", "updated_at", "3000").status());
        a = node.http.get("/assets/" + hash).data();
        assertEquals("bob", a.path("user").asText());
        assertEquals(3000, a.path("updated_at").asLong());
        assertEquals(200, push(bytes, "hash", hash, "tags", "old", "updated_at", "1500").status());
        a = node.http.get("/assets/" + hash).data();
        assertEquals("[\"old\"]", a.path("tags").toString(), "the tag is merged");
        assertEquals(3000, a.path("updated_at").asLong(), "but the time never goes back");
        // A later version with the same metadata (deleted and added again on the member) still moves the time.
        assertEquals(200, push(bytes, "hash", hash, "updated_at", "4000").status());
        assertEquals(4000, node.http.get("/assets/" + hash).data().path("updated_at").asLong());

        byte[] later = Bytes.random(32, 5000);
        long before = System.currentTimeMillis();
        assertEquals(201, push(later, "hash", Bytes.sha256(later), "updated_at", Long.toString(before + 3_600_000)).status());
        long updated = node.http.get("/assets/" + Bytes.sha256(later)).data().path("updated_at").asLong();
        assertTrue(updated >= before && updated <= System.currentTimeMillis(), "not in the future: " + updated);
    }

    private Reply push(byte[] bytes, String... fields) {
        return node.http.upload("/sync/push", bytes, "p.bin", fields);
    }
}
