package dev.ferry.scan;

import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryChangeListener;
import io.methvin.watcher.DirectoryWatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports changes under a library root as the OS announces them, so a change is noticed in milliseconds
 * instead of at the next periodic rescan. Built on {@code io.methvin:directory-watcher}: on Linux the JDK's
 * inotify {@code WatchService} with one watch per directory (new directories are registered as they appear,
 * and the files already inside them are reported as created), on macOS FSEvents, on Windows the JDK's
 * recursive watch. File hashing is off: the library would otherwise read every file at start, and Ferry
 * hashes in its scanner anyway. Events are hints, never the truth: the caller rescans what is named.
 *
 * <p>Callbacks run on the one watcher thread, in the order the OS reported; they must be quick (hand the path
 * to a queue or debouncer), because while they run the JDK buffers at most 512 events per directory before it
 * drops them and reports an overflow. A callback that throws is logged and the watcher goes on. Nothing is
 * delivered after {@link #close} returns. Entries Ferry owns ({@code .ferry/} and {@code .ferry-tmp-*}, see
 * {@link IgnoreRules}) are dropped here, and {@code .ferry/} is never watched at all.
 *
 * <p>{@code onOverflow} means "events may be lost, rescan everything". It is called once per burst (after the
 * OS queue has been drained, or after 512 further events if it never drains) when the OS queue overflowed
 * or a directory could not be registered; once when the OS watch limit is reached while running
 * ({@code fs.inotify.max_user_watches} on Linux), after which the watcher stops, frees its watches, logs a
 * WARN and stays {@linkplain #healthy() unhealthy}, so the caller falls back to periodic rescans; and once if
 * watching ends by itself (the root was deleted or moved). If the limit is reached during {@link #start},
 * start returns false instead.
 *
 * <p>Thread-safety: {@link #start}, {@link #healthy} and {@link #close} may be called from any thread.
 */
public final class TreeWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TreeWatcher.class);
    /** Events after an overflow before it is reported even though the queue never drained. */
    private static final int OVERFLOW_FLUSH_EVENTS = 512;
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final Path root;
    private final Consumer<String> onChange;
    private final Runnable onOverflow;
    private volatile boolean healthy;
    private volatile boolean closed;
    private volatile Thread thread;
    /** The root's real path, set by start: what the library watches and reports paths under. */
    private volatile Path watched;
    private DirectoryWatcher watcher;
    private CompletableFuture<Void> loop;

    /**
     * @param root the library root; must exist when {@link #start} is called
     * @param onChange gets the path (relative to root, {@code '/'}-separated; {@code ""} for the root itself)
     *     of every created, modified or deleted entry, as soon as the OS reports it
     * @param onOverflow called when events may have been lost or the OS watch limit was reached, so the
     *     caller rescans everything
     */
    public TreeWatcher(Path root, Consumer<String> onChange, Runnable onOverflow) {
        this.root = root.toAbsolutePath().normalize();
        this.onChange = onChange;
        this.onOverflow = onOverflow;
    }

    /**
     * Watches every directory under the root (except {@code .ferry}) and starts delivering events from a
     * background daemon thread. Blocks while the tree is walked and registered, which reads directory entries
     * and their attributes but no file contents.
     *
     * @return true if watching; false, after a WARN naming the OS limit (such as
     *     {@code fs.inotify.max_user_watches}) and saying that Ferry falls back to periodic rescans, if the
     *     OS refused the watches or the watch instance because of a limit
     * @throws IOException if the root cannot be watched for another reason, such as not existing or not being a
     *     directory (a symlink to a directory is fine: its target is watched)
     * @throws IllegalStateException if called twice or after {@link #close}
     */
    public synchronized boolean start() throws IOException {
        if (watcher != null || closed) {
            throw new IllegalStateException(
                    "TreeWatcher for " + root + " was already " + (closed ? "closed" : "started"));
        }
        // The real path, so a root that is a symlink to the library is walked, and events relativize against it.
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        watched = real;
        WatchRegistrar registrar = new WatchRegistrar(real);
        try {
            watcher = DirectoryWatcher.builder()
                    .path(real)
                    .listener(new Listener())
                    .fileHashing(false)
                    .fileTreeVisitor(registrar)
                    .build();
        } catch (IOException e) {
            if (WatchRegistrar.isLimit(e)) {
                warnLimit(e);
                return false;
            }
            throw e;
        }
        healthy = true;
        CompletableFuture<Void> started = watcher.watchAsync(this::runWatcherThread);
        if (started.isCompletedExceptionally()) {
            healthy = false;
            closeQuietly(watcher);
            Throwable cause = failure(started);
            if (cause instanceof IOException io && WatchRegistrar.isLimit(io)) {
                warnLimit(io);
                return false;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException("watching " + root, cause);
        }
        loop = started.whenComplete((ignored, error) -> ended(error));
        return true;
    }

    /** True while the watcher is running and has not hit a limit; false before {@link #start} and after close. */
    public boolean healthy() {
        return healthy;
    }

    /** Entries the library has hashed: always 0, since hashing is off (for tests). */
    synchronized int hashedEntries() {
        return watcher == null ? 0 : watcher.pathHashes().size();
    }

    /** Stops watching and frees the OS watches; no callback runs after this returns (unless called from one). */
    @Override
    public void close() {
        DirectoryWatcher w;
        CompletableFuture<Void> running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            healthy = false;
            w = watcher;
            running = loop;
        }
        if (w != null) {
            closeQuietly(w);
        }
        if (running != null && Thread.currentThread() != thread) {
            try {
                running.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("Watcher thread for {} did not end cleanly: {}", root, e.toString());
            }
        }
    }

    private void runWatcherThread(Runnable eventLoop) {
        thread = Thread.ofPlatform().name("ferry-watch " + root.getFileName()).daemon().start(eventLoop);
    }

    /** The event loop returned: by close, by a limit (both already handled), or because no directory is left. */
    private void ended(Throwable error) {
        if (closed || !healthy) {
            return;
        }
        healthy = false;
        log.warn("Stopped watching {} for changes ({}); Ferry falls back to periodic rescans of this library",
                root, error == null ? "no directory left to watch: was the root deleted or moved?" : error);
        callOverflow();
    }

    /** The OS limit was reached while running: stop, free every watch, and have the caller rescan. */
    private void limitReached(IOException e) {
        if (!healthy) {
            return;
        }
        healthy = false;
        warnLimit(e);
        closeQuietly(watcher);
        callOverflow();
    }

    private void warnLimit(IOException e) {
        log.warn("Cannot watch {} for changes: {} ({}). Ferry falls back to periodic rescans of this library, so "
                + "changes are noticed late; raise the limit to get immediate change detection.",
                root, WatchRegistrar.describeLimit(e), e.getMessage());
    }

    private void callOverflow() {
        try {
            onOverflow.run();
        } catch (RuntimeException e) {
            log.warn("onOverflow callback for {} failed", root, e);
        }
    }

    private static void closeQuietly(DirectoryWatcher w) {
        try {
            w.close();
        } catch (IOException e) {
            log.debug("closing watch service", e);
        }
    }

    private static Throwable failure(CompletableFuture<Void> future) {
        try {
            future.join();
            return new IllegalStateException("watch loop ended at once");
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return cause instanceof UncheckedIOException u ? u.getCause() : cause;
        }
    }

    /** The root-relative library path of an absolute path under the root, {@code '/'}-separated. */
    private String relative(Path absolute) {
        Path rel = watched.relativize(absolute);
        if (rel.toString().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (Path name : rel) {
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(name);
        }
        return sb.toString();
    }

    /** Runs on the watcher thread only. */
    private final class Listener implements DirectoryChangeListener {
        private boolean overflowPending;
        private int sinceOverflow;

        @Override
        public void onEvent(DirectoryChangeEvent event) {
            if (closed || !healthy) {
                return;
            }
            if (event.eventType() == DirectoryChangeEvent.EventType.OVERFLOW || event.path() == null) {
                overflowPending = true;
            } else {
                String rel = relative(event.path());
                if (!IgnoreRules.ownedByFerry(rel)) {
                    try {
                        onChange.accept(rel);
                    } catch (RuntimeException e) {
                        log.warn("onChange callback for {} in {} failed", rel, root, e);
                    }
                }
            }
            if (overflowPending && ++sinceOverflow >= OVERFLOW_FLUSH_EVENTS) {
                flushOverflow();
            }
        }

        @Override
        public void onIdle(int count) {
            flushOverflow();
        }

        @Override
        public void onException(Exception e) {
            IOException limit = WatchRegistrar.limitCause(e);
            if (limit != null) {
                limitReached(limit);
                return;
            }
            if (closed || !healthy) {
                return;
            }
            if (isLibraryOverflow(e)) {
                log.debug("Change events for {} overflowed", root);
            } else {
                // Typically a new directory that could not be registered: changes inside it may go unreported.
                log.warn("Watching {}: {}; asking for a rescan", root, e.toString());
                log.debug("Watcher exception", e);
            }
            overflowPending = true;
        }

        /**
         * directory-watcher 0.19.1 never delivers an OVERFLOW event from the JDK watch service: the event has no
         * path, and {@code DirectoryWatcher.onEvent} looks that null up in a {@code ConcurrentSkipListMap}, so
         * the overflow reaches us as this NullPointerException instead.
         */
        private static boolean isLibraryOverflow(Exception e) {
            if (!(e instanceof NullPointerException)) {
                return false;
            }
            for (StackTraceElement frame : e.getStackTrace()) {
                if (frame.getClassName().equals(DirectoryWatcher.class.getName())
                        && frame.getMethodName().equals("onEvent")) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean isWatching() {
            return !closed && healthy;
        }

        private void flushOverflow() {
            if (overflowPending && !closed && healthy) {
                overflowPending = false;
                sinceOverflow = 0;
                log.debug("Change events for {} may have been lost; asking for a rescan", root);
                callOverflow();
            }
        }
    }
}
