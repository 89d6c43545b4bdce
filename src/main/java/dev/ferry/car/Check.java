package dev.ferry.car;

import java.util.List;

/** Argument checks of the archive's value types; each failure is an {@code IllegalArgumentException}. */
final class Check {
    private Check() {}

    /** A non-null string that DAG-CBOR can carry: well-formed UTF-16 (no lone surrogates), so valid UTF-8. */
    static String text(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        return nullableText(what, value);
    }

    static String nullableText(String what, String value) {
        if (value != null) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new IllegalArgumentException(what + " has a lone surrogate at index " + i);
                }
            }
        }
        return value;
    }

    /** An unmodifiable copy of a list of texts. */
    static List<String> texts(String what, List<String> values) {
        if (values == null) {
            throw new IllegalArgumentException(what + " list is missing");
        }
        List<String> copy;
        try {
            copy = List.copyOf(values);
        } catch (NullPointerException e) {
            throw new IllegalArgumentException(what + " list has a null entry");
        }
        for (int i = 0; i < copy.size(); i++) {
            nullableText(what + " " + i, copy.get(i));
        }
        return copy;
    }

    static long nonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " is negative: " + value);
        }
        return value;
    }
}
