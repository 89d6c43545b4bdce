package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.hash.Sha256Lanes;
import dev.ferry.testing.TestSeed;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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

    /**
     * Beside others a blob is hashed in a vector lane, unless the caller said it is long: a lane left alone when
     * its neighbours end is slower than the JDK, and a long blob would likely end up so. Either way the digest is right.
     */
    @Test
    void aBlobExpectedToBeLongIsHashedOffTheLanesEvenBesideOthers() throws Exception {
        assumeTrue(Sha256Lanes.shared().isPresent(), "no vector lanes on this JVM or CPU (see Sha256Lanes.shared)");
        Random random = new Random(TestSeed.seed("BlobWriterTest.lanes"));
        List<BlobWriter> writers = new ArrayList<>();
        try {
            for (int i = 0; i < BlobDigest.LANES_FROM; i++) {
                writers.add(new BlobWriter(dir.resolve("beside-" + i), Long.MAX_VALUE));
            }
            BlobWriter small = writers.get(writers.size() - 1);
            BlobWriter large = new BlobWriter(dir.resolve("large"), Long.MAX_VALUE);
            writers.add(large);
            large.expectSize(BlobDigest.LONG_BLOB);
            small.expectSize(BlobDigest.LONG_BLOB - 1);
            assertTrue(small.hashesInLanes(), "a blob shorter than LONG_BLOB beside others gets a lane");
            assertFalse(large.hashesInLanes(), "a blob of LONG_BLOB or more is hashed by the JDK");
            for (BlobWriter w : List.of(small, large)) {
                byte[] data = new byte[3 << 20];
                random.nextBytes(data);
                w.write(data, 0, data.length);
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)), w.finish());
            }
        } finally {
            for (BlobWriter w : writers) {
                w.close();
            }
        }
    }
}
