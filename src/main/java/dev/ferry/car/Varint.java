package dev.ferry.car;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Unsigned LEB128 varints as the multiformats unsigned-varint spec restricts them: at most 9 bytes (values up
 * to 2^63 - 1), and minimally encoded (no trailing zero groups). Used for CAR section lengths and inside CIDs.
 * Stateless.
 */
final class Varint {
    private Varint() {}

    static final int MAX_BYTES = 9;

    static int size(long value) {
        requireUnsigned(value);
        int n = 1;
        for (long v = value >>> 7; v != 0; v >>>= 7) {
            n++;
        }
        return n;
    }

    static void write(OutputStream out, long value) throws IOException {
        requireUnsigned(value);
        long v = value;
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /**
     * Reads one varint. Returns -1 if the stream ends before its first byte; throws {@link EOFException} if it
     * ends inside it, and {@link CarFormatException} ("bad varint") if it is longer than 9 bytes or not minimal.
     */
    static long read(InputStream in, String what) throws IOException {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            int b = in.read();
            if (b < 0) {
                if (i == 0) {
                    return -1;
                }
                throw new EOFException(what + " ends after " + i + " of its varint bytes");
            }
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new CarFormatException("bad varint: " + what + " is not minimally encoded");
                }
                return value;
            }
        }
        throw new CarFormatException("bad varint: " + what + " is longer than " + MAX_BYTES + " bytes");
    }

    private static void requireUnsigned(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("a varint is unsigned; got " + value);
        }
    }
}
