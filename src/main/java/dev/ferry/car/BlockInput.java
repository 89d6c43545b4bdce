package dev.ferry.car;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The data of one block, read straight from the archive: exactly {@code length} bytes, hashed as they pass.
 * The read that delivers the last byte checks the SHA-256 against the block's CID and throws
 * {@link CarFormatException} ("block CID does not match its bytes") instead of returning if they differ; a
 * stream that ends early throws "truncated archive". A failure is remembered and thrown again by every later
 * read. {@link #close()} does nothing: the archive stream stays open, and {@link CarReader#next()} skips (and
 * still checks) what was not read. Not thread-safe.
 */
final class BlockInput extends InputStream {
    private final CountingInput source;
    private final Cid cid;
    private final long length;
    private final MessageDigest digest;
    private final byte[] one = new byte[1];
    private long remaining;
    private CarFormatException failure;

    BlockInput(CountingInput source, Cid cid, long length) throws CarFormatException {
        this.source = source;
        this.cid = cid;
        this.length = length;
        this.digest = Sha256.newDigest();
        this.remaining = length;
        if (length == 0) {
            verify();
        }
    }

    /** True once this stream threw: a truncated block, or bytes not matching the CID. */
    boolean failed() {
        return failure != null;
    }

    /** True once every byte was read and matched the CID. */
    boolean complete() {
        return remaining == 0 && failure == null;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (failure != null) {
            throw failure;
        }
        if (remaining == 0) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int n = source.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw fail(new CarFormatException("truncated archive: block " + cid + " ends after "
                    + (length - remaining) + " of its " + length + " bytes, at byte " + source.position()));
        }
        digest.update(b, off, n);
        remaining -= n;
        if (remaining == 0) {
            verify();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(8192, Math.max(0, Math.min(n, remaining)))];
        long skipped = 0;
        while (skipped < n && remaining > 0) {
            int got = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            skipped += got;
        }
        return skipped;
    }

    /** Reads (and checks) whatever the caller left unread. */
    void drain(byte[] scratch) throws IOException {
        while (read(scratch, 0, scratch.length) >= 0) {
            // discard
        }
    }

    @Override
    public int available() throws IOException {
        if (failure != null || remaining == 0) {
            return 0;
        }
        return (int) Math.min(source.available(), remaining);
    }

    @Override
    public void close() {
        // the archive stream belongs to the CarReader's caller
    }

    private void verify() throws CarFormatException {
        byte[] actual = digest.digest();
        if (!MessageDigest.isEqual(actual, cid.digest())) {
            throw fail(new CarFormatException("block CID does not match its bytes: the block of " + cid
                    + " (" + length + " bytes, ending at byte " + source.position() + ") hashes to "
                    + HexFormat.of().formatHex(actual)));
        }
    }

    private CarFormatException fail(CarFormatException e) {
        failure = e;
        return e;
    }
}
