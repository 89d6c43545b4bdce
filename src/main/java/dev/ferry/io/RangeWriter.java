package dev.ferry.io;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes one contiguous range of a file, starting at a given offset, past the page cache ({@code O_DIRECT})
 * where the filesystem allows it. Everything Ferry writes in bulk (a received blob, a fetched file) is fsynced
 * before it counts and is rarely read back at once, so copying it into the page cache first only costs: on the
 * virtual machines Ferry is measured on, that copy into freshly allocated cache pages costs more CPU than
 * hashing the same bytes, and a buffered 1 GiB write plus fsync takes two to three times as long as a direct
 * one. Direct I/O needs the file offset, the length and the buffer address aligned to the filesystem's block
 * size ({@link #ALIGN}), so the unaligned head of the range (up to the first block boundary) and its unaligned tail go through
 * the caller's ordinary channel, and the aligned middle is gathered in a pooled, aligned buffer and written
 * with one direct call per {@value #STAGE} bytes. Pieces of the file written one way and the other never share
 * a 4 KiB block, so the page cache stays coherent. A filesystem that refuses {@code O_DIRECT} (some network and
 * FUSE filesystems, tmpfs before Linux 6.6) gets ordinary writes, as does a range shorter than {@value #MIN_DIRECT} bytes.
 * Durability is unchanged: the caller still forces its channel before it relies on the bytes.
 * Not thread-safe: one writer per range; several writers may work on disjoint ranges of one file at once.
 */
public final class RangeWriter implements Closeable {
    static final int STAGE = AlignedBuffers.SIZE;
    /** Shorter ranges are not worth a second open file and an aligned buffer. */
    public static final long MIN_DIRECT = 256 << 10;
    /** Offsets, lengths and the buffer's address are aligned to this (see {@link AlignedBuffers#ALIGN}). */
    static final int ALIGN = AlignedBuffers.ALIGN;

    private final FileChannel buffered;
    private FileChannel direct;
    private ByteBuffer stage;
    private long next;
    private long stageStart;
    private boolean closed;
    private IOException failed;

    private RangeWriter(FileChannel buffered, FileChannel direct, long start) {
        this.buffered = buffered;
        this.direct = direct;
        this.next = start;
    }

    /**
     * A writer of {@code file} from {@code start}, for a range of about {@code expectedLength} bytes (a hint: a
     * short range is written the ordinary way). {@code buffered} is the caller's own open channel on the same
     * file; it stays open and is used for the unaligned ends.
     */
    public static RangeWriter open(Path file, FileChannel buffered, long start, long expectedLength) {
        FileChannel direct = null;
        if (expectedLength >= MIN_DIRECT) {
            direct = openDirect(file, StandardOpenOption.WRITE);
        }
        return new RangeWriter(buffered, direct, start);
    }

    /**
     * {@code file} opened for direct I/O ({@code READ} or {@code WRITE}), never through a symlink (the file must be
     * the one the caller means); null where the filesystem refuses {@code O_DIRECT} or the open fails, and the
     * caller then goes the ordinary way.
     */
    static FileChannel openDirect(Path file, StandardOpenOption mode) {
        try {
            return FileChannel.open(file, mode, ExtendedOpenOption.DIRECT, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** A writer over channels the caller opened (tests: a direct channel that fails). */
    static RangeWriter over(FileChannel buffered, FileChannel direct, long start) {
        return new RangeWriter(buffered, direct, start);
    }

    /** The file offset of the next byte this writer will write. */
    public long position() {
        return next;
    }

    /** Whether this writer bypasses the page cache (for tests and diagnostics). */
    public boolean isDirect() {
        return direct != null;
    }

    /** Appends {@code data} to the range. */
    public void write(byte[] data, int off, int len) throws IOException {
        write(ByteBuffer.wrap(data, off, len));
    }

    /** Appends the buffer's remaining bytes to the range; the buffer is consumed. */
    public void write(ByteBuffer src) throws IOException {
        if (closed || failed != null) {
            throw new IOException("range writer already closed or failed", failed);
        }
        try {
            append(src);
        } catch (IOException e) {
            failed = e;
            throw e;
        }
    }

    private void append(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (direct == null) {
                next += writeFully(buffered, src, next);
                continue;
            }
            if (stage == null) {
                long aligned = alignUp(next);
                if (aligned > next) { // the unaligned head
                    int n = (int) Math.min(src.remaining(), aligned - next);
                    next += writeFully(buffered, src.slice(src.position(), n), next);
                    src.position(src.position() + n);
                    continue;
                }
                stage = AlignedBuffers.tryBorrow();
                if (stage == null) { // no aligned buffer to spare: the rest of this range goes the ordinary way
                    closeDirect();
                    continue;
                }
                stageStart = next;
            }
            int n = Math.min(stage.remaining(), src.remaining());
            stage.put(stage.position(), src, src.position(), n);
            stage.position(stage.position() + n);
            src.position(src.position() + n);
            next += n;
            if (!stage.hasRemaining()) {
                flushStage();
            }
        }
    }

    /** Writes what is gathered: whole blocks directly, the unaligned tail the ordinary way. */
    private void flushStage() throws IOException {
        stage.flip();
        int whole = stage.limit() & -ALIGN;
        if (whole > 0) {
            try {
                writeFully(direct, stage.slice(0, whole), stageStart);
            } catch (IOException e) {
                // Opened but refused (some filesystems only fail on the first write): write the ordinary way from now on.
                // A full disk fails again below, with the error the caller should see.
                closeDirect();
                writeFully(buffered, stage.slice(0, whole), stageStart);
            }
        }
        if (stage.limit() > whole) {
            writeFully(buffered, stage.slice(whole, stage.limit() - whole), stageStart + whole);
        }
        stageStart += stage.limit();
        stage.clear();
    }

    private static int writeFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        int n = buf.remaining();
        while (buf.hasRemaining()) {
            ch.write(buf, at + (n - buf.remaining()));
        }
        return n;
    }

    private long alignUp(long offset) {
        return (offset + ALIGN - 1) & -(long) ALIGN;
    }

    /**
     * Writes what is still gathered and releases the buffer; the caller's channel stays open. Returns normally
     * only if every byte given to {@link #write} reached the file: after a failed write it throws too, because
     * bytes gathered before the failure may be lost.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            if (failed != null) { // every close of a failed writer fails
                throw new IOException("an earlier write of this range failed: " + failed.getMessage(), failed);
            }
            return;
        }
        closed = true;
        try {
            if (failed != null) {
                throw new IOException("an earlier write of this range failed: " + failed.getMessage(), failed);
            }
            if (stage != null && stage.position() > 0) {
                flushStage();
            }
        } catch (IOException e) {
            failed = failed != null ? failed : e;
            throw e;
        } finally {
            if (stage != null) {
                AlignedBuffers.giveBack(stage);
                stage = null;
            }
            closeDirect();
        }
    }

    /** Releases the writer without writing what it gathered (the file is about to be deleted). */
    public void discard() {
        closed = true;
        if (stage != null) {
            AlignedBuffers.giveBack(stage);
            stage = null;
        }
        closeDirect();
    }

    private void closeDirect() {
        closeQuietly(direct); // nothing is lost: every direct write already returned
        direct = null;
    }

    /**
     * Closes a second channel opened for direct I/O, ignoring a failure: only reads, or writes that already returned,
     * went through it, and the caller's own channel is what it relies on. Null is ignored.
     */
    static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing to recover: the caller never relies on this channel
            }
        }
    }
}
