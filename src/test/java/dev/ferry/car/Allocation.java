package dev.ferry.car;

import java.lang.management.ManagementFactory;

/** Bytes of heap the current thread allocates while running an action (HotSpot's per-thread counter). */
final class Allocation {
    private Allocation() {}

    private static final com.sun.management.ThreadMXBean BEAN =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Runs {@code action} twice (the first run loads classes) and counts the second. */
    static long measure(Runnable action) {
        action.run();
        return once(action);
    }

    static long once(Runnable action) {
        long thread = Thread.currentThread().threadId();
        long before = BEAN.getThreadAllocatedBytes(thread);
        action.run();
        return BEAN.getThreadAllocatedBytes(thread) - before;
    }
}
