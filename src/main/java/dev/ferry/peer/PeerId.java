package dev.ferry.peer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * A node's identity as its peers see it: the SHA-256 of the DER encoding of the node's certificate.
 * Immutable and thread-safe.
 *
 * <p>The text form is Syncthing's device id format, so people can read it out, type it and spot typos:
 * the 32 bytes in base32 (RFC 4648 alphabet {@code A-Z2-7}, no padding) give 52 characters; each of the
 * four 13-character quarters is followed by one check character (below), giving 56; those are written
 * as 8 groups of 7 joined by {@code '-'}, e.g. {@code MFZWI3D-BONSGYC-...}.
 *
 * <p>The check character is Syncthing's {@code luhnBase32} (lib/protocol/luhn.go), a Luhn mod-N over the
 * base32 alphabet with N = 32. Walking the quarter left to right with a factor starting at 1 and toggling
 * 1, 2, 1, 2, ...: {@code addend = factor * codepoint} (codepoint = index in the alphabet),
 * {@code sum += addend / N + addend % N}; the check is the character at {@code (N - sum % N) % N}.
 * Note that the factor starts at 1 from the <em>left</em>, unlike textbook Luhn which starts doubling
 * from the right; Syncthing keeps this for compatibility and so do we, so a Syncthing-style id checks
 * the same way here. Because doubling is a permutation of 0..31 with this digit sum, every single
 * mistyped character is detected.
 */
public final class PeerId implements Comparable<PeerId> {
    /** Length of the id in bytes (a SHA-256). */
    public static final int LENGTH = 32;
    static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int DATA_CHARS = 52;
    private static final int QUARTER = 13;
    private static final int TEXT_CHARS = DATA_CHARS + 4;

    private final byte[] bytes;
    private final String text;

    private PeerId(byte[] bytes) {
        this.bytes = bytes;
        this.text = format(bytes);
    }

    /** The id of a node that presents {@code certificate}. */
    public static PeerId fromCertificate(X509Certificate certificate) {
        try {
            return new PeerId(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be DER-encoded: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** An id from its 32 raw bytes, as carried on the wire. The array is copied. */
    public static PeerId fromBytes(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a peer id is " + LENGTH + " bytes; got " + bytes.length);
        }
        return new PeerId(bytes.clone());
    }

    /**
     * Parses the text form, upper or lower case, with or without {@code '-'} or whitespace between
     * characters. Throws {@link IllegalArgumentException} saying whether the length, a character or a
     * check character is wrong.
     */
    public static PeerId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a peer id is " + TEXT_CHARS + " characters; got nothing");
        }
        StringBuilder compact = new StringBuilder(TEXT_CHARS);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '-' && !Character.isWhitespace(c)) {
                compact.append(Character.toUpperCase(c));
            }
        }
        if (compact.length() != TEXT_CHARS) {
            throw new IllegalArgumentException("a peer id is " + TEXT_CHARS + " characters (A-Z, 2-7) not counting"
                    + " dashes or spaces; got " + compact.length());
        }
        for (int i = 0; i < TEXT_CHARS; i++) {
            char c = compact.charAt(i);
            if (BASE32.indexOf(c) < 0) {
                throw new IllegalArgumentException("character " + (i + 1) + " of the peer id, '" + c
                        + "', is not one of A-Z, 2-7" + lookalikeHint(c));
            }
        }
        StringBuilder data = new StringBuilder(DATA_CHARS);
        for (int q = 0; q < 4; q++) {
            int start = q * (QUARTER + 1);
            String quarter = compact.substring(start, start + QUARTER);
            char check = compact.charAt(start + QUARTER);
            if (luhn(BASE32, quarter) != check) {
                throw new IllegalArgumentException("check character " + (start + QUARTER + 1) + " of the peer id does"
                        + " not match characters " + (start + 1) + "-" + (start + QUARTER)
                        + ": one of them (or the check character) is mistyped");
            }
            data.append(quarter);
        }
        return new PeerId(decode(data));
    }

    /** A copy of the 32 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The first group of the text form, enough to tell peers apart in logs. */
    public String shortForm() {
        return text.substring(0, 7);
    }

    /** The canonical text form: 8 dashed groups of 7 upper-case characters. */
    @Override
    public String toString() {
        return text;
    }

    /** Unsigned byte-wise order; both ends of a link agree on it, so it can break simultaneous-dial ties. */
    @Override
    public int compareTo(PeerId other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Syncthing's luhnBase32 generalised to any alphabet (see the class comment); {@code s} must use it. */
    static char luhn(String alphabet, CharSequence s) {
        int n = alphabet.length();
        int factor = 1;
        int sum = 0;
        for (int i = 0; i < s.length(); i++) {
            int codepoint = alphabet.indexOf(s.charAt(i));
            if (codepoint < 0) {
                throw new IllegalArgumentException("'" + s.charAt(i) + "' is not in the alphabet " + alphabet);
            }
            int addend = factor * codepoint;
            factor = factor == 2 ? 1 : 2;
            sum += addend / n + addend % n;
        }
        return alphabet.charAt((n - sum % n) % n);
    }

    private static String format(byte[] bytes) {
        String data = encode(bytes);
        StringBuilder checked = new StringBuilder(TEXT_CHARS);
        for (int q = 0; q < 4; q++) {
            String quarter = data.substring(q * QUARTER, (q + 1) * QUARTER);
            checked.append(quarter).append(luhn(BASE32, quarter));
        }
        StringBuilder out = new StringBuilder(TEXT_CHARS + 7);
        for (int g = 0; g < 8; g++) {
            if (g > 0) {
                out.append('-');
            }
            out.append(checked, g * 7, g * 7 + 7);
        }
        return out.toString();
    }

    /** RFC 4648 base32 without padding: 32 bytes (256 bits) give 52 characters, the last holding 4 zero bits. */
    private static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(DATA_CHARS);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    private static byte[] decode(CharSequence data) {
        byte[] out = new byte[LENGTH];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < data.length(); i++) {
            buffer = (buffer << 5) | BASE32.indexOf(data.charAt(i));
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            // Only reachable by a crafted id: the check characters passed, but the text is not canonical.
            throw new IllegalArgumentException("character " + (DATA_CHARS + 3) + " of the peer id sets bits beyond"
                    + " the 256 of the id; it is not a peer id");
        }
        return out;
    }

    private static String lookalikeHint(char c) {
        return switch (c) {
            case '0' -> " (letter O?)";
            case '1' -> " (letter I?)";
            case '8' -> " (letter B?)";
            default -> "";
        };
    }
}
