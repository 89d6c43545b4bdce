package dev.ferry.car;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An independent checker of the DAG-CBOR rules (https://ipld.io/specs/codecs/dag-cbor/spec/), written from the
 * spec rather than with Jackson so that it can catch what Jackson's generator does: one data item filling the
 * bytes; definite lengths only; every head in its shortest form; map keys text, unique, shorter first then
 * bytewise; text valid UTF-8; tag 42 only, on a byte string starting 0x00; simple values only false, true,
 * null; floats only 64-bit. Test code only: Ferry itself never hand-parses CBOR.
 */
final class DagCborCheck {
    private final byte[] b;
    private int pos;

    private DagCborCheck(byte[] b) {
        this.b = b;
    }

    /** Throws AssertionError naming the offset of the first violation. */
    static void check(byte[] bytes) {
        DagCborCheck c = new DagCborCheck(bytes);
        c.item();
        if (c.pos != bytes.length) {
            throw c.fail((bytes.length - c.pos) + " bytes after the data item");
        }
    }

    private void item() {
        int start = pos;
        int ib = u8();
        int major = ib >>> 5;
        int info = ib & 31;
        if (major == 7) {
            switch (info) {
                case 20, 21, 22 -> { }
                case 27 -> skip(8);
                default -> throw fail("simple value or float with additional info " + info + " at " + start);
            }
            return;
        }
        long arg = argument(info, start);
        switch (major) {
            case 0, 1 -> { }
            case 2 -> skip(arg);
            case 3 -> utf8(arg, start);
            case 4 -> {
                for (long i = 0; i < arg; i++) {
                    item();
                }
            }
            case 5 -> {
                byte[] previous = null;
                for (long i = 0; i < arg; i++) {
                    int keyStart = pos;
                    if ((u8() >>> 5) != 3) {
                        throw fail("map key at " + keyStart + " is not text");
                    }
                    pos = keyStart;
                    item();
                    byte[] key = Arrays.copyOfRange(b, keyStart, pos);
                    if (previous != null && compare(previous, key) >= 0) {
                        throw fail("map key at " + keyStart + " is not after the previous key in DAG-CBOR order");
                    }
                    previous = key;
                    item();
                }
            }
            case 6 -> {
                if (arg != 42) {
                    throw fail("tag " + arg + " at " + start);
                }
                int content = pos;
                int head = u8();
                if ((head >>> 5) != 2) {
                    throw fail("tag 42 at " + start + " is not on a byte string");
                }
                long length = argument(head & 31, content);
                if (length < 1 || b[pos] != 0) {
                    throw fail("CID at " + content + " lacks the 0x00 prefix");
                }
                skip(length);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Encoded keys compare shorter first, then bytewise; the encoded length orders like the text length. */
    private static int compare(byte[] a, byte[] b) {
        if (a.length != b.length) {
            return Integer.compare(a.length, b.length);
        }
        return Arrays.compareUnsigned(a, b);
    }

    private long argument(int info, int start) {
        if (info < 24) {
            return info;
        }
        long value;
        long min;
        switch (info) {
            case 24 -> { value = u8(); min = 24; }
            case 25 -> { value = (u8() << 8) | u8(); min = 1 << 8; }
            case 26 -> { value = ((long) u8() << 24) | (u8() << 16) | (u8() << 8) | u8(); min = 1L << 16; }
            case 27 -> {
                value = 0;
                for (int i = 0; i < 8; i++) {
                    value = (value << 8) | u8();
                }
                min = 1L << 32;
            }
            default -> throw fail("additional info " + info + " (indefinite length or reserved) at " + start);
        }
        if (Long.compareUnsigned(value, min) < 0) {
            throw fail("head at " + start + " is not in its shortest form");
        }
        return value;
    }

    private void utf8(long length, int start) {
        int from = pos;
        skip(length);
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, pos - from));
        } catch (CharacterCodingException e) {
            throw fail("text at " + start + " is not valid UTF-8");
        }
    }

    private int u8() {
        if (pos >= b.length) {
            throw fail("ends early");
        }
        return b[pos++] & 0xff;
    }

    private void skip(long n) {
        if (n < 0 || n > b.length - pos) {
            throw fail("a length of " + n + " runs past the end at " + pos);
        }
        pos += (int) n;
    }

    private AssertionError fail(String problem) {
        return new AssertionError("not strict DAG-CBOR: " + problem);
    }
}
