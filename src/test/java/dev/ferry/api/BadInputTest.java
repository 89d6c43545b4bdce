package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Bytes;
import dev.ferry.testing.Http.Reply;
import dev.ferry.testing.TestNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad request gets a 4xx JSON envelope naming the problem, and leaves no blob, row or temp file. */
class BadInputTest {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(TestNode.baseConfig(dir).withMaxUploadBytes(1 << 20));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private void assertRefused(Reply r, int status, String mention) throws Exception {
        assertEquals(status, r.status(), r.toString());
        assertEquals("error", r.json().path("status").asText(), r.toString());
        assertTrue(r.error().contains(mention), "'" + r.error() + "' should mention '" + mention + "'");
        assertTrue(!r.error().contains("Exception") && !r.error().contains("\tat "), "no stack trace: " + r.error());
        assertNothingStored();
    }

    private void assertNothingStored() throws Exception {
        assertEquals(0, node.blobFiles(), "no blob");
        assertEquals(0, node.tempFiles(), "no temp file");
        assertEquals(0, node.http.get("/list").data().path("total").asLong(), "no metadata row");
        assertEquals(0, node.daemon.store().latestSeq(), "no change recorded");
    }

    @Test
    void missingFileFieldIsRefused() throws Exception {
        var body = MultipartEntityBuilder.create().addTextBody("mime_type", "image/jpeg").build();
        assertRefused(node.http.multipart("/ingest", body), 400, "'file'");
    }

    @Test
    void fileSentAsTextIsRefused() throws Exception {
        var body = MultipartEntityBuilder.create().addTextBody("file", "hello").addTextBody("mime_type", "text/plain").build();
        assertRefused(node.http.multipart("/ingest", body), 400, "'file' must be a file upload");
    }

    @Test
    void emptyFieldIsRefused() throws Exception {
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "mime_type", ""), 400, "'mime_type' is empty");
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "mime_type", "text/plain", "application", " "), 400,
                "'application' is empty");
    }

    @Test
    void malformedMimeTypeIsRefused() throws Exception {
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "mime_type", "jpeg"), 400, "type/subtype");
    }

    @Test
    void fieldSentAsFileIsRefused() throws Exception {
        var body = MultipartEntityBuilder.create()
                .addBinaryBody("file", Bytes.random(1, 10), ContentType.APPLICATION_OCTET_STREAM, "a")
                .addBinaryBody("mime_type", "text/plain".getBytes(StandardCharsets.UTF_8), ContentType.TEXT_PLAIN, "m.txt")
                .build();
        assertRefused(node.http.multipart("/ingest", body), 400, "'mime_type' must be a text value");
    }

    @Test
    void unknownAndRepeatedFieldsAreRefused() throws Exception {
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "mime-type", "text/plain"), 400, "unknown multipart field 'mime-type'");
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "user", "x", "user", "y"), 400, "more than once");
        var twoFiles = MultipartEntityBuilder.create()
                .addBinaryBody("file", Bytes.random(1, 10), ContentType.APPLICATION_OCTET_STREAM, "a")
                .addBinaryBody("file", Bytes.random(2, 10), ContentType.APPLICATION_OCTET_STREAM, "b").build();
        assertRefused(node.http.multipart("/ingest", twoFiles), 400, "only one 'file'");
    }

    @Test
    void badTagsAreRefused() throws Exception {
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "tags", "a,,b"), 400, "empty tag");
        assertRefused(node.http.ingest(Bytes.random(1, 100), "a", "tags", "[1,"), 400, "JSON array");
    }

    @Test
    void nonMultipartBodyIsRefused() throws Exception {
        assertRefused(node.http.multipart("/ingest", new StringEntity("{}", ContentType.APPLICATION_JSON)), 400, "multipart/form-data");
    }

    @Test
    void malformedHashIsRefused() throws Exception {
        assertRefused(node.http.get("/assets/xyz"), 400, "64 hex digits");
        assertRefused(node.http.get("/assets/" + "g".repeat(64) + "/content"), 400, "not hex");
        assertRefused(node.http.delete("/assets/abc"), 400, "64 hex digits");
    }

    @Test
    void unknownAssetIs404() throws Exception {
        assertRefused(node.http.get("/assets/" + "a".repeat(64)), 404, "no asset with hash");
        assertRefused(node.http.get("/nope"), 404, "no such endpoint");
    }

    @Test
    void outOfRangeLimitsAndNonNumericSinceAreRefused() throws Exception {
        assertRefused(node.http.get("/list?limit=-1"), 400, "'limit'");
        assertRefused(node.http.get("/list?limit=1000000000000"), 400, "'limit'");
        assertRefused(node.http.get("/list?limit=abc"), 400, "'limit'");
        assertRefused(node.http.get("/list?offset=-5"), 400, "'offset'");
        assertRefused(node.http.postJson("/sync/hashes?since=yesterday", ""), 400, "'since'");
        assertRefused(node.http.postJson("/sync/hashes?since=-1", ""), 400, "'since'");
        assertRefused(node.http.get("/list?colour=red"), 400, "unknown query parameter 'colour'");
        assertRefused(node.http.postJson("/search", "{\"limit\": 0}"), 400, "'limit'");
    }

    @Test
    void badJsonBodiesAreRefused() throws Exception {
        assertRefused(node.http.postJson("/search", "{\"application\": "), 400, "not valid JSON");
        assertRefused(node.http.postJson("/search", "{\"colour\": \"red\"}"), 400, "unknown field 'colour'");
        assertRefused(node.http.postJson("/search", "{\"tags\": 5}"), 400, "'tags'");
        assertRefused(node.http.postJson("/search", "{\"hashes\": [\"zz\"]}"), 400, "64 hex digits");
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        // Declared length over the limit: refused before a byte is read.
        assertRefused(node.http.ingest(Bytes.random(1, (1 << 20) + (2 << 20)), "big", "mime_type", "text/plain"), 413, "limit");
        // Chunked, so the length is not declared: refused while streaming, the partial temp file deleted.
        var chunked = MultipartEntityBuilder.create()
                .addBinaryBody("file", new java.io.ByteArrayInputStream(Bytes.random(2, (1 << 20) + 10)),
                        ContentType.APPLICATION_OCTET_STREAM, "big").build();
        assertRefused(node.http.multipart("/ingest", chunked), 413, "limit");
    }

    @Test
    void pushWithWrongHashIsRefusedAndDiscarded() throws Exception {
        var body = MultipartEntityBuilder.create()
                .addBinaryBody("file", Bytes.random(1, 100), ContentType.APPLICATION_OCTET_STREAM, "a")
                .addTextBody("mime_type", "text/plain").addTextBody("hash", "b".repeat(64)).build();
        assertRefused(node.http.multipart("/sync/push", body), 422, "was expected");
        var noHash = MultipartEntityBuilder.create()
                .addBinaryBody("file", Bytes.random(1, 100), ContentType.APPLICATION_OCTET_STREAM, "a").build();
        assertRefused(node.http.multipart("/sync/push", noHash), 400, "'hash'");
        assertRefused(node.http.upload("/sync/push", Bytes.random(1, 100), "a", "hash", Bytes.sha256(Bytes.random(1, 100)),
                "updated_at", "yesterday"), 400, "'updated_at'");
        assertEquals(0, node.http.get("/list").data().path("total").asLong(), "nothing was stored");
    }

    @Test
    void sinceAheadOfTheStoreIsRefused() throws Exception {
        assertRefused(node.http.postJson("/sync/hashes?since=999", ""), 409, "ahead of this store");
        assertRefused(node.http.get("/sync/events?since=5"), 409, "ahead of this store");
    }

    @Test
    void emptyValuesInJsonFiltersAreRefused() throws Exception {
        assertRefused(node.http.postJson("/search", "{\"application\": \"\"}"), 400, "'application' is empty");
        assertRefused(node.http.postJson("/search", "{\"tags\": [\"\"]}"), 400, "'tags' is empty");
        assertRefused(node.http.postJson("/search", "[1,2]"), 400, "must be a JSON object");
        assertRefused(node.http.postJson("/search", "{\"limit\": 99999999999}"), 400, "out of range");
        assertRefused(node.http.get("/list?tag=a,,b"), 400, "query parameter 'tag' contains an empty tag");
    }

    @Test
    void wrongMethodIs405() throws Exception {
        assertRefused(node.http.get("/sync/hashes"), 405, "not allowed");
    }

    @Test
    void uploadWhoseClientVanishesLeavesNothing() throws Exception {
        URI u = URI.create(node.url());
        String head = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\r\n";
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.getOutputStream().write(("POST " + u.getPath() + "/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n" + head)
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(Bytes.random(9, 5000));
            s.getOutputStream().flush();
        } // closed outright, not half-closed
        // The server may not have started the upload yet: zero temp files counts only once one was seen, or after 2 s.
        long start = System.currentTimeMillis();
        boolean seen = false;
        while (System.currentTimeMillis() - start < 10_000) {
            long files = node.tempFiles();
            seen |= files > 0;
            if (files == 0 && (seen || System.currentTimeMillis() - start > 2000)) {
                break;
            }
            Thread.sleep(5);
        }
        assertNothingStored();
        assertEquals(201, node.http.ingest(Bytes.random(10, 10), "ok", "mime_type", "text/plain").status());
    }

    @Test
    void uploadCutOffMidwayLeavesNothing() throws Exception {
        URI u = URI.create(node.url());
        String boundary = "XyZ";
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        byte[] partial = Bytes.random(9, 200_000);
        String response;
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST " + u.getPath() + "/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n"
                    + "Content-Length: " + (head.length() + 500_000) + "\r\n\r\n" + head).getBytes(StandardCharsets.US_ASCII));
            out.write(partial);
            out.flush();
            s.shutdownOutput(); // the client vanishes before the body is complete
            InputStream in = s.getInputStream();
            response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        long deadline = System.currentTimeMillis() + 5000;
        while ((node.tempFiles() > 0 || node.daemon.store().latestSeq() > 0) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertNothingStored();
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("cut off"), response);
        // The daemon carries on.
        assertEquals(201, node.http.ingest(Bytes.random(10, 10), "ok", "mime_type", "text/plain").status());
    }
}
