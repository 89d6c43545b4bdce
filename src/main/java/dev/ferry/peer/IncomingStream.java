package dev.ferry.peer;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Protocol;
import dev.ferry.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * The receiving end of a streamed response: Data pieces queue here as the link's reader delivers them and
 * the consumer reads them as an InputStream. The window is the flow control of docs/protocol.md: the
 * sender may have at most {@link Protocol#INITIAL_WINDOW} bytes unread here; as the consumer reads, Credit
 * is granted back in steps of a quarter of the window. So a slow consumer holds at most about one window in
 * memory and stalls the sender, never the link. Thread-safe between one producer (the link reader) and one consumer.
 */
final class IncomingStream extends InputStream {
    /**
     * The window this receiver keeps open. The protocol starts every stream at {@link Protocol#INITIAL_WINDOW};
     * one MiB in flight is less than a fast link moves during a Credit round trip, so the receiver at once
     * grants the rest of this larger window (a receiver's choice the protocol allows).
     */
    static final long WINDOW = 8L << 20;
    private final ArrayDeque<byte[]> pieces = new ArrayDeque<>();
    private final LongConsumer grant;
    private final java.time.Clock clock;
    private volatile long lastActivity;
    private final Runnable onAbandon;
    private long granted = WINDOW;
    private long received;
    private long consumedSinceGrant;
    private int offsetInHead;
    private boolean ended;
    private IOException failure;
    private boolean closed;

    /**
     * @param grant     sends Credit for that many more bytes
     * @param onAbandon called when the consumer closes before the end (the link sends Cancel)
     */
    IncomingStream(java.time.Clock clock, LongConsumer grant, Runnable onAbandon) {
        this.clock = clock;
        this.lastActivity = clock.millis();
        this.grant = grant;
        this.onAbandon = onAbandon;
        grant.accept(WINDOW - Protocol.INITIAL_WINDOW);
    }

    /** Called by the link reader. A sender that overruns its window breaks the protocol. */
    synchronized void push(byte[] bytes, boolean end) throws ProtocolException {
        received += bytes.length;
        lastActivity = clock.millis();
        if (received > granted) {
            throw new ProtocolException(ErrorCode.PROTOCOL, "Data beyond the granted window (" + received + " > " + granted + " bytes)");
        }
        if (bytes.length > 0 && !closed) {
            pieces.add(bytes);
        }
        ended |= end;
        notifyAll();
    }

    synchronized void fail(IOException e) {
        if (!ended) {
            failure = e;
        }
        notifyAll();
    }

    /** When Data last arrived (or the stream began); a consumer that has not read keeps it from counting as stalled. */
    long lastActivity() {
        return waitingForConsumer() ? clock.millis() : lastActivity;
    }

    private synchronized boolean waitingForConsumer() {
        return !pieces.isEmpty() || ended;
    }

    synchronized boolean isEnded() {
        return ended;
    }

    @Override
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!awaitPiece()) {
            return -1;
        }
        byte[] head = pieces.peek();
        int n = Math.min(len, head.length - offsetInHead);
        System.arraycopy(head, offsetInHead, b, off, n);
        offsetInHead += n;
        if (offsetInHead == head.length) {
            pieces.poll();
            offsetInHead = 0;
        }
        consumed(n);
        return n;
    }

    /**
     * Writes the rest of the stream to {@code out} a Data payload at a time, straight from the arrays the link's
     * reader filled, instead of copying them through a buffer as {@link InputStream#transferTo} does. The lock is
     * not held while {@code out} writes, so the reader goes on queueing pieces meanwhile. A piece counts as consumed
     * (and its Credit goes back) when it is taken, so at most one window and one piece are held here and in
     * {@code out}; if {@code out} fails, that piece is lost to this stream, which the caller then abandons.
     */
    @Override
    public long transferTo(java.io.OutputStream out) throws IOException {
        long total = 0;
        while (true) {
            byte[] piece;
            int off;
            synchronized (this) {
                if (!awaitPiece()) {
                    return total;
                }
                piece = pieces.poll();
                off = offsetInHead;
                offsetInHead = 0;
                consumed(piece.length - off);
            }
            out.write(piece, off, piece.length - off);
            total += piece.length - off;
        }
    }

    /** Waits until a piece is queued: true, or false at the end of the stream; throws if it failed or was closed. */
    private boolean awaitPiece() throws IOException {
        while (pieces.isEmpty()) {
            if (closed) { // before the end: close() dropped what was queued, so an end now would hide missing bytes
                throw new IOException("stream closed");
            }
            if (ended) {
                return false;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading a peer stream");
            }
        }
        return true;
    }

    /** {@code n} more bytes were taken by the consumer: Credit goes back in quarter-window steps. */
    private void consumed(long n) {
        consumedSinceGrant += n;
        if (!ended && consumedSinceGrant >= WINDOW / 4) {
            granted += consumedSinceGrant;
            grant.accept(consumedSinceGrant);
            consumedSinceGrant = 0;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        pieces.clear();
        if (!ended && failure == null) {
            onAbandon.run();
        }
        notifyAll();
    }
}
