package dev.ferry.store;

import java.util.HexFormat;

/** The SHA-256 of an asset's bytes as 64 lowercase hex digits: the asset's name everywhere in Ferry. */
public final class ContentHash {
    private ContentHash() {}

    /** Returns the hash in canonical lowercase form, or throws naming what is wrong with it. */
    public static String parse(String text) {
        if (text == null || text.length() != 64) {
            throw new IllegalArgumentException("a hash is 64 hex digits (SHA-256); got "
                    + (text == null ? "nothing" : text.length() + " characters"));
        }
        for (int i = 0; i < 64; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("a hash is 64 hex digits (SHA-256); character " + (i + 1) + " is not hex");
            }
        }
        return text.toLowerCase(java.util.Locale.ROOT);
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
