package dev.ferry.io;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A pool of native buffers aligned for direct I/O, shared by {@link RangeWriter} and {@link DirectReader}: allocating
 * native memory per file would cost more than the transfer saves, and a handful of buffers serves every transfer
 * that runs at once. Thread-safe.
 */
final class AlignedBuffers {
    /** Bytes per buffer: one direct call moves this much. */
    static final int SIZE = 1 << 20;
    /**
     * Offsets, lengths and addresses of direct I/O are aligned to this. 4 KiB is the block size of ext4, XFS and
     * btrfs as Linux formats them, and a multiple of every disk's sector size; a filesystem with larger blocks
     * refuses the first direct call, and the caller then goes on the ordinary way.
     */
    static final int ALIGN = 4096;
    /** More than this many idle buffers are left to the garbage collector. */
    private static final int POOL_MAX = 16;
    /**
     * At most this many buffers are out at once: each is native memory, which the JVM limits to about the heap's
     * size, and readers hold theirs as long as a slow peer or HTTP client takes. An eighth of the heap, between 2
     * and 64 buffers; past that, callers read and write the ordinary way.
     */
    static final int MAX_OUT = (int) Math.max(2, Math.min(64, Runtime.getRuntime().maxMemory() / (8L * SIZE)));
    private static final ConcurrentLinkedDeque<ByteBuffer> POOL = new ConcurrentLinkedDeque<>();
    private static final java.util.concurrent.atomic.AtomicInteger OUT = new java.util.concurrent.atomic.AtomicInteger();

    private AlignedBuffers() {}

    /**
     * A cleared buffer of {@link #SIZE} bytes whose address is aligned to {@link #ALIGN}, or null when
     * {@link #MAX_OUT} are out already or the JVM has no native memory left for another: the caller then goes the
     * ordinary way. Every buffer obtained must be given back.
     */
    static ByteBuffer tryBorrow() {
        if (OUT.incrementAndGet() > MAX_OUT) {
            OUT.decrementAndGet();
            return null;
        }
        ByteBuffer b = POOL.pollFirst();
        if (b != null) {
            return b;
        }
        try {
            return ByteBuffer.allocateDirect(SIZE + ALIGN).alignedSlice(ALIGN).slice(0, SIZE);
        } catch (OutOfMemoryError e) {
            OUT.decrementAndGet(); // "Cannot reserve direct buffer memory": the ordinary way needs none
            return null;
        }
    }

    /** Returns a buffer from {@link #tryBorrow}; the caller must not touch it afterwards. */
    static void giveBack(ByteBuffer b) {
        b.clear();
        if (POOL.size() < POOL_MAX) {
            POOL.addFirst(b);
        }
        OUT.decrementAndGet();
    }

    /** How many buffers are out (for tests). */
    static int out() {
        return OUT.get();
    }
}
