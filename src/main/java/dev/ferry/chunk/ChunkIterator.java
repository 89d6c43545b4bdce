package dev.ferry.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The chunks of an input stream, read through one buffer of {@code maxSize} bytes like the crate's
 * {@code StreamCDC}: before each cut the buffer is topped up until it is full or the stream ends, so
 * {@link FastCdc#cut} sees the same window it would see on the whole content in memory, and after the cut
 * the unconsumed tail is moved to the front. Memory stays at {@code maxSize} bytes whatever the input size.
 * Not thread-safe.
 */
final class ChunkIterator implements Iterator<Chunk> {
    private final FastCdc cdc;
    private final InputStream in;
    private final byte[] buf;
    private final MessageDigest sha = FastCdc.sha256();
    private int buffered;
    private boolean eof;
    private long offset;
    private Chunk next;

    ChunkIterator(FastCdc cdc, InputStream in) {
        this.cdc = cdc;
        this.in = in;
        this.buf = new byte[cdc.maxSize()];
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = readChunk();
        }
        return next != null;
    }

    @Override
    public Chunk next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no chunk after offset " + offset);
        }
        Chunk chunk = next;
        next = null;
        return chunk;
    }

    private Chunk readChunk() {
        fill();
        if (buffered == 0) {
            return null;
        }
        int end = cdc.cut(buf, 0, buffered);
        sha.update(buf, 0, end);
        Chunk chunk = new Chunk(offset, end, sha.digest());
        offset += end;
        buffered -= end;
        System.arraycopy(buf, end, buf, 0, buffered);
        return chunk;
    }

    private void fill() {
        while (!eof && buffered < buf.length) {
            int want = buf.length - buffered;
            int got;
            try {
                got = in.readNBytes(buf, buffered, want);
            } catch (IOException e) {
                throw new UncheckedIOException("reading input for chunking at offset " + (offset + buffered), e);
            }
            buffered += got;
            eof = got < want;
        }
    }
}
