package dev.ferry.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.SeededStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest streams: a daemon with a 48 MiB heap takes an upload ten times that size. (bench/ does 4 GiB with 64 MiB.) */
class BoundedHeapIngestTest {
    static final long SIZE = 512L << 20;

    @TempDir
    Path dir;

    @Test
    void uploadTenTimesTheHeapIngestsWithoutBuffering() throws Exception {
        try (ChildNode node = ChildNode.start(dir.resolve("node"), "-Xmx48m")) {
            SeededStream gen = new SeededStream(42, SIZE);
            var body = MultipartEntityBuilder.create()
                    .addBinaryBody("file", gen, ContentType.APPLICATION_OCTET_STREAM, "big.bin")
                    .addTextBody("mime_type", "application/octet-stream").build();
            Http.Reply r = node.http.multipart("/ingest", body);
            assertEquals(201, r.status(), r + "\n" + node.output());
            String hash = gen.hash();
            assertEquals(hash, r.data().path("hash").asText());
            assertEquals(SIZE, r.data().path("size").asLong());
            Path blob = node.dataDir.resolve("store/blobs/" + hash.substring(0, 2) + "/" + hash);
            assertEquals(SIZE, Files.size(blob));
        }
    }
}
