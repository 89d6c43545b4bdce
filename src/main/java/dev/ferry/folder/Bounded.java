package dev.ferry.folder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/** Work on virtual threads, at most a given number at once, waited for as a whole. */
final class Bounded {
    /** One item's work, told the item's position in the list. */
    interface Work<T> {
        void run(T item, int index);
    }

    private Bounded() {}

    /**
     * Runs {@code work} for every item on its own virtual thread, at most {@code atOnce} at a time, and returns
     * when all have ended. Work must handle its own failures.
     */
    static <T> void forEach(List<T> items, int atOnce, String name, Work<T> work) throws InterruptedException {
        Semaphore slots = new Semaphore(atOnce);
        List<Thread> threads = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            int index = i;
            slots.acquireUninterruptibly();
            threads.add(Thread.ofVirtual().name(name).start(() -> {
                try {
                    work.run(item, index);
                } finally {
                    slots.release();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
