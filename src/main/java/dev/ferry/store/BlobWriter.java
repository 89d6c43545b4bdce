package dev.ferry.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Streams one incoming blob to a temp file while hashing it: one pass over the bytes, nothing buffered
 * beyond the caller's chunk. Obtain from {@link AssetStore#newWriter()}, write, then hand to
 * {@link AssetStore#commit}; closing a writer that was not committed deletes its temp file, so an
 * abandoned or failed upload leaves nothing behind. Not thread-safe: one writer belongs to one upload.
 */
public final class BlobWriter extends OutputStream {
    private final Path temp;
    private final FileChannel channel;
    private final PipelinedDigest digest;
    private final long limit;
    static final int BATCH = 1 << 20;
    private final ByteBuffer batch = ByteBuffer.allocate(BATCH);
    private long size;
    private boolean finished;
    private String hash;
    private boolean closed;

    BlobWriter(Path temp, long limit) throws IOException {
        this.temp = temp;
        this.limit = limit;
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            this.digest = new PipelinedDigest(MessageDigest.getInstance("SHA-256"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
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
     * Appends the buffer's remaining bytes. They are gathered into {@link #BATCH}-byte batches, each hashed and
     * written with one call, so the small pieces an HTTP body arrives in cost few system calls.
     */
    public void write(ByteBuffer buf) throws IOException {
        if (finished) {
            throw new IOException("blob writer already finished");
        }
        if (size + buf.remaining() > limit) {
            throw new UploadTooLargeException(limit);
        }
        size += buf.remaining();
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
        batch.flip();
        digest.update(batch.array(), 0, batch.limit());
        while (batch.hasRemaining()) {
            channel.write(batch);
        }
        batch.clear();
    }

    public long size() {
        return size;
    }

    /** Flushes the bytes to disk and returns the hex SHA-256; the temp file stays until commit or close. */
    String finish() throws IOException {
        if (!finished) {
            flushBatch();
            channel.force(false);
            channel.close();
            finished = true;
            hash = ContentHash.hex(digest.finish());
        }
        return hash;
    }

    Path tempPath() {
        return temp;
    }

    /** Releases the writer; deletes the temp file unless {@link AssetStore#commit} moved it into place. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        digest.abandon();
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
