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
    private final MessageDigest digest;
    private final long limit;
    private long size;
    private boolean finished;
    private boolean closed;

    BlobWriter(Path temp, long limit) throws IOException {
        this.temp = temp;
        this.limit = limit;
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
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
        if (finished) {
            throw new IOException("blob writer already finished");
        }
        if (size + len > limit) {
            throw new UploadTooLargeException(limit);
        }
        digest.update(b, off, len);
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        size += len;
    }

    public long size() {
        return size;
    }

    /** Flushes the bytes to disk and returns the hex SHA-256; the temp file stays until commit or close. */
    String finish() throws IOException {
        if (!finished) {
            channel.force(false);
            channel.close();
            finished = true;
        }
        return ContentHash.hex(digest.digest());
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
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
