package dev.ferry.chunk;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Content-defined chunking with FastCDC as published in 2020 (Xia et al., "The Design of Fast
 * Content-Defined Chunking for Data Deduplication Based Storage Systems", IEEE TPDS 31(9), 2020), giving
 * exactly the cut points of the Rust crate {@code fastcdc}, module {@code v2020}, with its default
 * normalization level 1. Because chunk boundaries depend only on nearby content, inserting bytes near the
 * start of a file changes the chunks around the insertion and leaves the later ones as they were.
 *
 * <p>How a cut is found in a window of {@code n} bytes (see {@link #cut}): if {@code n <= minSize} the whole
 * window is one chunk. Otherwise the window is clamped to {@code maxSize}, the first {@code minSize} bytes
 * are skipped unhashed, and a 64-bit gear hash is rolled two bytes per step:
 * {@code h = (h << 2) + GEAR_LS[b[a]]}, judged against {@code MASK_S << 1}, then
 * {@code h = h + GEAR[b[a+1]]}, judged against {@code MASK_S}. A judgement passes when {@code h & mask == 0};
 * passing at the first byte of the pair ends the chunk before byte {@code a}, at the second byte before byte
 * {@code a+1}. Up to {@code avgSize} the stricter {@code MASK_S} is used, after it the looser {@code MASK_L}
 * (normalized chunking), and if nothing passes the chunk ends at the clamped window end. With average size
 * 2^b (b = log2 of {@code avgSize}, rounded), {@code MASK_S} has b+1 one-bits and {@code MASK_L} b-1
 * ({@link Gear#MASKS}). These details, including the pair stepping that makes an odd {@code minSize} allow
 * chunks of {@code minSize - 1} bytes, are the crate's and are kept so that boundaries match it.
 *
 * <p>Every chunk except the last of an input is at least {@code minSize} bytes (for even {@code minSize})
 * and no chunk is more than {@code maxSize}. {@link #PROTOCOL_MIN}, {@link #PROTOCOL_AVG} and
 * {@link #PROTOCOL_MAX} are the sizes of Ferry's protocol ({@code docs/protocol.md}, "Content-defined
 * chunking (FastCDC)"); changing them changes every block id a peer computes.
 *
 * <p>Instances are immutable and thread-safe. The iterators from {@link #chunks(InputStream)} are not.
 */
public final class FastCdc {
    /** Protocol minimum chunk size, 16 KiB. */
    public static final int PROTOCOL_MIN = 16 * 1024;
    /** Protocol average (expected) chunk size, 64 KiB. */
    public static final int PROTOCOL_AVG = 64 * 1024;
    /** Protocol maximum chunk size, 256 KiB: also the streaming buffer size. */
    public static final int PROTOCOL_MAX = 256 * 1024;

    /** The crate's accepted ranges ({@code MINIMUM_MIN} ... {@code MAXIMUM_MAX} in {@code v2020}). */
    static final int MINIMUM_MIN = 64;
    static final int MINIMUM_MAX = 1_048_576;
    static final int AVERAGE_MIN = 256;
    static final int AVERAGE_MAX = 4_194_304;
    static final int MAXIMUM_MIN = 1024;
    static final int MAXIMUM_MAX = 16_777_216;

    /** Normalization level: the mask for the region before the average has this many more bits than log2(avg). */
    static final int NORMALIZATION = 1;

    private static final FastCdc PROTOCOL = new FastCdc(PROTOCOL_MIN, PROTOCOL_AVG, PROTOCOL_MAX);

    private final int minSize;
    private final int avgSize;
    private final int maxSize;
    private final long maskS;
    private final long maskL;
    private final long maskSLs;
    private final long maskLLs;

    /** The end of a chunk in the caller's array and the gear hash at that point (0 when nothing was hashed). */
    record Cut(int end, long hash) {}

    /**
     * A chunker with the given sizes in bytes. Each must lie in the crate's range (minimum 64 ... 1 MiB,
     * average 256 ... 4 MiB, maximum 1 KiB ... 16 MiB); in addition, unlike the crate, the sizes must be
     * ordered {@code min <= avg <= max}, since an average above the maximum would let chunks exceed it.
     */
    public FastCdc(int minSize, int avgSize, int maxSize) {
        checkRange("minimum", minSize, MINIMUM_MIN, MINIMUM_MAX);
        checkRange("average", avgSize, AVERAGE_MIN, AVERAGE_MAX);
        checkRange("maximum", maxSize, MAXIMUM_MIN, MAXIMUM_MAX);
        if (minSize > avgSize || avgSize > maxSize) {
            throw new IllegalArgumentException("chunk sizes must be ordered min <= avg <= max; got min " + minSize
                    + ", avg " + avgSize + ", max " + maxSize);
        }
        this.minSize = minSize;
        this.avgSize = avgSize;
        this.maxSize = maxSize;
        int bits = log2Rounded(avgSize);
        this.maskS = Gear.MASKS[bits + NORMALIZATION];
        this.maskL = Gear.MASKS[bits - NORMALIZATION];
        this.maskSLs = maskS << 1;
        this.maskLLs = maskL << 1;
    }

    /** The chunker with Ferry's protocol sizes. */
    public static FastCdc protocol() {
        return PROTOCOL;
    }

    public int minSize() {
        return minSize;
    }

    public int avgSize() {
        return avgSize;
    }

    public int maxSize() {
        return maxSize;
    }

    /**
     * Finds the end of the chunk that starts at {@code buf[offset]}, given that the input continues for
     * exactly {@code length} more bytes (the crate's {@code FastCDC::cut(start, remaining)}). Returns the index
     * in {@code buf} just past the chunk, between {@code offset + 1} and {@code offset + min(length, maxSize)}
     * ({@code offset} only when {@code length} is 0). Reads at most {@code maxSize} bytes of the window, so a
     * caller streaming a large input needs only {@code maxSize} bytes from the chunk start, or all that is
     * left if less; passing fewer than that when more input follows would give a different boundary.
     */
    public int cut(byte[] buf, int offset, int length) {
        return cutWithHash(buf, offset, length).end();
    }

    /** {@link #cut} that also returns the gear hash at the cut point, which the crate's test vectors list. */
    Cut cutWithHash(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        int remaining = length;
        if (remaining <= minSize) {
            return new Cut(offset + remaining, 0L);
        }
        int center = avgSize;
        if (remaining > maxSize) {
            remaining = maxSize;
        } else if (remaining < center) {
            center = remaining;
        }
        // Pairs of bytes (a, a+1), a even relative to offset, starting at the minimum size rounded down to even.
        int a = offset + (minSize & ~1);
        int centerEnd = offset + (center & ~1);
        int end = offset + (remaining & ~1);
        // Tables and masks in locals: the JIT keeps them in registers (about 1.3 -> 2.3 GB/s on the test machine).
        long[] gear = Gear.GEAR;
        long[] gearLs = Gear.GEAR_LS;
        long strictLs = maskSLs;
        long strict = maskS;
        long looseLs = maskLLs;
        long loose = maskL;
        long hash = 0L;
        for (; a < centerEnd; a += 2) {
            hash = (hash << 2) + gearLs[buf[a] & 0xff];
            if ((hash & strictLs) == 0) {
                return new Cut(a, hash);
            }
            hash += gear[buf[a + 1] & 0xff];
            if ((hash & strict) == 0) {
                return new Cut(a + 1, hash);
            }
        }
        for (; a < end; a += 2) {
            hash = (hash << 2) + gearLs[buf[a] & 0xff];
            if ((hash & looseLs) == 0) {
                return new Cut(a, hash);
            }
            hash += gear[buf[a + 1] & 0xff];
            if ((hash & loose) == 0) {
                return new Cut(a + 1, hash);
            }
        }
        return new Cut(offset + remaining, hash);
    }

    /** Splits all of {@code data} into chunks, in order, each with its SHA-256. An empty array has no chunks. */
    public List<Chunk> chunks(byte[] data) {
        MessageDigest sha = sha256();
        List<Chunk> out = new ArrayList<>(data.length / avgSize + 1);
        int pos = 0;
        while (pos < data.length) {
            int end = cut(data, pos, data.length - pos);
            sha.update(data, pos, end - pos);
            out.add(new Chunk(pos, end - pos, sha.digest()));
            pos = end;
        }
        return out;
    }

    /**
     * Streams the chunks of {@code in}, which is read to its end through a buffer of {@link #maxSize()} bytes;
     * the chunks are those {@link #chunks(byte[])} would give for the whole content. The iterator reads lazily,
     * wraps read failures in {@link java.io.UncheckedIOException}, and does not close {@code in}.
     */
    public Iterator<Chunk> chunks(InputStream in) {
        return new ChunkIterator(this, Objects.requireNonNull(in, "in"));
    }

    long maskS() {
        return maskS;
    }

    long maskL() {
        return maskL;
    }

    /** log2 of {@code value} rounded to the nearest integer, as the crate's {@code logarithm2} (0 for 0 and 1). */
    static int log2Rounded(int value) {
        if (value <= 1) {
            return 0;
        }
        int floor = 31 - Integer.numberOfLeadingZeros(value);
        // Round up when value > 2^(floor + 1/2), i.e. value^2 > 2^(2 floor + 1); never equal for integers.
        long square = (long) value * value;
        return square > (1L << (2 * floor + 1)) ? floor + 1 : floor;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void checkRange(String what, int size, int lo, int hi) {
        if (size < lo || size > hi) {
            throw new IllegalArgumentException(what + " chunk size " + size + " is outside " + lo + " ... " + hi);
        }
    }
}
