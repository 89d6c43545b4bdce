package dev.ferry.car;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Writes one Ferry archive, a CARv1 stream ({@code https://ipld.io/specs/transport/car/carv1/}):
 * {@link #writeIndex} first (the header, whose one root is the CID of the index block, then the index block),
 * then {@link #writeBlock} once per live asset in index order. Nothing is buffered beyond 64 KiB: the index is
 * encoded twice (once to hash it for the header's root, once onto the stream) rather than held in memory, and
 * asset bytes are copied through, hashed on the way.
 *
 * <p>The writer refuses to lie. Blocks must come in the index's order with the index's sizes (else
 * {@code IllegalStateException}: a bug in the caller), and each block's bytes must be exactly {@code size}
 * bytes hashing to {@code hash}; if they are not, {@link #writeBlock} throws {@link CarFormatException} after
 * having sent part of the block, and the receiver will reject the archive on that block, since its CID (written
 * first) cannot match. After any {@code IOException} the writer is dead and the archive broken: abort the
 * transfer, do not retry on the same stream.
 *
 * <p>{@link #close()} flushes but does not close the underlying stream: the caller owns it (an HTTP response
 * or a peer channel may carry more after the archive). Closing after {@link #writeIndex} but before every live
 * asset's block throws {@code IllegalStateException}, unless a write already failed. Not thread-safe.
 */
public final class CarWriter implements AutoCloseable {
    private static final int COPY_BUFFER = 64 * 1024;

    private enum State { NEW, BLOCKS, FAILED, CLOSED }

    private final OutputStream out;
    private final long maxBlockSize;
    private State state = State.NEW;
    private List<CarEntry> live;
    private int next;
    private byte[] buffer;

    /** A writer with the default block limit, {@link Car#DEFAULT_MAX_BLOCK_SIZE}. */
    public CarWriter(OutputStream out) {
        this(out, Car.DEFAULT_MAX_BLOCK_SIZE);
    }

    /** A writer that refuses an index listing a live asset larger than {@code maxBlockSize} bytes. */
    public CarWriter(OutputStream out, long maxBlockSize) {
        this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 8192);
        if (maxBlockSize < 0) {
            throw new IllegalArgumentException("maxBlockSize is negative: " + maxBlockSize);
        }
        this.maxBlockSize = maxBlockSize;
    }

    /**
     * Writes the header and the index block. Must be the first call, and made once. Nothing reaches the stream
     * if the index breaks a limit.
     *
     * @throws CarFormatException "block larger than limit" if a live asset is larger than the block limit, or
     *     "index block larger than limit" if the index encodes to more than {@link Car#MAX_INDEX_SIZE} bytes or
     *     would decode to more than {@link Car#MAX_INDEX_HEAP}
     * @throws IOException the stream failed
     */
    public void writeIndex(CarIndex index) throws IOException {
        Objects.requireNonNull(index, "index");
        if (state != State.NEW) {
            throw new IllegalStateException("writeIndex() is called once, first; the writer is " + state);
        }
        List<CarEntry> liveEntries = index.live();
        for (CarEntry e : liveEntries) {
            if (e.size() > maxBlockSize) {
                throw new CarFormatException("block larger than limit: asset " + e.hash() + " is " + e.size()
                        + " bytes, the limit is " + maxBlockSize);
            }
        }
        long heap = IndexCodec.heap(index);
        if (heap > Car.MAX_INDEX_HEAP) {
            throw new CarFormatException("index block larger than limit: decoding it would take " + heap
                    + " bytes of heap, the limit is " + Car.MAX_INDEX_HEAP);
        }
        HashingSink measure = new HashingSink(OutputStream.nullOutputStream());
        IndexCodec.write(index, measure);
        Cid root = Cid.dagCbor(measure.digest.digest());
        try {
            byte[] header = HeaderCodec.encode(root);
            Varint.write(out, header.length);
            out.write(header);
            Varint.write(out, Cid.BYTES + measure.count);
            out.write(root.bytes());
            HashingSink written = new HashingSink(out);
            IndexCodec.write(index, written);
            if (written.count != measure.count || !root.equals(Cid.dagCbor(written.digest.digest()))) {
                throw new IllegalStateException("the index of library " + index.libraryId()
                        + " encoded differently twice: " + measure.count + " then " + written.count + " bytes");
            }
        } catch (IOException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
        live = liveEntries;
        state = State.BLOCKS;
    }

    /**
     * Streams one asset's bytes as a raw block. {@code hashHex} and {@code size} must be those of the index's
     * next live asset. Reads {@code data} to its end (it is not closed): it must hold exactly {@code size}
     * bytes whose SHA-256 is {@code hashHex}.
     *
     * @throws CarFormatException the data is shorter or longer than {@code size}, or hashes to something else;
     *     part of the block has been written, so the archive is broken
     * @throws IOException reading {@code data} or writing the stream failed
     */
    public void writeBlock(String hashHex, long size, InputStream data) throws IOException {
        Objects.requireNonNull(data, "data");
        String hash = Cid.hex("asset hash", hashHex);
        switch (state) {
            case NEW -> throw new IllegalStateException("writeIndex() must come before writeBlock(" + hash + ")");
            case FAILED -> throw new IllegalStateException("an earlier write failed; the archive is broken");
            case CLOSED -> throw new IllegalStateException("the writer is closed");
            case BLOCKS -> { }
        }
        if (next == live.size()) {
            throw new IllegalStateException("writeBlock(" + hash + "): all " + live.size()
                    + " live assets of the index are written already");
        }
        CarEntry expected = live.get(next);
        if (!expected.hash().equals(hash) || expected.size() != size) {
            throw new IllegalStateException("writeBlock(" + hash + ", " + size + " bytes): the index's live asset "
                    + next + " is " + expected.hash() + " of " + expected.size() + " bytes; blocks follow the index");
        }
        try {
            copy(expected, data);
        } catch (IOException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
        next++;
    }

    private void copy(CarEntry entry, InputStream data) throws IOException {
        Cid cid = entry.cid();
        Varint.write(out, Cid.BYTES + entry.size());
        out.write(cid.bytes());
        if (buffer == null) {
            buffer = new byte[COPY_BUFFER];
        }
        MessageDigest digest = Sha256.newDigest();
        long remaining = entry.size();
        while (remaining > 0) {
            int n = data.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new CarFormatException("block length does not match the index: asset " + entry.hash()
                        + " ended after " + (entry.size() - remaining) + " of its " + entry.size() + " bytes");
            }
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
            remaining -= n;
        }
        if (data.read() >= 0) {
            throw new CarFormatException("block length does not match the index: asset " + entry.hash()
                    + " has more than its " + entry.size() + " bytes");
        }
        byte[] actual = digest.digest();
        if (!MessageDigest.isEqual(actual, cid.digest())) {
            throw new CarFormatException("block CID does not match its bytes: asset " + entry.hash() + " ("
                    + entry.size() + " bytes) hashes to " + HexFormat.of().formatHex(actual));
        }
    }

    /**
     * Flushes what was written; does not close the underlying stream. After a failed write, does nothing.
     *
     * @throws IllegalStateException the index was written but not every live asset's block
     */
    @Override
    public void close() throws IOException {
        State was = state;
        state = State.CLOSED;
        if (was == State.CLOSED || was == State.FAILED) {
            return;
        }
        out.flush();
        if (was == State.BLOCKS && next < live.size()) {
            throw new IllegalStateException("closed after " + next + " of the " + live.size()
                    + " blocks the index lists; the receiver will reject the archive as truncated (next missing: "
                    + live.get(next).hash() + ")");
        }
    }

    /** Counts and hashes what passes through to {@code out}. */
    private static final class HashingSink extends OutputStream {
        private final OutputStream out;
        private final MessageDigest digest = Sha256.newDigest();
        private long count;

        HashingSink(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count += len;
            if (count > Car.MAX_INDEX_SIZE) {
                throw new CarFormatException("index block larger than limit: over " + Car.MAX_INDEX_SIZE
                        + " bytes (" + (Car.MAX_INDEX_SIZE >> 20) + " MiB)");
            }
            digest.update(b, off, len);
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
