package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestSeed;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The parallel chunker must give exactly the chunks (offsets, lengths, hashes) of the sequential one. */
class ParallelChunkerTest {
    private final FastCdc cdc = FastCdc.protocol();
    private final ParallelChunker parallel = new ParallelChunker(cdc);

    @Test
    void agreesWithTheSequentialChunkerAtSegmentEdgesAndRandomSizes() throws IOException {
        Random random = new Random(TestSeed.seed("agreesWithTheSequentialChunkerAtSegmentEdgesAndRandomSizes"));
        int seg = ParallelChunker.SEGMENT;
        int max = cdc.maxSize();
        int[] sizes = {0, 1, cdc.minSize(), max - 1, max, max + 1, seg - 1, seg, seg + 1, seg + max - 1, seg + max,
                seg + max + 1, 3 * seg, 3 * seg + 7, ParallelChunker.BUFFERS * (seg + max) + 12_345,
                random.nextInt(5 * seg), random.nextInt(5 * seg)};
        for (int size : sizes) {
            byte[] data = TestData.randomBytes(random, size);
            assertSame(data, new ByteArrayInputStream(data), "random bytes, size " + size);
        }
    }

    @Test
    void agreesOnLowEntropyInputWhereEveryChunkHasTheMaximumSize() throws IOException {
        byte[] zeros = new byte[2 * ParallelChunker.SEGMENT + 3 * cdc.maxSize() + 5];
        assertSame(zeros, new ByteArrayInputStream(zeros), "zeros");
    }

    @Test
    void agreesOnMixedInputWhereSpeculativeCutsMeetTheTrueOnesLateOrNever() throws IOException {
        Random random = new Random(TestSeed.seed("agreesOnMixedInputWhereSpeculativeCutsMeetTheTrueOnesLateOrNever"));
        int seg = ParallelChunker.SEGMENT;
        byte[] data = TestData.randomBytes(random, 6 * seg + random.nextInt(seg));
        // Runs of zeros across segment starts (no content-defined cut inside), and one whole segment of them.
        for (int k = 1; k < 6; k++) {
            int from = k * seg - random.nextInt(3 * cdc.maxSize());
            java.util.Arrays.fill(data, from, Math.min(data.length, from + random.nextInt(4 * cdc.maxSize())), (byte) 0);
        }
        java.util.Arrays.fill(data, 3 * seg, 4 * seg, (byte) 0);
        assertSame(data, new ByteArrayInputStream(data), "mixed");
    }

    @Test
    void handsEveryChunkToTheSinkInOrderBeforeReturning() throws IOException {
        Random random = new Random(TestSeed.seed("handsEveryChunkToTheSinkInOrderBeforeReturning"));
        byte[] data = TestData.randomBytes(random, 12 * ParallelChunker.SEGMENT + random.nextInt(1 << 20));
        List<Chunk> sunk = new java.util.ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        long[] unreadAtFirst = {-1};
        List<Chunk> returned = parallel.chunks(in, c -> {
            if (unreadAtFirst[0] < 0) {
                unreadAtFirst[0] = in.available();
            }
            sunk.add(c);
        });
        assertEquals(cdc.chunks(data), returned);
        assertEquals(returned, sunk, "the sink saw every chunk once, in order");
        // Previews depend on this: the first chunks are handed over while most of the input is still unread (at
        // the latest when their buffer comes round again, BUFFERS segments on).
        assertTrue(unreadAtFirst[0] >= data.length / 2, "only " + unreadAtFirst[0] + " of " + data.length
                + " bytes were unread when the first chunk was handed over");
    }

    @Test
    void agreesWithOtherChunkSizes() throws IOException {
        Random random = new Random(TestSeed.seed("agreesWithOtherChunkSizes"));
        FastCdc small = new FastCdc(2047, 4096, 8192);
        byte[] data = TestData.randomBytes(random, 2 * ParallelChunker.SEGMENT + random.nextInt(1 << 20));
        assertEquals(small.chunks(data), new ParallelChunker(small).chunks(new ByteArrayInputStream(data)));
    }

    @Test
    void agreesWhenTheStreamDeliversOddShortReads() throws IOException {
        Random random = new Random(TestSeed.seed("agreesWhenTheStreamDeliversOddShortReads"));
        byte[] data = TestData.randomBytes(random, 2 * ParallelChunker.SEGMENT + random.nextInt(1 << 20));
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(100_000)));
            }
        };
        assertSame(data, trickle, "short reads");
    }

    @Test
    void aReadFailureIsReported() {
        InputStream failing = new InputStream() {
            private int left = ParallelChunker.SEGMENT + 10;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException("disk went away");
                }
                return 7;
            }
        };
        IOException e = assertThrows(IOException.class, () -> parallel.chunks(failing));
        assertEquals("disk went away", e.getMessage());
    }

    private void assertSame(byte[] data, InputStream in, String what) throws IOException {
        List<Chunk> expected = cdc.chunks(data);
        List<Chunk> got = parallel.chunks(in);
        assertEquals(expected.size(), got.size(), what + ": number of chunks");
        assertEquals(expected, got, what);
    }
}
