package dev.ferry.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest streams: a daemon with a 48 MiB heap takes an upload ten times that size. (bench/ does 4 GiB with 64 MiB.) */
class BoundedHeapIngestTest {
    static final long SIZE = 512L << 20;

    @TempDir
    Path dir;

    /** Seeded pseudo-random bytes, hashed as they are read, so neither side ever holds the upload. */
    static final class GeneratedStream extends InputStream {
        private final SplittableRandom random;
        private final MessageDigest sha;
        private long left;

        GeneratedStream(long seed, long size) throws Exception {
            this.random = new SplittableRandom(seed);
            this.sha = MessageDigest.getInstance("SHA-256");
            this.left = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i += 8) {
                long r = random.nextLong();
                for (int j = 0; j < 8 && i + j < n; j++) {
                    b[off + i + j] = (byte) (r >>> (8 * j));
                }
            }
            sha.update(b, off, n);
            left -= n;
            return n;
        }

        String hash() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    @Test
    void uploadTenTimesTheHeapIngestsWithoutBuffering() throws Exception {
        try (ChildNode node = ChildNode.start(dir.resolve("node"), "-Xmx48m")) {
            GeneratedStream gen = new GeneratedStream(42, SIZE);
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
