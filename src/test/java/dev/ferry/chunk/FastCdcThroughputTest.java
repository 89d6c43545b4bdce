package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.TestSeed;
import java.io.ByteArrayInputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Prints chunking throughput at the protocol sizes on 256 MiB of random bytes: boundaries only, boundaries
 * plus SHA-256 in memory, the same through the streaming iterator, and through {@link ParallelChunker} (whose
 * chunks must equal the sequential ones). Informational, nothing is asserted about speed (machines differ); a
 * rough figure to notice regressions by eye.
 */
class FastCdcThroughputTest {
    private static final int SIZE = 256 << 20;

    @Test
    void throughputIsPrinted() throws java.io.IOException {
        Random random = new Random(TestSeed.seed("throughputIsPrinted"));
        byte[] data = TestData.randomBytes(random, SIZE);
        FastCdc cdc = FastCdc.protocol();
        // warm up the JIT on a slice
        byte[] warm = java.util.Arrays.copyOf(data, 16 << 20);
        for (int i = 0; i < 3; i++) {
            boundaries(cdc, warm);
            cdc.chunks(warm);
        }

        long t0 = System.nanoTime();
        int count = boundaries(cdc, data);
        long t1 = System.nanoTime();
        List<Chunk> hashed = cdc.chunks(data);
        long t2 = System.nanoTime();
        int streamed = 0;
        for (Iterator<Chunk> it = cdc.chunks(new ByteArrayInputStream(data)); it.hasNext(); it.next()) {
            streamed++;
        }
        long t3 = System.nanoTime();
        ParallelChunker parallel = new ParallelChunker(cdc);
        parallel.chunks(new ByteArrayInputStream(warm));
        long t4 = System.nanoTime();
        List<Chunk> parallelChunks = parallel.chunks(new ByteArrayInputStream(data));
        long t5 = System.nanoTime();

        assertEquals(count, hashed.size());
        assertEquals(count, streamed);
        assertEquals(hashed, parallelChunks);
        System.out.printf("FastCDC %d/%d/%d on 256 MiB random: %d chunks (mean %d bytes)%n",
                cdc.minSize(), cdc.avgSize(), cdc.maxSize(), count, SIZE / count);
        System.out.printf("  boundaries only          %8.0f MB/s%n", mbPerSecond(t1 - t0));
        System.out.printf("  boundaries + SHA-256     %8.0f MB/s%n", mbPerSecond(t2 - t1));
        System.out.printf("  streaming + SHA-256      %8.0f MB/s%n", mbPerSecond(t3 - t2));
        System.out.printf("  parallel + SHA-256       %8.0f MB/s (%d CPUs)%n", mbPerSecond(t5 - t4),
                Runtime.getRuntime().availableProcessors());
    }

    private static int boundaries(FastCdc cdc, byte[] data) {
        int count = 0;
        for (int pos = 0; pos < data.length; count++) {
            pos = cdc.cut(data, pos, data.length - pos);
        }
        return count;
    }

    private static double mbPerSecond(long nanos) {
        return SIZE / 1e6 / (nanos / 1e9);
    }
}
