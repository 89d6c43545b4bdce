package dev.ferry.folder;

import dev.ferry.scan.IgnoreRules;
import dev.ferry.scan.TreeWatcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One folder library on this node: its root directory, index, scanner, watcher and applier. The root must hold
 * the marker {@code .ferry/folder-id} naming the library; without it (an unmounted disk looks like an empty
 * directory) the folder stops with an error rather than read "everything deleted", and retries on every
 * periodic scan. Watcher events go to a pending set worked off by one scan thread, so a path reported again while
 * it is being scanned is scanned once more afterwards, and never twice at once. Scans and the applier's file
 * operations take the same lock, so a scan never sees a replacement half done. Thread-safe.
 */
final class Folder implements AutoCloseable {
    /** How long a deletion is remembered: 15 months, as Syncthing's default delete retention. */
    static final java.time.Duration TOMBSTONE_KEEP = java.time.Duration.ofDays(450);
    private static final Logger log = LoggerFactory.getLogger(Folder.class);
    static final String MARKER = ".ferry/folder-id";

    private final String id;
    private final Path root;
    private final FolderIndex index;
    private final String me;
    private final FolderSync owner;
    private final Scanner scanner;
    private final Versions versions;
    private final ReentrantLock applyLock = new ReentrantLock();
    private final Previews previews = new Previews();
    private final LinkedHashSet<String> pending = new LinkedHashSet<>();
    private final Thread scanThread;
    private TreeWatcher watcher;
    private volatile IgnoreRules ignore;
    private volatile long ignoreStamp = Long.MIN_VALUE;
    private volatile boolean ignoreStale = true;
    private static final String IGNORE_FILE = ".ferryignore";
    private volatile String error;
    private volatile boolean scanning;
    private volatile boolean fullScanPending = true;
    private volatile boolean closed;
    private volatile long lastScanAt;
    private volatile long lastScanMillis;
    /** What the scans could not sync, by path; written only by the scan loop's thread. */
    private volatile List<ScanError> scanErrors = List.of();
    private volatile boolean caseInsensitive;
    /** Rises whenever the ignore rules change; a pull that sees a new value starts that member over from 0. */
    final java.util.concurrent.atomic.AtomicLong rulesEpoch = new java.util.concurrent.atomic.AtomicLong();

    Folder(String id, Path root, FolderIndex index, String me, FolderSync owner, ExecutorService hashPool, Duration keepVersions) {
        this.id = id;
        this.root = root;
        this.index = index;
        this.me = me;
        this.owner = owner;
        this.scanner = new Scanner(this, hashPool);
        this.versions = new Versions(this, keepVersions);
        this.scanThread = new Thread(this::scanLoop, "scan-" + id.substring(0, Math.min(8, id.length())));
        this.scanThread.setDaemon(true);
    }

    /** Writes the marker into a root that is new to Ferry (creating the directory). */
    static void prepareRoot(Path root, String libraryId) throws IOException {
        Files.createDirectories(root.resolve(".ferry"));
        Path marker = root.resolve(MARKER);
        if (Files.exists(marker) && Files.readString(marker, StandardCharsets.UTF_8).trim().equals(libraryId)) {
            return;
        }
        Path tmp = root.resolve(".ferry/folder-id.tmp");
        Files.writeString(tmp, libraryId + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, marker, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    void start() {
        scanThread.start();
    }

    /** True if the root is there with our marker; otherwise records why not. */
    boolean rootPresent() {
        try {
            Path marker = root.resolve(MARKER);
            if (!Files.isDirectory(root) || !Files.isRegularFile(marker)
                    || !Files.readString(marker, StandardCharsets.UTF_8).trim().equals(id)) {
                setError("the folder marker " + MARKER + " is missing in " + root
                        + " (is the disk mounted?); not syncing this folder until it is back");
                return false;
            }
        } catch (IOException e) {
            setError("cannot read the folder marker in " + root + ": " + e.getMessage());
            return false;
        }
        if (error != null && error.startsWith("the folder marker")) {
            error = null;
            log.info("folder {}: marker found again in {}; syncing", id, root);
        }
        return true;
    }

    private void setError(String message) {
        if (!message.equals(error)) {
            log.error("folder {}: {}", id, message);
            owner.events().publish("folder.error", id, null, Map.of("message", message));
        }
        error = message;
    }

    private void scanLoop() {
        boolean recovered = false;
        while (!closed) {
            String next = null;
            boolean full;
            synchronized (pending) {
                while (!closed && pending.isEmpty() && !fullScanPending) {
                    try {
                        pending.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                full = fullScanPending;
                fullScanPending = false;
                if (!full) {
                    next = pending.iterator().next();
                    pending.remove(next);
                }
            }
            if (!rootPresent()) {
                continue;
            }
            try {
                if (!recovered) {
                    owner.recover(this);
                    recovered = true;
                }
                if (full) {
                    fullScan();
                } else {
                    keepScanErrors(next, scanner.scanPath(next).errors());
                }
            } catch (IOException | RuntimeException e) {
                log.warn("folder {}: scanning {} failed: {}", id, full ? "the tree" : next, e.getMessage());
                if (!full) { // e.g. its directory became unreadable: say so, and keep what the index has
                    keepScanErrors(next, List.of(new ScanError(next, e instanceof java.nio.file.AccessDeniedException
                            ? "cannot be read (permission denied); kept as it was" : "cannot be scanned (" + e.getMessage() + ")")));
                }
            }
        }
    }

    private void fullScan() throws IOException {
        if (watcher == null && !closed) {
            caseInsensitive = dev.ferry.scan.PathRules.caseInsensitive(root);
            // Watch before the first scan: a change made while the scan runs is then queued, never missed.
            watcher = new TreeWatcher(root, this::changed, this::requestFullScan);
            if (!watcher.start()) {
                log.warn("folder {}: watching for changes is not possible here; changes are found by rescans every {} s",
                        id, FolderSync.UNWATCHED_RESCAN_SECS);
                owner.events().publish("folder.error", id, null, Map.of("message",
                        "watching for changes is not possible (OS watch limit?); rescanning every " + FolderSync.UNWATCHED_RESCAN_SECS + " s"));
            }
        }
        scanning = true;
        ignoreStale = true;
        long t0 = System.nanoTime();
        owner.events().publish("scan.started", id, null, Map.of());
        try {
            Scanner.Result r = scanner.scanTree("");
            lastScanMillis = (System.nanoTime() - t0) / 1_000_000;
            lastScanAt = System.currentTimeMillis();
            keepScanErrors("", r.errors());
            owner.events().publish("scan.finished", id, null, Map.of("entries", r.seen(), "changed", r.changed(),
                    "hashed_bytes", r.hashedBytes(), "millis", lastScanMillis, "errors", r.errors().size()));
            log.info("folder {}: scanned {} entries in {} ms ({} changed, {} bytes hashed)", id, r.seen(), lastScanMillis,
                    r.changed(), r.hashedBytes());
        } finally {
            scanning = false;
        }
        versions.cleanup();
        forgetOldTombstones();
    }

    /**
     * Deletions are remembered for {@link #TOMBSTONE_KEEP}, then forgotten, so the index does not grow with every
     * path ever deleted. A member that was away longer than that can bring a deleted file back.
     */
    private void forgetOldTombstones() {
        try {
            int n = index.forgetTombstones(FolderIndex.nowNs() - TOMBSTONE_KEEP.toNanos());
            if (n > 0) {
                log.info("folder {}: forgot {} deletions older than {} days", id, n, TOMBSTONE_KEEP.toDays());
            }
        } catch (IOException e) {
            log.warn("folder {}: cannot forget old deletions: {}", id, e.getMessage());
        }
    }

    /** A scan still running reports how far it got (at most once a second). */
    void scanProgress(long entries, long changed, long hashedBytes) {
        owner.events().publish("scan.progress", id, null, Map.of("entries", entries, "changed", changed, "hashed_bytes", hashedBytes));
    }

    /** A path the watcher reported. */
    void changed(String rel) {
        if (rel.isEmpty() || rel.equals(".ferry") || rel.startsWith(".ferry/")) {
            return;
        }
        if (rel.equals(IGNORE_FILE)) {
            ignoreStale = true;
        }
        synchronized (pending) {
            pending.add(rel);
            pending.notifyAll();
        }
    }

    void requestFullScan() {
        synchronized (pending) {
            fullScanPending = true;
            pending.notifyAll();
        }
    }

    void rescanLater(String rel) {
        changed(rel);
    }

    Previews previews() {
        return previews;
    }

    /** Offers a new large file to the connected members as it is hashed; null if none is connected. */
    Previews.Preview offerPreview(String rel, DiskState state) {
        return owner.offerPreview(this, rel, state);
    }

    /** Runs {@code body} holding the lock shared by scans and the applier. */
    <T> T withApplyLock(IoCall<T> body) throws IOException {
        applyLock.lock();
        try {
            return body.call();
        } finally {
            applyLock.unlock();
        }
    }

    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    /** Entries the scanner just wrote: tell members and event listeners. */
    void localChanges(List<FileEntry> written) {
        for (FileEntry e : written) {
            owner.events().publish(e.deleted() ? "local.deleted" : "local.changed", id, e.path(),
                    Map.of("type", e.type(), "size", e.size(), "revision", e.rev()));
        }
        owner.announce(this);
    }

    /**
     * The folder's ignore rules. They are read again only after the watcher reported {@code .ferryignore} or a full
     * scan began (which catches an edit made while nothing watched), not on every call: this is asked for every
     * entry a member sends.
     */
    IgnoreRules ignoreRules() throws IOException {
        if (ignore != null && !ignoreStale) {
            return ignore;
        }
        ignoreStale = false; // before reading: a change reported meanwhile makes the next call read again
        Path f = root.resolve(IGNORE_FILE);
        long stamp = Files.exists(f) ? Files.getLastModifiedTime(f).toMillis() ^ Files.size(f) : -1;
        if (ignore == null || stamp != ignoreStamp) {
            boolean changed = ignore != null;
            ignore = IgnoreRules.load(root);
            ignoreStamp = stamp;
            if (changed) {
                // Entries the old rules dropped were passed over by the cursors: read every member's index again.
                rulesEpoch.incrementAndGet();
                owner.pullAll(this);
            }
        }
        return ignore;
    }

    String relative(Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    String id() {
        return id;
    }

    Path root() {
        return root;
    }

    FolderIndex index() {
        return index;
    }

    String me() {
        return me;
    }

    Versions versions() {
        return versions;
    }

    Scanner scanner() {
        return scanner;
    }

    String error() {
        return error;
    }

    boolean scanning() {
        return scanning;
    }

    long lastScanAt() {
        return lastScanAt;
    }

    long lastScanMillis() {
        return lastScanMillis;
    }

    /** The errors of the last scan that looked at each path, ordered by path, as the API shows them. */
    List<String> scanErrors() {
        return scanErrors.stream().map(ScanError::text).toList();
    }

    /**
     * A scan of {@code top} replaces what earlier scans reported under it, so an error shows as soon as the watcher's
     * scan meets it (a directory made unreadable) and goes once a scan finds it mended.
     */
    private void keepScanErrors(String top, List<ScanError> found) {
        List<ScanError> next = new java.util.ArrayList<>(found);
        for (ScanError e : scanErrors) {
            if (!e.under(top)) {
                next.add(e);
            }
        }
        next.sort(java.util.Comparator.comparing(ScanError::path));
        scanErrors = List.copyOf(next);
    }

    /** True if the folder's filesystem cannot hold two names that differ only in case. */
    boolean caseInsensitive() {
        return caseInsensitive;
    }

    boolean watching() {
        return watcher != null && watcher.healthy();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (pending) {
            pending.notifyAll();
        }
        if (watcher != null) {
            watcher.close();
        }
        scanThread.interrupt();
        try {
            scanThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            index.close();
        } catch (IOException e) {
            log.warn("closing the index of folder {}: {}", id, e.getMessage());
        }
    }
}
