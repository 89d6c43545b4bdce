package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.TestSeed;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's batching, direct writes and pipelined hashing give exactly the bytes and SHA-256 of the input, whatever
 * the piece sizes and whatever size the caller said to expect.
 */
class BlobWriterTest {
    @TempDir
    Path dir;

    @Test
    void hashAndBytesMatchForRandomPieceSizesAcrossTheInlineThreshold() throws Exception {
        Random random = new Random(TestSeed.seed("BlobWriterTest"));
        for (int round = 0; round < 12; round++) {
            int size = switch (round) {
                case 0 -> 0;
                case 1 -> 1;
                case 2 -> PipelinedDigest.INLINE_BYTES;
                case 3 -> PipelinedDigest.INLINE_BYTES + 1;
                default -> random.nextInt(20 << 20);
            };
            byte[] data = new byte[size];
            random.nextBytes(data);
            Path file = dir.resolve("blob-" + round);
            String hash;
            try (BlobWriter w = new BlobWriter(file, Long.MAX_VALUE)) {
                if (random.nextInt(3) > 0) { // a fetch says what size to expect; only a hint, which may be wrong
                    w.expectSize(switch (random.nextInt(4)) {
                        case 0 -> size;
                        case 1 -> size / 2;
                        case 2 -> 2L * size + 1;
                        default -> 300 << 10;
                    });
                }
                int off = 0;
                while (off < size) {
                    int n = Math.min(size - off, 1 + random.nextInt(random.nextBoolean() ? 100 : 3 << 20));
                    if (random.nextBoolean()) {
                        w.write(data, off, n);
                    } else {
                        w.write(ByteBuffer.wrap(data, off, n));
                    }
                    off += n;
                }
                hash = w.finish();
                assertEquals(size, w.size());
                assertArrayEquals(data, Files.readAllBytes(file), "round " + round);
            }
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)), hash, "round " + round);
        }
    }
}
