package dev.ferry.scan;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Collects what a {@link TreeWatcher} reports, for tests to wait on. */
final class Recorder implements Consumer<String>, Runnable {
    /** Generous: inotify delivers in milliseconds, but the test machine may be busy. */
    static final long TIMEOUT_MS = 10_000;

    private final LinkedBlockingQueue<String> changes = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    final AtomicInteger overflows = new AtomicInteger();

    @Override
    public void accept(String path) {
        changes.add(path);
    }

    @Override
    public void run() {
        overflows.incrementAndGet();
    }

    /** Waits until {@code path} is reported; returns the milliseconds it took. */
    long await(String path) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            String next = changes.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                fail("'" + path + "' was not reported within " + TIMEOUT_MS + " ms; reported: " + seen);
            }
            seen.add(next);
            if (next.equals(path)) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
        }
    }

    /** Waits until onOverflow was called at least once. */
    void awaitOverflow() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (overflows.get() == 0) {
            if (System.nanoTime() > deadline) {
                fail("onOverflow was not called within " + TIMEOUT_MS + " ms");
            }
            Thread.sleep(10);
        }
    }

    /** Everything reported so far, including what {@link #await} already consumed. */
    List<String> all() {
        changes.drainTo(seen);
        return List.copyOf(seen);
    }
}
