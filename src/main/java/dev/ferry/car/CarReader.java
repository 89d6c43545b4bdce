package dev.ferry.car;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * Reads one Ferry archive, a CARv1 stream ({@code https://ipld.io/specs/transport/car/carv1/}), checking
 * everything before it is believed: {@link #readIndex()} checks the header (version 1, exactly one root, a
 * dag-cbor CID), that the first block is that root, and that the index block's bytes hash to it; then
 * {@link #next()} returns each asset block, whose CID must be the index's next live asset and whose length must
 * be that asset's size, and whose bytes are checked against the CID as they are read. The archive must end
 * after the last live asset's block: a stream cut between blocks is "truncated archive", extra bytes are
 * "unexpected block".
 *
 * <p>Memory: the header is read whole (at most {@link Car#MAX_HEADER_SIZE}, buffered only as it arrives); the
 * index block (at most {@link Car#MAX_INDEX_SIZE}) is parsed as it streams, so only the decoded
 * {@link CarIndex} is kept; asset blocks are never buffered, and one larger than the block limit is refused
 * from its length prefix, before a byte of it is read. Every failure is a {@link CarFormatException} (or an
 * {@code IOException} of the stream itself); after one, stop reading and discard what the archive delivered.
 *
 * <p>{@link #close()} does not close the underlying stream: the caller owns it. The reader buffers ahead of
 * what it has returned and reads the stream to its end, so give it a stream that ends with the archive. Not
 * thread-safe.
 */
public final class CarReader implements AutoCloseable {
    /**
     * One asset block: its CID (raw, its digest the asset's hash), its data length, and its data, which streams
     * straight from the archive and throws {@link CarFormatException} from the read that completes it if the
     * bytes do not hash to the CID. Read it to the end (or let {@link CarReader#next()} skip the rest) before
     * trusting any of it. Valid until the next call to {@code next()}.
     */
    public record Block(Cid cid, long length, InputStream data) {}

    private enum State { NEW, BLOCKS, DONE, FAILED, CLOSED }

    private final CountingInput in;
    private final long maxBlockSize;
    private State state = State.NEW;
    private List<CarEntry> live;
    private int next;
    private BlockInput current;
    private byte[] scratch;

    /** A reader with the default block limit, {@link Car#DEFAULT_MAX_BLOCK_SIZE}. */
    public CarReader(InputStream in) {
        this(in, Car.DEFAULT_MAX_BLOCK_SIZE);
    }

    /** A reader that refuses any asset block of more than {@code maxBlockSize} bytes of data. */
    public CarReader(InputStream in, long maxBlockSize) {
        this.in = new CountingInput(new BufferedInputStream(Objects.requireNonNull(in, "in"), 8192));
        if (maxBlockSize < 0) {
            throw new IllegalArgumentException("maxBlockSize is negative: " + maxBlockSize);
        }
        this.maxBlockSize = maxBlockSize;
    }

    /**
     * Reads and checks the header and the index block. Must be the first call, and made once. Also refuses an
     * index that lists a live asset larger than the block limit.
     */
    public CarIndex readIndex() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("readIndex() is called once, first; the reader is " + state);
        }
        state = State.FAILED;   // until it succeeds
        Cid root = readHeader();
        long section = varint("the index block's length");
        if (section < 0) {
            throw new CarFormatException("truncated archive: no index block after the header");
        }
        Cid first = readCid(section, "the index block's CID");
        if (!first.equals(root)) {
            throw new CarFormatException("root does not match the first block: the header's root is " + root
                    + ", the first block is " + first);
        }
        long length = section - Cid.BYTES;
        if (length > Car.MAX_INDEX_SIZE) {
            throw new CarFormatException("index block larger than limit: " + length + " bytes, the limit is "
                    + Car.MAX_INDEX_SIZE);
        }
        BlockInput block = new BlockInput(in, root, length);
        CarIndex index;
        try {
            index = IndexCodec.read(block, Car.MAX_INDEX_HEAP);
        } catch (CarFormatException e) {
            throw block.failed() ? e : preferMismatch(block, e);
        }
        if (!block.complete()) {   // cannot happen: the parser saw the block's end after the map
            throw new IllegalStateException("the index parser stopped before the end of its block");
        }
        for (CarEntry e : index.live()) {
            if (e.size() > maxBlockSize) {
                throw new CarFormatException("block larger than limit: asset " + e.hash() + " is " + e.size()
                        + " bytes, the limit is " + maxBlockSize);
            }
        }
        live = index.live();
        state = State.BLOCKS;
        return index;
    }

    /**
     * The next asset block, or null after the last one when the stream ends there. Skips (and checks) what the
     * caller left unread of the previous block first.
     *
     * @throws CarFormatException the archive is malformed, truncated, out of the index's order, or a block
     *     breaks the limit or does not match its CID
     */
    public Block next() throws IOException {
        switch (state) {
            case NEW -> throw new IllegalStateException("readIndex() must come before next()");
            case FAILED -> throw new IllegalStateException("the archive was rejected; stop reading it");
            case CLOSED -> throw new IllegalStateException("the reader is closed");
            case DONE -> {
                return null;
            }
            case BLOCKS -> { }
        }
        state = State.FAILED;   // until this block is returned
        if (current != null) {
            if (scratch == null) {
                scratch = new byte[64 * 1024];
            }
            current.drain(scratch);
            current = null;
        }
        long section = varint("a block's length");
        if (next == live.size()) {
            if (section >= 0) {
                throw new CarFormatException("unexpected block: the archive goes on after the last of the "
                        + live.size() + " blocks its index lists (at byte " + in.position() + ")");
            }
            state = State.DONE;
            return null;
        }
        CarEntry expected = live.get(next);
        if (section < 0) {
            throw new CarFormatException("truncated archive: it ends after " + next + " of the " + live.size()
                    + " blocks its index lists; missing " + expected.cid());
        }
        Cid cid = readCid(section, "a block's CID");
        long length = section - Cid.BYTES;
        if (length > maxBlockSize) {
            throw new CarFormatException("block larger than limit: " + cid + " has " + length
                    + " bytes, the limit is " + maxBlockSize);
        }
        if (!cid.equals(expected.cid())) {
            throw new CarFormatException("unexpected block: block " + next + " is " + cid + ", but the index lists "
                    + expected.cid() + " (asset " + expected.hash() + ") next");
        }
        if (length != expected.size()) {
            throw new CarFormatException("bad block: " + cid + " has " + length + " bytes, but the index gives asset "
                    + expected.hash() + " " + expected.size());
        }
        current = new BlockInput(in, cid, length);
        next++;
        state = State.BLOCKS;
        return new Block(cid, length, current);
    }

    /** Does not close the underlying stream; later calls to {@code next()} fail. */
    @Override
    public void close() {
        state = State.CLOSED;
    }

    private Cid readHeader() throws IOException {
        long length = varint("the header's length");
        if (length < 0) {
            throw new CarFormatException("truncated archive: the stream is empty");
        }
        if (length == 0) {
            throw new CarFormatException("bad header: its length is 0");
        }
        if (length > Car.MAX_HEADER_SIZE) {
            throw new CarFormatException("header too large: " + length + " bytes, the limit is "
                    + Car.MAX_HEADER_SIZE);
        }
        byte[] header = in.readNBytes((int) length);   // grows as bytes arrive, not to the announced length
        if (header.length < length) {
            throw new CarFormatException("truncated archive: the header ends after " + header.length + " of its "
                    + length + " bytes");
        }
        return HeaderCodec.decode(header);
    }

    /** A varint (a section's length, say), or -1 if the stream ends cleanly before it. */
    private long varint(String what) throws IOException {
        try {
            return Varint.read(in, what);
        } catch (EOFException e) {
            throw truncated(e);
        }
    }

    /** The CID at the start of a section of {@code section} bytes; every supported CID has 36. */
    private Cid readCid(long section, String what) throws IOException {
        if (section < Cid.BYTES) {
            throw new CarFormatException("bad block: a section of " + section + " bytes cannot hold a CID ("
                    + Cid.BYTES + " bytes), at byte " + in.position());
        }
        try {
            return Cid.read(in);
        } catch (EOFException e) {
            throw truncated(e);
        } catch (CarFormatException e) {
            throw new CarFormatException(e.getMessage() + " (" + what + ", before byte " + in.position() + ")", e);
        }
    }

    private CarFormatException truncated(EOFException e) {
        return new CarFormatException("truncated archive: " + e.getMessage() + ", at byte " + in.position(), e);
    }

    /**
     * A malformed index whose block also fails its CID was damaged on the way, not written badly: report the
     * damage. Reads the rest of the (limited) index block to find out.
     */
    private CarFormatException preferMismatch(BlockInput block, CarFormatException parseError) {
        try {
            block.drain(new byte[8192]);
        } catch (CarFormatException damage) {
            damage.addSuppressed(parseError);
            return damage;
        } catch (IOException ignored) {
            // the stream failed; the parse error is the better report
        }
        return parseError;
    }
}
