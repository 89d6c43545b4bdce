package dev.ferry.chunk;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/** Inputs for the chunking tests: a generator any language can reproduce, and seeded random bytes. */
final class TestData {
    private TestData() {}

    /**
     * {@code n} bytes of SplitMix64 (Steele, Lea, Flood 2014) started at {@code seed}: each output word
     * contributes 8 bytes, little-endian. Chosen for the cross-check vectors because it is a few lines in
     * any language, so the same input can be produced next to another FastCDC implementation.
     */
    static byte[] splitMix64(long seed, int n) {
        byte[] out = new byte[n];
        long state = seed;
        for (int i = 0; i < n; i += 8) {
            state += 0x9e3779b97f4a7c15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            z ^= z >>> 31;
            for (int k = 0; k < 8 && i + k < n; k++) {
                out[i + k] = (byte) (z >>> (8 * k));
            }
        }
        return out;
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] out = new byte[n];
        random.nextBytes(out);
        return out;
    }

    static List<Chunk> drain(Iterator<Chunk> chunks) {
        List<Chunk> out = new ArrayList<>();
        chunks.forEachRemaining(out::add);
        return out;
    }
}
