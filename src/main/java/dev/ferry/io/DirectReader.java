package dev.ferry.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Reads a file past the page cache ({@code O_DIRECT}) where the filesystem allows it: for files that Ferry itself
 * wrote past the cache ({@link RangeWriter}) and so are not cached. Read through the cache, each such file is first
 * read ahead into freshly allocated cache pages and then copied out of them; on the virtual machine Ferry is measured
 * on, that cost 1.5-3 ms of CPU per MiB, against 0.2 ms for a direct read into an aligned buffer and the copy out of
 * it (400 files of 1 MiB written direct, then read each way; JDK 25). A direct read needs its offset, length and
 * buffer aligned to {@link AlignedBuffers#ALIGN}: this reader fills a pooled aligned buffer, one direct call per
 * {@link AlignedBuffers#SIZE} bytes, and hands the bytes out of it. It reads the file as long as it was when opened
 * (Ferry's blobs never change). A range shorter than {@link RangeWriter#MIN_DIRECT}, a filesystem that refuses
 * {@code O_DIRECT}, a moment when every aligned buffer is taken ({@link AlignedBuffers#MAX_OUT}) and a direct read
 * that fails get the ordinary way. Not thread-safe.
 */
public final class DirectReader extends InputStream {
    private final Path file;
    private final long size;
    private FileChannel direct;
    private ByteBuffer buffer;
    /** File offset of the next byte handed out; the buffer's position stands for it while the buffer has bytes. */
    private long pos;
    /** Set once direct reading gave up: the rest of the file comes through this ordinary stream. */
    private InputStream ordinary;
    private boolean closed;

    private DirectReader(Path file, long size, FileChannel direct, ByteBuffer buffer, long offset) {
        this.file = file;
        this.size = size;
        this.direct = direct;
        this.buffer = buffer;
        this.pos = offset;
        buffer.limit(0);
    }

    /** A stream of {@code file} from its start; {@link NoSuchFileException} if it does not exist. */
    public static InputStream open(Path file) throws IOException {
        return open(file, 0, Long.MAX_VALUE);
    }

    /**
     * A stream of {@code file} from {@code offset}, of which the caller means to read about {@code length} bytes (a
     * hint: a short range is read the ordinary way, as one direct read would bring in up to a whole buffer);
     * {@link NoSuchFileException} if the file does not exist.
     */
    public static InputStream open(Path file, long offset, long length) throws IOException {
        long size = Files.size(file);
        if (Math.min(size - offset, length) >= RangeWriter.MIN_DIRECT) {
            // Null where the filesystem refuses O_DIRECT; a file gone meanwhile fails in the ordinary open below.
            FileChannel ch = RangeWriter.openDirect(file, StandardOpenOption.READ);
            if (ch != null) {
                ByteBuffer buffer = AlignedBuffers.tryBorrow();
                if (buffer != null) {
                    return new DirectReader(file, size, ch, buffer, offset);
                }
                RangeWriter.closeQuietly(ch); // every aligned buffer is taken: read the ordinary way
            }
        }
        return ordinaryFrom(file, offset);
    }

    private static InputStream ordinaryFrom(Path file, long offset) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            ch.position(offset);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return Channels.newInputStream(ch);
    }

    /** Whether this stream still reads past the page cache (for tests). */
    boolean isDirect() {
        return ordinary == null && direct != null;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (ordinary == null && !buffer.hasRemaining() && !fill()) {
            return -1;
        }
        if (ordinary != null) { // direct reading gave up, before or in that fill
            return ordinary.read(b, off, len);
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        pos += n;
        return n;
    }

    /**
     * Reads the next buffer's worth from the aligned offset at or before {@link #pos}, and skips to {@code pos}. False
     * at the end of the file; true with {@link #ordinary} set when direct reading failed and the rest goes the
     * ordinary way.
     */
    private boolean fill() throws IOException {
        if (pos >= size) {
            return false;
        }
        long at = pos & -(long) AlignedBuffers.ALIGN;
        buffer.clear();
        try {
            // Short reads end the loop only at the end of the file, which may fall inside the last block.
            while (buffer.hasRemaining() && at + buffer.position() < size) {
                if (direct.read(buffer, at + buffer.position()) <= 0 || buffer.position() % AlignedBuffers.ALIGN != 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // Opened but refused (some filesystems fail only on the first read): go on the ordinary way from here.
            switchToOrdinary();
            return true;
        }
        buffer.flip();
        int skip = (int) (pos - at);
        if (buffer.limit() <= skip) {
            switchToOrdinary(); // the file is shorter than it was: let the ordinary way say where it ends
            return true;
        }
        buffer.position(skip);
        return true;
    }

    /** Opens the ordinary way first, so that a reader which cannot go on either fails with an IOException. */
    private void switchToOrdinary() throws IOException {
        InputStream next;
        try {
            next = ordinaryFrom(file, pos);
        } catch (IOException e) {
            close();
            throw e;
        }
        releaseDirect();
        ordinary = next;
    }

    private void releaseDirect() {
        if (buffer != null) {
            AlignedBuffers.giveBack(buffer);
            buffer = null;
        }
        RangeWriter.closeQuietly(direct);
        direct = null;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        releaseDirect();
        if (ordinary != null) {
            ordinary.close();
        }
    }
}
