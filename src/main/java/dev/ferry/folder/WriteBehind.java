package dev.ferry.folder;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flushes a large temp file to disk while it is still being written, so that the fsync before its rename
 * waits for the last few megabytes instead of the whole file: a 1 GiB file otherwise spends half a second in
 * that final fsync, after every byte has arrived. Each {@value #STEP} bytes written start one
 * {@code fdatasync} on a background thread, never two at once. Durability still comes from the caller's own
 * final {@code force}; these flushes only move the disk work earlier. Thread-safe.
 */
final class WriteBehind {
    static final long STEP = 64L << 20;

    private final FileChannel channel;
    private final AtomicLong unflushed = new AtomicLong();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile Thread running;

    WriteBehind(FileChannel channel) {
        this.channel = channel;
    }

    /** Counts {@code bytes} just written; may start a background flush. */
    void wrote(long bytes) {
        if (unflushed.addAndGet(bytes) >= STEP && flushing.compareAndSet(false, true)) {
            unflushed.set(0);
            running = Thread.ofPlatform().daemon().name("write-behind").start(() -> {
                try {
                    channel.force(false);
                } catch (IOException e) {
                    // The final force reports a real failure; a channel closed under us just ends the flushing.
                } finally {
                    flushing.set(false);
                }
            });
        }
    }

    /** Waits for a background flush still running, so the channel can be forced and closed. */
    void await() {
        Thread t = running;
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
