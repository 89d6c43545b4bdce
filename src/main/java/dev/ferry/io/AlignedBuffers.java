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
    private static final ConcurrentLinkedDeque<ByteBuffer> POOL = new ConcurrentLinkedDeque<>();

    private AlignedBuffers() {}

    /** A cleared buffer of {@link #SIZE} bytes whose address is aligned to {@link #ALIGN}. */
    static ByteBuffer borrow() {
        ByteBuffer b = POOL.pollFirst();
        return b != null ? b : ByteBuffer.allocateDirect(SIZE + ALIGN).alignedSlice(ALIGN).slice(0, SIZE);
    }

    /** Returns a buffer from {@link #borrow}; the caller must not touch it afterwards. */
    static void giveBack(ByteBuffer b) {
        b.clear();
        if (POOL.size() < POOL_MAX) {
            POOL.addFirst(b);
        }
    }
}
