package dev.ferry.hash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SHA-256 compression function (FIPS 180-4, section 6.2.2) applied to {@link #LANES} independent messages
 * at once, one message per lane of a 256-bit vector. The only class that touches {@code jdk.incubator.vector}:
 * nothing loads it unless that module is present (see {@link Sha256Lanes#shared}). Not thread-safe: one
 * instance per hashing thread (it holds scratch arrays).
 */
final class VectorSha256 {
    static final int LANES = 8;
    private static final VectorSpecies<Integer> S = IntVector.SPECIES_256;
    private static final VarHandle BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

    /** The message schedule of the block being compressed, word t of lane i at {@code t * LANES + i}. */
    private final int[] w = new int[64 * LANES];
    /** The eight state words, word j of lane i at {@code j * LANES + i}. */
    private final int[] h = new int[8 * LANES];

    /** Whether the JVM runs 256-bit integer vectors in hardware (otherwise the Vector API would be slow). */
    static boolean hardwareSupported() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= S.vectorBitSize();
    }

    /**
     * Compresses {@code blocks} consecutive 64-byte blocks of each lane's message: lane i reads
     * {@code data[i]} from {@code offset[i]} and its state {@code state[i]} (eight words) is updated in place.
     */
    void compress(int[][] state, byte[][] data, int[] offset, int blocks) {
        for (int i = 0; i < LANES; i++) {
            for (int j = 0; j < 8; j++) {
                h[j * LANES + i] = state[i][j];
            }
        }
        IntVector a = IntVector.fromArray(S, h, 0);
        IntVector b = IntVector.fromArray(S, h, LANES);
        IntVector c = IntVector.fromArray(S, h, 2 * LANES);
        IntVector d = IntVector.fromArray(S, h, 3 * LANES);
        IntVector e = IntVector.fromArray(S, h, 4 * LANES);
        IntVector f = IntVector.fromArray(S, h, 5 * LANES);
        IntVector g = IntVector.fromArray(S, h, 6 * LANES);
        IntVector hh = IntVector.fromArray(S, h, 7 * LANES);
        for (int block = 0; block < blocks; block++) {
            schedule(data, offset, block * 64);
            IntVector a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = hh;
            for (int t = 0; t < 64; t++) {
                IntVector s1 = ror(e, 6).lanewise(VectorOperators.XOR, ror(e, 11)).lanewise(VectorOperators.XOR, ror(e, 25));
                IntVector ch = e.lanewise(VectorOperators.AND, f).lanewise(VectorOperators.XOR,
                        e.lanewise(VectorOperators.NOT).lanewise(VectorOperators.AND, g));
                IntVector t1 = hh.add(s1).add(ch).add(K[t]).add(IntVector.fromArray(S, w, t * LANES));
                IntVector s0 = ror(a, 2).lanewise(VectorOperators.XOR, ror(a, 13)).lanewise(VectorOperators.XOR, ror(a, 22));
                IntVector maj = a.lanewise(VectorOperators.AND, b).lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.AND, c))
                        .lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.AND, c));
                hh = g;
                g = f;
                f = e;
                e = d.add(t1);
                d = c;
                c = b;
                b = a;
                a = t1.add(s0.add(maj));
            }
            a = a.add(a0);
            b = b.add(b0);
            c = c.add(c0);
            d = d.add(d0);
            e = e.add(e0);
            f = f.add(f0);
            g = g.add(g0);
            hh = hh.add(h0);
        }
        a.intoArray(h, 0);
        b.intoArray(h, LANES);
        c.intoArray(h, 2 * LANES);
        d.intoArray(h, 3 * LANES);
        e.intoArray(h, 4 * LANES);
        f.intoArray(h, 5 * LANES);
        g.intoArray(h, 6 * LANES);
        hh.intoArray(h, 7 * LANES);
        for (int i = 0; i < LANES; i++) {
            for (int j = 0; j < 8; j++) {
                state[i][j] = h[j * LANES + i];
            }
        }
    }

    /** Words 0-15 from each lane's block (big-endian), then words 16-63 of the schedule. */
    private void schedule(byte[][] data, int[] offset, int at) {
        for (int i = 0; i < LANES; i++) {
            byte[] d = data[i];
            int o = offset[i] + at;
            for (int t = 0; t < 16; t++) {
                w[t * LANES + i] = (int) BE.get(d, o + 4 * t);
            }
        }
        for (int t = 16; t < 64; t++) {
            IntVector w2 = IntVector.fromArray(S, w, (t - 2) * LANES);
            IntVector w15 = IntVector.fromArray(S, w, (t - 15) * LANES);
            IntVector s1 = ror(w2, 17).lanewise(VectorOperators.XOR, ror(w2, 19))
                    .lanewise(VectorOperators.XOR, w2.lanewise(VectorOperators.LSHR, 10));
            IntVector s0 = ror(w15, 7).lanewise(VectorOperators.XOR, ror(w15, 18))
                    .lanewise(VectorOperators.XOR, w15.lanewise(VectorOperators.LSHR, 3));
            s1.add(IntVector.fromArray(S, w, (t - 7) * LANES)).add(s0).add(IntVector.fromArray(S, w, (t - 16) * LANES))
                    .intoArray(w, t * LANES);
        }
    }

    private static IntVector ror(IntVector v, int n) {
        return v.lanewise(VectorOperators.ROR, n);
    }
}
