package dev.ferry.protocol;

import java.lang.management.ManagementFactory;

/** Bytes of heap the current thread allocates while running an action (HotSpot's per-thread counter). */
final class Allocation {
    private Allocation() {}

    static long measure(Runnable action) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        action.run();   // warm up class loading, so only the second run is counted
        long before = bean.getThreadAllocatedBytes(thread);
        action.run();
        return bean.getThreadAllocatedBytes(thread) - before;
    }
}
