package dev.ferry.scan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run by {@link TreeWatcherLimitTest} in a child JVM inside a fresh user namespace, where it lowers that
 * namespace's own inotify limits ({@code /proc/sys/user/max_inotify_*}) and prints one line per scenario.
 * Refuses to touch any limit unless it is in a user namespace other than the one named by its first argument
 * (the test's), so it can never change a limit of the machine.
 */
final class WatchLimitProbe {
    private static final int WATCH_LIMIT = 16;

    private WatchLimitProbe() {}

    public static void main(String[] args) throws Exception {
        String hostNamespace = args[0];
        Path dir = Path.of(args[1]);
        String here = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        if (here.equals(hostNamespace)) {
            System.out.println("refused: still in the test's user namespace " + here);
            System.exit(3);
        }
        // The running case first: watches it leaves behind can only make the later cases fail sooner.
        limit("max_inotify_watches", WATCH_LIMIT);
        Path small = tree(dir.resolve("small"), 4);
        AtomicInteger overflows = new AtomicInteger();
        try (TreeWatcher watcher = new TreeWatcher(small, path -> {}, overflows::incrementAndGet)) {
            boolean started = watcher.start();
            boolean healthyBefore = watcher.healthy();
            for (int i = 0; i < 3 * WATCH_LIMIT; i++) {
                Files.writeString(Files.createDirectories(small.resolve("new-" + i)).resolve("f"), "x");
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (overflows.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            System.out.println("running: started=" + started + " healthyBefore=" + healthyBefore
                    + " overflows=" + overflows.get() + " healthyAfter=" + watcher.healthy());
        }
        Path big = tree(dir.resolve("big"), 3 * WATCH_LIMIT);
        try (TreeWatcher watcher = new TreeWatcher(big, path -> {}, () -> {})) {
            System.out.println("atStart: started=" + watcher.start() + " healthy=" + watcher.healthy());
        }
        limit("max_inotify_instances", 0);
        try (TreeWatcher watcher = new TreeWatcher(small, path -> {}, () -> {})) {
            System.out.println("instances: started=" + watcher.start() + " healthy=" + watcher.healthy());
        }
    }

    private static void limit(String name, int value) throws Exception {
        Files.writeString(Path.of("/proc/sys/user", name), Integer.toString(value));
    }

    private static Path tree(Path top, int directories) throws Exception {
        for (int i = 0; i < directories; i++) {
            Files.writeString(Files.createDirectories(top.resolve("d" + i)).resolve("f"), "x");
        }
        return top;
    }
}
