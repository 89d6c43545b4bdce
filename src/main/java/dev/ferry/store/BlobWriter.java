package dev.ferry.store;

import dev.ferry.io.Chunks;
import dev.ferry.io.RangeWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams one incoming blob to a temp file while hashing it: one pass over the bytes, nothing buffered
 * beyond the caller's chunk. Obtain from {@link AssetStore#newWriter()}, write, then hand to
 * {@link AssetStore#commit}; closing a writer that was not committed deletes its temp file, so an
 * abandoned or failed upload leaves nothing behind. Not thread-safe: one writer belongs to one upload.
 */
public final class BlobWriter extends OutputStream {
    private final Path temp;
    private final FileChannel channel;
    /**
     * Created with the first bytes written, so a small blob never opens a second (direct) channel, unless the caller
     * said to expect a large one.
     */
    private RangeWriter out;
    /** Chosen with the first bytes (see {@link #digest()}), when the caller's size hint is known. */
    private BlobDigest digest;
    /**
     * Writers open in this process that may hash in a lane: how many streams the next one's hashing could run beside
     * (see {@link BlobDigest#open}). A writer told it will be long ({@link BlobDigest#LONG_BLOB}) is not counted.
     */
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();
    /** Whether this writer is counted in {@link #OPEN}. */
    private boolean counted;
    /** At most this many bytes will come (see {@link #expectAtMost}); 0 when unknown. */
    private long atMost;
    private final long limit;
    static final int BATCH = Chunks.SIZE;
    /** Taken from {@link Chunks} with the first small piece (most uploads arrive in large ones), given back at close. */
    private ByteBuffer batch;
    private long size;
    /** The size the caller said to expect (see {@link #expectSize}); 0 when unknown. */
    private long expected;
    private boolean finished;
    private String hash;
    /**
     * Large uploads written through the page cache (where the filesystem refuses direct writes) start writeback
     * while they arrive: every {@link #EARLY_SYNC_BYTES} an fdatasync runs on a
     * background thread, so the disk works in parallel with the network and the final fsync has little left to do.
     */
    static final long EARLY_SYNC_BYTES = 64L << 20;
    private long syncedUpTo;
    private java.util.concurrent.CompletableFuture<Void> earlySync;
    private boolean closed;
    private boolean installed;

    BlobWriter(Path temp, long limit) throws IOException {
        this.temp = temp;
        this.limit = limit;
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        OPEN.incrementAndGet();
        this.counted = true;
    }

    /**
     * The digest, made on first use rather than with the writer: by then a size hint may say the blob is long, and
     * the writers counted are those still open (see {@link BlobDigest#open}).
     */
    private BlobDigest digest() {
        if (digest == null) {
            digest = BlobDigest.open(counted ? OPEN.get() : 1, expected > 0 ? expected : atMost);
        }
        return digest;
    }

    /** A long blob hashes on its own: it no longer counts as a stream others could share the lanes with. */
    private void uncountIfLong(long bytes) {
        if (counted && digest == null && bytes >= BlobDigest.LONG_BLOB) {
            counted = false;
            OPEN.decrementAndGet();
        }
    }

    /** Whether this blob is hashed in a lane of the shared vector engine (tests). */
    boolean hashesInLanes() {
        return digest().inLanes();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        write(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Appends the buffer's remaining bytes. Small pieces are gathered into {@link #BATCH}-byte batches, each hashed
     * and written with one call, so the small pieces an HTTP body arrives in cost few system calls; large pieces,
     * and every piece of a blob written past the page cache (whose direct write gathers them itself), go as they are.
     */
    public void write(ByteBuffer buf) throws IOException {
        if (finished) {
            throw new IOException("blob writer already finished");
        }
        if (size + buf.remaining() > limit) {
            throw new UploadTooLargeException(limit);
        }
        size += buf.remaining();
        if ((buf.remaining() >= BATCH / 4 || goesPastPageCache()) && buf.hasArray()) {
            // Large enough to hash and write as it is, without gathering it into the batch first; or bound for a
            // direct write, which gathers pieces in its aligned buffer anyway.
            flushBatch();
            digest().update(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
            writeOut(buf);
            maybeSyncEarly();
            return;
        }
        if (batch == null) {
            batch = ByteBuffer.wrap(Chunks.take());
        }
        while (buf.hasRemaining()) {
            int n = Math.min(batch.remaining(), buf.remaining());
            ByteBuffer slice = buf.slice(buf.position(), n);
            batch.put(slice);
            buf.position(buf.position() + n);
            if (!batch.hasRemaining()) {
                flushBatch();
            }
        }
    }

    private void flushBatch() throws IOException {
        if (batch == null || batch.position() == 0) {
            return;
        }
        batch.flip();
        digest().update(batch.array(), 0, batch.limit());
        writeOut(batch);
        batch.clear();
        maybeSyncEarly();
    }

    /**
     * The caller knows how many bytes will come (a fetch knows the asset's size): a large blob then goes past the
     * page cache from its first piece, and its pieces are not gathered into a batch first (the direct write gathers
     * them in its aligned buffer anyway), and, given before the first bytes, a long one is hashed on its own rather
     * than in a vector lane (see {@link BlobDigest#LONG_BLOB}). Only a hint: the blob may end up shorter or longer.
     */
    public void expectSize(long bytes) {
        expected = bytes;
        uncountIfLong(bytes);
    }

    /**
     * The blob will be at most {@code bytes} long (an ingest knows its request body's length, a little more than the
     * file's). Used only to choose the digest, given before the first bytes: unlike {@link #expectSize} it does not
     * send a small file of a large body past the page cache.
     */
    public void expectAtMost(long bytes) {
        atMost = bytes;
        uncountIfLong(bytes);
    }

    private boolean goesPastPageCache() {
        return out != null ? out.isDirect() : expected >= RangeWriter.MIN_DIRECT;
    }

    /** Past the page cache once the blob is known to be large (see {@link RangeWriter}). */
    private void writeOut(ByteBuffer buf) throws IOException {
        if (out == null) {
            out = RangeWriter.open(temp, channel, 0, Math.max(size, expected));
        }
        out.write(buf);
    }

    private void maybeSyncEarly() {
        if (out != null && out.isDirect()) {
            return; // written past the page cache: there is no dirty data for an early flush to start on
        }
        if (size - syncedUpTo >= EARLY_SYNC_BYTES && (earlySync == null || earlySync.isDone())) {
            if (earlySync != null && earlySync.isCompletedExceptionally()) {
                // Kept, not replaced: Linux reports a writeback error to one fdatasync only, so a later one on this
                // file (and the final fsync) may succeed over pages that never reached the disk.
                return;
            }
            syncedUpTo = size;
            earlySync = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    channel.force(false);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, Thread::startVirtualThread);
        }
    }

    private void awaitEarlySync() throws IOException {
        if (earlySync == null) {
            return;
        }
        try {
            earlySync.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (!closed) {
                throw new IOException("writing the upload to disk failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    public long size() {
        return size;
    }

    /** Flushes the bytes to disk and returns the hex SHA-256; the temp file stays until commit or close. */
    String finish() throws IOException {
        if (!finished) {
            flushBatch();
            if (out != null) {
                out.close();
            }
            awaitEarlySync();
            channel.force(false);
            channel.close();
            finished = true;
            hash = ContentHash.hex(digest().finish());
        }
        return hash;
    }

    Path tempPath() {
        return temp;
    }

    /** The temp file was moved into place (or dropped as a duplicate): closing has nothing to delete. */
    void installed() {
        installed = true;
    }

    /** Releases the writer; deletes the temp file unless {@link AssetStore#commit} moved it into place. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (counted) {
            counted = false;
            OPEN.decrementAndGet();
        }
        if (digest != null) {
            digest.abandon();
        }
        if (earlySync != null) {
            earlySync.exceptionally(e -> null).join(); // never close the channel under a running fdatasync
        }
        try {
            if (out != null) {
                out.discard(); // after finish() a no-op; otherwise the bytes are about to be deleted anyway
            }
            channel.close();
        } finally {
            if (batch != null) {
                Chunks.give(batch.array());
                batch = null;
            }
            if (!installed) {
                Files.deleteIfExists(temp);
            }
        }
    }
}
