package dev.ferry.testing;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * {@code size} seeded pseudo-random bytes, generated as they are read and hashed on the way, so a test can move
 * gigabytes without holding them and still know their SHA-256. The same seed always gives the same bytes.
 */
public final class SeededStream extends InputStream {
    private final SplittableRandom random;
    private final MessageDigest sha;
    private long left;
    /** Bytes of the last random word not handed out yet: the bytes do not depend on how reads are sized. */
    private long word;
    private int spare;

    public SeededStream(long seed, long size) {
        this.random = new SplittableRandom(seed);
        this.left = size;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        for (int i = 0; i < n; i++) {
            if (spare == 0) {
                word = random.nextLong();
                spare = 8;
            }
            b[off + i] = (byte) word;
            word >>>= 8;
            spare--;
        }
        sha.update(b, off, n);
        left -= n;
        return n;
    }

    /** The SHA-256 of the bytes read so far (all of them, once the stream is exhausted). */
    public String hash() {
        return HexFormat.of().formatHex(sha.digest());
    }
}
