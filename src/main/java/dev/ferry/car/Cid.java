package dev.ferry.car;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.util.encoders.Base32;

/**
 * A CIDv1 of the two kinds a Ferry archive holds: {@link #RAW} (an asset's bytes) or {@link #DAG_CBOR} (the
 * index block), both with a sha2-256 multihash. Binary form ({@link #bytes()}, 36 bytes):
 * {@code varint(1) varint(codec) varint(0x12) varint(32) digest}. {@link #toString()} is the multibase base32
 * form ({@code "b"} + RFC 4648 base32, lowercase, unpadded) that IPFS tools print: {@code bafkrei...} for raw,
 * {@code bafyrei...} for dag-cbor. {@link #hash()} is the digest as 64 lowercase hex digits, so the raw CID of
 * an asset's block and the asset's Ferry hash are the same number. Immutable.
 */
public record Cid(int codec, String hash) {
    /** Multicodec of a block that is plain bytes. */
    public static final int RAW = 0x55;
    /** Multicodec of a DAG-CBOR block. */
    public static final int DAG_CBOR = 0x71;
    /** Multihash function code of sha2-256. */
    public static final int SHA2_256 = 0x12;
    /** Length in bytes of a sha2-256 digest. */
    public static final int DIGEST_SIZE = 32;
    /** Length in bytes of the binary form of every CID this record can hold. */
    public static final int BYTES = 4 + DIGEST_SIZE;

    public Cid {
        if (codec != RAW && codec != DAG_CBOR) {
            throw new IllegalArgumentException("codec 0x" + Integer.toHexString(codec)
                    + " is neither raw (0x55) nor dag-cbor (0x71)");
        }
        hash = hex("CID digest", hash);
    }

    /** The CID of a raw block whose bytes have this SHA-256. */
    public static Cid raw(byte[] sha256) {
        return new Cid(RAW, hex(sha256));
    }

    /** The CID of a DAG-CBOR block whose bytes have this SHA-256. */
    public static Cid dagCbor(byte[] sha256) {
        return new Cid(DAG_CBOR, hex(sha256));
    }

    /** The 32-byte SHA-256 digest (a fresh copy). */
    public byte[] digest() {
        return HexFormat.of().parseHex(hash);
    }

    /** The binary CID (a fresh copy), as it appears in a CAR section and, after a 0x00 byte, in DAG-CBOR. */
    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(BYTES);
        try {
            Varint.write(out, 1);
            Varint.write(out, codec);
            Varint.write(out, SHA2_256);
            Varint.write(out, DIGEST_SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.writeBytes(digest());
        return out.toByteArray();
    }

    /**
     * Decodes a binary CID that must fill {@code bytes} exactly.
     *
     * @throws CarFormatException "CID unsupported" for anything but CIDv1 raw or dag-cbor with a sha2-256
     *     multihash of 32 bytes, or "bad CID" for bytes that are not a CID at all
     */
    public static Cid parse(byte[] bytes) throws CarFormatException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        Cid cid;
        try {
            cid = read(in);
        } catch (EOFException e) {
            throw new CarFormatException("bad CID: " + e.getMessage() + " (" + bytes.length + " bytes)", e);
        } catch (CarFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array failed", e);
        }
        if (in.available() > 0) {
            throw new CarFormatException("bad CID: " + in.available() + " bytes follow the digest of " + cid);
        }
        return cid;
    }

    /**
     * Reads one binary CID from a stream, consuming exactly its bytes (36 for every supported CID; an unsupported
     * one is rejected as soon as its prefix shows it). Throws {@link EOFException} if the stream ends inside it.
     */
    static Cid read(InputStream in) throws IOException {
        long version = Varint.read(in, "the CID version");
        if (version < 0) {
            throw new EOFException("the CID is empty");
        }
        if (version == SHA2_256) {
            throw new CarFormatException("CID unsupported: CIDv0 (a bare sha2-256 multihash); Ferry writes CIDv1");
        }
        if (version != 1) {
            throw new CarFormatException("CID unsupported: version " + version + ", only CIDv1 is supported");
        }
        long codec = must(Varint.read(in, "the CID codec"), "the CID codec");
        if (codec != RAW && codec != DAG_CBOR) {
            throw new CarFormatException("CID unsupported: codec 0x" + Long.toHexString(codec)
                    + ", only raw (0x55) and dag-cbor (0x71) are supported");
        }
        long function = must(Varint.read(in, "the multihash function"), "the multihash function");
        if (function != SHA2_256) {
            throw new CarFormatException("CID unsupported: multihash function 0x" + Long.toHexString(function)
                    + ", only sha2-256 (0x12) is supported");
        }
        long length = must(Varint.read(in, "the multihash length"), "the multihash length");
        if (length != DIGEST_SIZE) {
            throw new CarFormatException("CID unsupported: a sha2-256 digest of " + length + " bytes, not 32");
        }
        byte[] digest = in.readNBytes(DIGEST_SIZE);
        if (digest.length < DIGEST_SIZE) {
            throw new EOFException("the CID digest ends after " + digest.length + " of 32 bytes");
        }
        return new Cid((int) codec, hex(digest));
    }

    /** {@code "b"} followed by the lowercase, unpadded RFC 4648 base32 of {@link #bytes()}. */
    @Override
    public String toString() {
        String base32 = Base32.toBase32String(bytes());
        int end = base32.indexOf('=');
        return "b" + (end < 0 ? base32 : base32.substring(0, end)).toLowerCase(Locale.ROOT);
    }

    private static long must(long value, String what) throws EOFException {
        if (value < 0) {
            throw new EOFException("the CID ends before " + what);
        }
        return value;
    }

    private static String hex(byte[] sha256) {
        if (sha256 == null || sha256.length != DIGEST_SIZE) {
            throw new IllegalArgumentException("a sha2-256 digest is 32 bytes; got "
                    + (sha256 == null ? "none" : sha256.length));
        }
        return HexFormat.of().formatHex(sha256);
    }

    /** {@code text} as 64 lowercase hex digits, or an {@code IllegalArgumentException} naming what is wrong. */
    static String hex(String what, String text) {
        if (text == null || text.length() != 2 * DIGEST_SIZE) {
            throw new IllegalArgumentException(what + " must be 64 hex digits (SHA-256); got "
                    + (text == null ? "none" : text.length() + " characters"));
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0 || text.charAt(i) > 'f') {
                throw new IllegalArgumentException(what + " must be 64 hex digits (SHA-256); character "
                        + (i + 1) + " is not hex");
            }
        }
        return text.toLowerCase(Locale.ROOT);
    }
}
