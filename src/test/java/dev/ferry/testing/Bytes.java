package dev.ferry.testing;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Seeded test data and hashing. */
public final class Bytes {
    private Bytes() {}

    public static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
