package dev.ferry.io;

import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Reused 1 MiB heap arrays for the buffers every upload needs (the request body is read into one, the blob writer
 * gathers small pieces in another). A fresh array per request cost each daemon about 2% of its CPU in zeroing
 * alone in bench/libsync, and at 1 MiB plus its header the array is a humongous object for G1 with the region
 * size a default heap of a few GiB gets (2 MiB): a region of its own, taken under a lock. A caller that never
 * gives an array back costs only the reuse. Thread-safe.
 */
public final class Chunks {
    public static final int SIZE = 1 << 20;
    /** More than the uploads and transfers that run at once; beyond it, arrays given back are left to the GC. */
    private static final int KEEP = 32;
    private static final ConcurrentLinkedDeque<byte[]> FREE = new ConcurrentLinkedDeque<>();

    private Chunks() {}

    /** An array of {@link #SIZE} bytes with arbitrary contents. */
    public static byte[] take() {
        byte[] b = FREE.pollFirst();
        return b != null ? b : new byte[SIZE];
    }

    /** Hands {@code b} back; the caller must not touch it afterwards. */
    public static void give(byte[] b) {
        if (b != null && b.length == SIZE && FREE.size() < KEEP) {
            FREE.addFirst(b);
        }
    }
}
