package dev.ferry.protocol;

import java.util.List;

/** Argument checks shared by the message constructors; each failure is an {@code IllegalArgumentException}. */
final class Check {
    private Check() {}

    /** A well-formed string (no lone surrogates) of {@code min} to {@code max} code points. */
    static String text(String what, String value, int min, int max) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        int count = 0;
        for (int i = 0; i < value.length(); count++) {
            int cp = value.codePointAt(i);
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                throw new IllegalArgumentException(what + " has a lone surrogate at index " + i);
            }
            i += Character.charCount(cp);
        }
        if (count < min || count > max) {
            throw new IllegalArgumentException(what + " must be " + min + " to " + max + " characters; got " + count);
        }
        return value;
    }

    /** An unmodifiable copy of a list of at most {@code max} non-null entries. */
    static <T> List<T> list(String what, List<T> value, int max) {
        if (value == null) {
            throw new IllegalArgumentException(what + " list is missing");
        }
        if (value.size() > max) {
            throw new IllegalArgumentException("at most " + max + " " + what + " entries; got " + value.size());
        }
        try {
            return List.copyOf(value);
        } catch (NullPointerException e) {
            throw new IllegalArgumentException(what + " list has a null entry");
        }
    }

    /** Like {@link #list}, each entry a string of {@code min} to {@code maxLength} code points. */
    static List<String> texts(String what, List<String> value, int max, int min, int maxLength) {
        List<String> copy = list(what, value, max);
        for (int i = 0; i < copy.size(); i++) {
            text(what + " " + i, copy.get(i), min, maxLength);
        }
        return copy;
    }

    static byte[] bytes(String what, byte[] value, int max) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        if (value.length > max) {
            throw new IllegalArgumentException(what + " has " + value.length + " bytes; at most " + max + " allowed");
        }
        return value;
    }

    static void requestChannel(String what, int channel) {
        if (channel == 0) {
            throw new IllegalArgumentException(what + " needs a nonzero request id as its channel");
        }
    }

    static void version(int major, int minor) {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("version " + major + "." + minor + " is negative");
        }
    }
}
