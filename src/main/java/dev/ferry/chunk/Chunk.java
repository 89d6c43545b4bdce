package dev.ferry.chunk;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One content-defined chunk of an input: where it starts, how long it is, and the SHA-256 of its bytes,
 * which names the chunk as a block. Immutable by convention: the digest array is not copied, so neither the
 * producer nor a caller may write to it. Equality compares the digest's contents.
 */
public record Chunk(long offset, int length, byte[] sha256) {
    /** Size of {@link #sha256()} in bytes. */
    public static final int DIGEST_SIZE = 32;

    public Chunk {
        if (offset < 0 || length < 1) {
            throw new IllegalArgumentException("chunk needs offset >= 0 and length >= 1; got offset " + offset
                    + ", length " + length);
        }
        if (sha256 == null || sha256.length != DIGEST_SIZE) {
            throw new IllegalArgumentException("chunk at offset " + offset + " needs a " + DIGEST_SIZE
                    + "-byte SHA-256; got " + (sha256 == null ? "none" : sha256.length + " bytes"));
        }
    }

    /** The offset just past this chunk. */
    public long end() {
        return offset + length;
    }

    /** The SHA-256 as 64 lowercase hex digits, the form Ferry uses for content hashes everywhere. */
    public String hex() {
        return HexFormat.of().formatHex(sha256);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chunk c && c.offset == offset && c.length == length && Arrays.equals(c.sha256, sha256);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(offset) * 31 + length) * 31 + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return "Chunk[offset=" + offset + ", length=" + length + ", sha256=" + hex() + "]";
    }
}
