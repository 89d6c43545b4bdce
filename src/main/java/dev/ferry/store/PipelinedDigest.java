package dev.ferry.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * SHA-256 of a long upload computed on a second thread while the request thread goes on receiving and writing,
 * so that on a multi-core machine hashing overlaps I/O instead of adding to it. Small uploads are hashed
 * inline: the hand-off only starts once {@link #INLINE_BYTES} have been seen, and the digest's byte order is
 * kept because the inline part is done before the first piece is queued. Memory is bounded: at most
 * {@link #DEPTH} pieces of at most {@link #PIECE} bytes wait for the hasher, and their arrays are reused.
 * Not thread-safe: one producer (the writer of one upload).
 */
final class PipelinedDigest implements BlobDigest {
    static final int INLINE_BYTES = 4 << 20;
    static final int PIECE = 1 << 20;
    static final int DEPTH = 4;
    private static final byte[] END = new byte[0];

    private final MessageDigest digest;
    private long seen;
    private BlockingQueue<Piece> queue;
    private BlockingQueue<byte[]> free;
    private Thread hasher;
    private volatile Throwable failure;
    /** The piece being filled and how much of it is (once hand-off has started). */
    private byte[] filling;
    private int filled;

    private record Piece(byte[] bytes, int length) {}

    PipelinedDigest(MessageDigest digest) {
        this.digest = digest;
    }

    /** Hashes {@code b[off, off+len)}; once hand-off has started, the bytes are copied, so the caller may reuse {@code b}. */
    @Override
    public void update(byte[] b, int off, int len) throws IOException {
        seen += len;
        if (hasher == null && seen <= INLINE_BYTES) {
            digest.update(b, off, len);
            return;
        }
        if (hasher == null) {
            start();
        }
        // Small updates (a fetch's 64 KiB payloads) fill one piece before it is handed over, so the hasher gets
        // whole pieces and the hand-offs stay one per PIECE bytes.
        while (len > 0) {
            if (filling == null) {
                filling = take(free);
                filled = 0;
            }
            int n = Math.min(filling.length - filled, len);
            System.arraycopy(b, off, filling, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == filling.length) {
                handOver();
            }
        }
    }

    private void handOver() throws IOException {
        if (filling != null && filled > 0) {
            put(new Piece(filling, filled));
            filling = null;
        }
    }

    private void start() {
        queue = new ArrayBlockingQueue<>(DEPTH);
        free = new ArrayBlockingQueue<>(DEPTH + 1);
        for (int i = 0; i <= DEPTH; i++) {
            free.add(new byte[PIECE]);
        }
        hasher = Thread.ofPlatform().daemon().name("blob-hasher").start(() -> {
            try {
                while (true) {
                    Piece p = queue.take();
                    if (p.bytes() == END) {
                        return;
                    }
                    digest.update(p.bytes(), 0, p.length());
                    free.add(p.bytes());
                }
            } catch (InterruptedException e) {
                failure = e;
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    /** Waits for the hasher and returns the digest. */
    @Override
    public byte[] finish() throws IOException {
        if (hasher != null) {
            handOver();
            put(new Piece(END, 0));
            try {
                hasher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while hashing");
            }
            if (failure != null) {
                throw new IOException("hashing failed", failure);
            }
        }
        return digest.digest();
    }

    /** Stops the hasher without a result (the upload was abandoned). */
    @Override
    public void abandon() {
        if (hasher != null && hasher.isAlive()) {
            hasher.interrupt();
        }
    }

    private void put(Piece p) throws IOException {
        try {
            while (!queue.offer(p, 1, java.util.concurrent.TimeUnit.SECONDS)) {
                if (!hasher.isAlive()) {
                    throw new IOException("hasher stopped", failure);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }

    private byte[] take(BlockingQueue<byte[]> q) throws IOException {
        try {
            byte[] b;
            while ((b = q.poll(1, java.util.concurrent.TimeUnit.SECONDS)) == null) {
                if (!hasher.isAlive()) {
                    throw new IOException("hasher stopped", failure);
                }
            }
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }
}
