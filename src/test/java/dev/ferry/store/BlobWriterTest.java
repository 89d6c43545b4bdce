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
     * Beside others a blob is hashed in a vector lane, unless it is said to be long: a lane left alone when its
     * neighbours end is slower than the JDK, and a long blob would likely end up so. A long one does not count as a
     * neighbour either. Whatever the choice, the digest is right.
     */
    @Test
    void aBlobExpectedToBeLongIsHashedOffTheLanesAndDoesNotCountAsANeighbour() throws Exception {
        assumeTrue(Sha256Lanes.shared().isPresent(), "no vector lanes on this JVM or CPU (see Sha256Lanes.shared)");
        assertEquals(3, BlobDigest.LANES_FROM, "the counts below assume lanes from three streams on");
        Random random = new Random(TestSeed.seed("BlobWriterTest.lanes"));
        List<BlobWriter> writers = new ArrayList<>();
        try {
            BlobWriter first = add(writers, "first");
            BlobWriter large = add(writers, "large");
            large.expectAtMost(BlobDigest.LONG_BLOB); // an ingest's body length
            BlobWriter besideOne = add(writers, "beside-one");
            assertFalse(besideOne.hashesInLanes(), "beside one other short blob and a long one: the JDK");
            BlobWriter besideTwo = add(writers, "beside-two");
            besideTwo.expectSize(BlobDigest.LONG_BLOB - 1);
            assertTrue(besideTwo.hashesInLanes(), "beside two other short blobs: a lane");
            assertFalse(large.hashesInLanes(), "a blob of LONG_BLOB or more is hashed by the JDK");
            BlobWriter fetched = add(writers, "fetched");
            fetched.expectSize(BlobDigest.LONG_BLOB); // a fetch knows the asset's size
            assertFalse(fetched.hashesInLanes(), "a long fetch is hashed by the JDK");
            assertTrue(add(writers, "last").hashesInLanes(), "beside three short blobs: a lane");
            for (BlobWriter w : List.of(first, large, besideOne, besideTwo, fetched)) {
                byte[] data = new byte[random.nextInt(3 << 20)];
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

    private BlobWriter add(List<BlobWriter> writers, String name) throws Exception {
        BlobWriter w = new BlobWriter(dir.resolve(name), Long.MAX_VALUE);
        writers.add(w);
        return w;
    }
}
