package dev.ferry.scan;

import io.methvin.watcher.visitor.FileTreeVisitor;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link TreeWatcher}'s directory-watcher walks the tree, both to register directories and to report the
 * files of a directory that just appeared. It differs from the library's default walk in three ways: the
 * top-level {@code .ferry} is skipped, so Ferry's own writes cost no watches and no events; a directory that
 * cannot be registered for an ordinary reason (deleted meanwhile, unreadable) is skipped with its subtree
 * rather than failing the whole walk; and an OS limit ({@link #isLimit}) is thrown on, so the watcher can
 * stop and fall back to rescans. Symbolic links are not followed. Stateless, so thread-safe.
 */
final class WatchRegistrar implements FileTreeVisitor {
    private static final Logger log = LoggerFactory.getLogger(WatchRegistrar.class);

    private final Path root;
    private final Path stateDir;

    WatchRegistrar(Path root) {
        this.root = root;
        this.stateDir = root.resolve(IgnoreRules.STATE_DIR);
    }

    @Override
    public void recursiveVisitFiles(Path start, Callback onDirectory, Callback onFile) throws IOException {
        if (start.startsWith(stateDir)) {
            return;
        }
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.equals(stateDir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                try {
                    onDirectory.call(dir);
                } catch (IOException e) {
                    if (isLimit(e) || dir.equals(root)) {
                        throw e;
                    }
                    log.warn("Not watching {} for changes: {}", dir, e.toString());
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                onFile.call(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(root)) {
                    throw e;
                }
                log.debug("Skipping {} while registering watches: {}", file, e.toString());
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * True if {@code e} says an OS limit stopped a watch: on Linux the JDK reports ENOSPC from
     * {@code inotify_add_watch} as "User limit of inotify watches reached" and EMFILE from
     * {@code inotify_init} as "User limit of inotify instances reached or too many open files".
     */
    static boolean isLimit(IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return message.contains("inotify") || message.contains("too many open files");
    }

    /** The limit exception in {@code e} or its causes (the watcher wraps some in UncheckedIOException), or null. */
    static IOException limitCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io && isLimit(io)) {
                return io;
            }
        }
        return null;
    }

    /** Which limit, and how to raise it, for the WARN. */
    static String describeLimit(IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("inotify watches")) {
            return "the OS limit on inotify watches, one per directory, was reached (fs.inotify.max_user_watches = "
                    + procValue("fs/inotify/max_user_watches") + "; raise it with sysctl)";
        }
        if (message.contains("inotify instances")) {
            return "the OS limit on inotify instances or open files was reached (fs.inotify.max_user_instances = "
                    + procValue("fs/inotify/max_user_instances") + ", or ulimit -n)";
        }
        return "the OS limit on open files was reached (ulimit -n)";
    }

    private static String procValue(String name) {
        // Not Files.readString: /proc/sys files claim size 0, and that read returns only the first character.
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys", name))) {
            String line = reader.readLine();
            return line == null ? "unknown" : line.strip();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
