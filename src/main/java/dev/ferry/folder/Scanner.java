package dev.ferry.folder;

import dev.ferry.chunk.Chunk;
import dev.ferry.chunk.FastCdc;
import dev.ferry.chunk.ParallelChunker;
import dev.ferry.scan.IgnoreRules;
import dev.ferry.scan.PathRules;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a folder's index up to date with its tree. Directory by directory (memory stays at one directory's
 * listing, never the whole tree): each entry is lstat'ed and compared with the index; a file whose size,
 * modification time, file key and executable bits are unchanged is not read (the fast path), a file that moved
 * (same file key, size and time as a path that is gone) takes its old block list, and every other file is
 * chunked with FastCDC and hashed, on the scan pool. A file that changes while it is hashed is hashed again,
 * never recorded torn. Indexed paths no longer on disk become tombstones, except under a directory that could
 * not be read, which is reported instead. Each local change gets the index's next revision and a version
 * vector bumped for this node. Callers serialize scans with the folder's apply lock.
 */
final class Scanner {
    private static final Logger log = LoggerFactory.getLogger(Scanner.class);
    private static final int BATCH = 256;
    private static final int HASH_ATTEMPTS = 3;
    private static final long SMALL_FILE = 1 << 20;
    /** From this size on, a file is chunked by {@link ParallelChunker}; below it its buffers would cost more than it saves. */
    private static final long PARALLEL_FILE = 16 << 20;
    private static final long PROGRESS_NS = 1_000_000_000L;
    private static final long ABANDONED_MS = 24L * 3600 * 1000;
    private static final int WALKERS = 2;

    private final Folder folder;
    private final FolderIndex index;
    private final ExecutorService pool;
    private final FastCdc cdc = FastCdc.protocol();
    private final ParallelChunker parallelChunker = new ParallelChunker(cdc);

    Scanner(Folder folder, ExecutorService pool) {
        this.folder = folder;
        this.index = folder.index();
        this.pool = pool;
    }

    /** What one scan did. */
    record Result(long seen, long changed, long hashedBytes, List<ScanError> errors) {}

    /** A scan's running totals and its batch of changes not yet written. */
    private final class Pass {
        final List<FolderIndex.Change> pending = new ArrayList<>();
        final List<ScanError> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong seen = new AtomicLong();
        long changed;
        long hashed;
        long lastProgress = System.nanoTime();
        final IgnoreRules ignore;

        Pass(IgnoreRules ignore) {
            this.ignore = ignore;
        }

        synchronized void add(FolderIndex.Change c) throws IOException {
            pending.add(c);
            if (pending.size() >= BATCH) {
                flush();
            }
        }

        synchronized void flush() throws IOException {
            if (!pending.isEmpty()) {
                List<FileEntry> written = index.put(new ArrayList<>(pending));
                changed += written.size();
                pending.clear();
                folder.localChanges(written);
            }
        }
    }

    /** Scans the subtree at {@code rel} ("" for the whole folder). */
    Result scanTree(String rel) throws IOException {
        Pass pass = new Pass(folder.ignoreRules());
        if (!rel.isEmpty()) {
            scanOne(rel, pass, true);
        } else {
            walk("", pass);
        }
        pass.flush();
        return new Result(pass.seen.get(), pass.changed, pass.hashed, pass.errors);
    }

    /** Scans one path the watcher reported: a file is rehashed if changed, a directory scanned whole. */
    Result scanPath(String rel) throws IOException {
        return scanTree(rel);
    }

    /**
     * Scans every directory under {@code top} on {@value #WALKERS} threads. A directory is first compared with the
     * index without the apply lock ({@link #unchangedDir}); only one that differs is scanned again under the lock
     * and recorded, so a rescan of an unchanged tree never waits for the applier and never blocks it.
     */
    private void walk(String top, Pass pass) throws IOException {
        java.util.concurrent.LinkedBlockingDeque<String> queue = new java.util.concurrent.LinkedBlockingDeque<>();
        java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger(1);
        java.util.concurrent.atomic.AtomicReference<IOException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        queue.push(top);
        List<Thread> walkers = new ArrayList<>();
        for (int i = 0; i < WALKERS; i++) {
            walkers.add(Thread.ofPlatform().daemon().name("scan-walk").start(() -> {
                while (outstanding.get() > 0 && failure.get() == null) {
                    String dir;
                    try {
                        dir = queue.pollFirst(20, java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (dir == null) {
                        continue;
                    }
                    try {
                        List<String> sub = unchangedDir(dir, pass);
                        if (sub == null) {
                            sub = folder.withApplyLock(() -> scanDir(dir, pass));
                        }
                        outstanding.addAndGet(sub.size());
                        for (String s : sub) {
                            queue.push(s);
                        }
                        pass.flush();
                        long now = System.nanoTime();
                        if (now - pass.lastProgress > PROGRESS_NS) {
                            pass.lastProgress = now;
                            folder.scanProgress(pass.seen.get(), pass.changed, pass.hashed);
                        }
                    } catch (IOException | RuntimeException e) {
                        failure.compareAndSet(null, e instanceof IOException io ? io : new IOException(e));
                    } finally {
                        outstanding.decrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : walkers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("scan interrupted");
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /**
     * The subdirectories of {@code dir} if every entry in it is exactly as the index records it (and nothing
     * indexed is missing), else null. Reads and records nothing: a null means "scan it properly".
     */
    private List<String> unchangedDir(String dir, Pass pass) throws IOException {
        Path abs = dir.isEmpty() ? folder.root() : folder.root().resolve(dir);
        Map<String, FolderIndex.Stat> indexed = new HashMap<>();
        for (FolderIndex.Stat l : index.childStats(dir)) {
            indexed.put(name(l.path()), l);
        }
        List<String> subdirs = new ArrayList<>();
        long seen = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(Applier.TEMP_PREFIX)) {
                    return null;
                }
                String rel = dir.isEmpty() ? name : dir + "/" + name;
                FolderIndex.Stat known = indexed.remove(name);
                if (rel.equals(".ferry")) {
                    continue;
                }
                DiskState st = DiskState.of(p);
                if (st == null || st.type() == null || PathRules.problem(rel) != null) {
                    return null;
                }
                if (pass.ignore.ignoredEntry(rel, st.type().equals(FileEntry.DIR))) {
                    continue;
                }
                seen++;
                if (FileEntry.DIR.equals(st.type()) && known != null && !known.deleted() && FileEntry.DIR.equals(known.type())) {
                    subdirs.add(rel);
                } else if (!FileEntry.FILE.equals(st.type()) || !st.unchangedFrom(known)) {
                    return null;
                }
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException | java.nio.file.AccessDeniedException e) {
            return null;
        }
        for (FolderIndex.Stat gone : indexed.values()) {
            if (!gone.deleted()) {
                return null;
            }
        }
        pass.seen.addAndGet(seen);
        return subdirs;
    }

    /** One directory: its entries against the index. Returns the subdirectories to scan next. */
    private List<String> scanDir(String dir, Pass pass) throws IOException {
        Path abs = dir.isEmpty() ? folder.root() : folder.root().resolve(dir);
        Map<String, FolderIndex.Stat> indexed = new HashMap<>();
        for (FolderIndex.Stat l : index.childStats(dir)) {
            indexed.put(name(l.path()), l);
        }
        List<String> subdirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String rel = dir.isEmpty() ? name : dir + "/" + name;
                FolderIndex.Stat known = indexed.remove(name);
                if (name.startsWith(Applier.TEMP_PREFIX)) {
                    removeIfAbandoned(p);
                    continue;
                }
                if (PathRules.problem(rel) != null) {
                    if (!rel.equals(".ferry")) {
                        pass.errors.add(new ScanError(rel, "name cannot be synced (" + PathRules.problem(rel) + ")"));
                    }
                    continue;
                }
                DiskState st = DiskState.of(p);
                if (st == null || st.type() == null) {
                    continue; // vanished, or a fifo/socket/device: not synced
                }
                if (pass.ignore.ignoredEntry(rel, st.type().equals(FileEntry.DIR))) {
                    continue; // its parents were judged when the walk entered them
                }
                pass.seen.incrementAndGet();
                switch (st.type()) {
                    case FileEntry.DIR -> {
                        if (known == null || known.deleted() || !FileEntry.DIR.equals(known.type())) {
                            FileEntry old = index.get(rel).orElse(null);
                            pass.add(change(old, rel, FileEntry.DIR, st, null, null, 0, null));
                        }
                        subdirs.add(rel);
                    }
                    case FileEntry.SYMLINK -> {
                        tombstoneChildrenIfWasDir(known, rel, pass);
                        String target = Files.readSymbolicLink(p).toString();
                        FileEntry old = known == null ? null : index.get(rel).orElse(null);
                        if (old == null || old.deleted() || !old.isSymlink() || !target.equals(old.target())) {
                            pass.add(change(old, rel, FileEntry.SYMLINK, st, target, null, 0, null));
                        }
                    }
                    default -> {
                        tombstoneChildrenIfWasDir(known, rel, pass);
                        if (!st.unchangedFrom(known)) {
                            files.add(p);
                        }
                    }
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of(); // gone since it was listed: the parent's scan records that
        } catch (AccessDeniedException e) {
            pass.errors.add(new ScanError(dir, "cannot be read (permission denied); its contents are kept as they were"));
            log.warn("folder {}: directory {} cannot be read; not treating its contents as deleted", folder.id(), dir);
            return List.of();
        }
        hashAll(files, pass);
        for (FolderIndex.Stat gone : indexed.values()) {
            if (!gone.deleted() && !pass.ignore.ignored(gone.path(), FileEntry.DIR.equals(gone.type()))) {
                FileEntry old = index.get(gone.path()).orElse(null);
                if (old != null && old.live()) {
                    tombstone(old, pass);
                }
            }
        }
        return subdirs;
    }

    /**
     * A transfer's temp file untouched for a day (a prefetch's for {@link Previews#KEEP_MS} ms) belongs to a transfer that will not resume: it goes. Judged by
     * its change time (ctime), which writes, renames and mode changes all move: its modification time is set to
     * the peer's before it is renamed into place, and may be years old.
     */
    private static void removeIfAbandoned(Path p) {
        // A prefetch's file is written continuously while it runs and claimed or deleted soon after: one left
        // that long belongs to a process that stopped.
        long maxAge = p.getFileName().toString().endsWith(Prefetcher.SUFFIX) ? Previews.KEEP_MS : ABANDONED_MS;
        try {
            FileTime changed = (FileTime) Files.getAttribute(p, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (System.currentTimeMillis() - changed.toMillis() > maxAge) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // gone already, or not ours to judge now: the next scan looks again
        }
    }

    /** One path and, if it is a directory, everything under it. */
    private void scanOne(String rel, Pass pass, boolean recurse) throws IOException {
        String problem = PathRules.problem(rel);
        if (problem != null) {
            // As the directory's scan says it, so the watcher's scan of such a file keeps the error shown (only for
            // the refused name itself: what lies under a refused directory is not scanned, so not reported).
            String parent = FolderIndex.parentOf(rel);
            if (!rel.equals(".ferry") && !rel.startsWith(".ferry/") && (parent.isEmpty() || PathRules.problem(parent) == null)
                    && Files.exists(folder.root().resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                pass.errors.add(new ScanError(rel, "name cannot be synced (" + problem + ")"));
            }
            return;
        }
        String parent = FolderIndex.parentOf(rel);
        if (!parent.isEmpty()) {
            FileEntry p = index.get(parent).orElse(null);
            if (p == null || p.deleted()) {
                scanOne(parent, pass, false); // a new directory's entry comes before its children's
            }
        }
        List<String> sub = folder.withApplyLock(() -> {
            Path abs = folder.root().resolve(rel);
            DiskState st = DiskState.of(abs);
            FileEntry old = index.get(rel).orElse(null);
            if (st == null || st.type() == null || pass.ignore.ignored(rel, FileEntry.DIR.equals(st.type()))) {
                if (old != null && old.live() && st == null) {
                    tombstone(old, pass);
                }
                return List.<String>of();
            }
            pass.seen.incrementAndGet();
            switch (st.type()) {
                case FileEntry.DIR -> {
                    if (old == null || old.deleted() || !old.isDir()) {
                        if (old != null && old.live()) {
                            tombstone(old, pass);
                            old = index.get(rel).orElse(old);
                        }
                        pass.add(change(old, rel, FileEntry.DIR, st, null, null, 0, null));
                    }
                    return recurse ? List.of(rel) : List.<String>of();
                }
                case FileEntry.SYMLINK -> {
                    String target = Files.readSymbolicLink(abs).toString();
                    if (old == null || old.deleted() || !old.isSymlink() || !target.equals(old.target())) {
                        if (old != null && old.isDir() && old.live()) {
                            tombstone(old, pass);
                            old = index.get(rel).orElse(old);
                        }
                        pass.add(change(old, rel, FileEntry.SYMLINK, st, target, null, 0, null));
                    }
                    return List.<String>of();
                }
                default -> {
                    if (!st.unchangedFrom(index.local(rel).orElse(null))) {
                        if (old != null && old.isDir() && old.live()) {
                            tombstone(old, pass);
                        }
                        hashAll(List.of(abs), pass);
                    }
                    return List.<String>of();
                }
            }
        });
        pass.flush();
        for (String s : sub) {
            walk(s, pass);
        }
    }

    /** A directory that became a file or link: everything that was under it is gone (the walk no longer enters it). */
    private void tombstoneChildrenIfWasDir(FolderIndex.Stat known, String rel, Pass pass) throws IOException {
        if (known != null && !known.deleted() && FileEntry.DIR.equals(known.type())) {
            for (FileEntry child : index.liveUnder(rel)) {
                pass.add(new FolderIndex.Change(child.asDeleted(child.version().bump(folder.me()), folder.me()), null, 0));
            }
        }
    }

    private void tombstone(FileEntry old, Pass pass) throws IOException {
        if (old.isDir()) {
            for (FileEntry child : index.liveUnder(old.path())) {
                pass.add(new FolderIndex.Change(child.asDeleted(child.version().bump(folder.me()), folder.me()), null, 0));
            }
        }
        pass.add(new FolderIndex.Change(old.asDeleted(old.version().bump(folder.me()), folder.me()), null, 0));
    }

    private FolderIndex.Change change(FileEntry old, String rel, String type, DiskState st, String target, BlockList blocks,
            long size, byte[] unused) {
        VersionVector v = (old == null ? VersionVector.EMPTY : old.version()).bump(folder.me());
        byte[] hash = blocks == null ? null : blocks.identity();
        int count = blocks == null ? 0 : blocks.count();
        long sz = type.equals(FileEntry.FILE) ? size : 0;
        return new FolderIndex.Change(new FileEntry(rel, type, sz, st.modifiedNs(), st.mode(), target, hash, count, v, false, 0,
                folder.me()), blocks, st.inode());
    }

    /** Why a file could not be read, without its absolute path (the error names the relative one). */
    private static String reason(Throwable t) {
        if (t instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (t instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** Hashes changed files (in parallel on the scan pool) and adds their changes. */
    private void hashAll(List<Path> files, Pass pass) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        List<Future<FolderIndex.Change>> results = new ArrayList<>();
        for (Path p : files) {
            results.add(pool.submit(() -> hashFile(p)));
        }
        for (int i = 0; i < results.size(); i++) {
            FolderIndex.Change c;
            try {
                c = results.get(i).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("scan interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                pass.errors.add(new ScanError(folder.relative(files.get(i)), "cannot be read (" + reason(e.getCause()) + "); kept as it was"));
                continue;
            }
            if (c != null) {
                synchronized (pass) {
                    pass.hashed += c.entry().size();
                    pass.add(c);
                }
            }
        }
    }

    /** The change for one file, or null if it vanished or kept changing while it was read. */
    private FolderIndex.Change hashFile(Path p) throws IOException {
        String rel = folder.relative(p);
        FileEntry old = index.get(rel).orElse(null);
        for (int attempt = 0; attempt < HASH_ATTEMPTS; attempt++) {
            DiskState before = DiskState.of(p);
            if (before == null || !FileEntry.FILE.equals(before.type())) {
                return null;
            }
            BlockList blocks = movedFrom(rel, before);
            Previews.Preview preview = null;
            if (blocks == null) {
                // A new large file is offered to members at once, so they fetch its first blocks while we read the rest.
                boolean isNew = old == null || !old.live();
                preview = attempt == 0 && isNew && before.size() >= Previews.MIN_SIZE ? folder.offerPreview(rel, before) : null;
                try {
                    blocks = hash(p, preview);
                } catch (NoSuchFileException e) {
                    return null;
                } finally {
                    if (preview != null) {
                        preview.finish(false); // an error: members stop fetching it (no effect once finished)
                    }
                }
            }
            DiskState after = DiskState.of(p);
            if (before.equals(after)) {
                if (old != null && old.live() && old.isFile() && java.util.Arrays.equals(old.blocksHash(), blocks.identity())
                        && (old.mode() & 0111) == (before.mode() & 0111)) {
                    index.touch(rel, before.modifiedNs(), before.inode()); // touched, not changed: no new version
                    return null;
                }
                return change(old, rel, FileEntry.FILE, before, null, blocks, before.size(), null);
            }
            sleep(20L << attempt); // still being written: let the writer go on, then read it again
        }
        folder.rescanLater(rel); // a writer that never stops: look again when the watcher next reports it
        return null;
    }

    /** The block list of the path this file was renamed from, if it is one (same file key, size and time, old path gone). */
    private BlockList movedFrom(String rel, DiskState st) throws IOException {
        for (FolderIndex.Local l : index.withInode(st.inode())) {
            FileEntry e = l.entry();
            if (!e.path().equals(rel) && e.size() == st.size() && e.modifiedNs() == st.modifiedNs()) {
                DiskState there = DiskState.of(folder.root().resolve(e.path()));
                if (there == null || there.inode() != st.inode()) {
                    return index.blocks(e.path()).orElse(null);
                }
            }
        }
        return null;
    }

    BlockList hash(Path p) throws IOException {
        return hash(p, null);
    }

    /** The file's blocks; a large file's are also added to {@code preview} (if any) as they are found. */
    private BlockList hash(Path p, Previews.Preview preview) throws IOException {
        long size = Files.size(p);
        if (size <= SMALL_FILE) {
            // One read into a buffer of the file's size: no 256 KiB stream buffer per small file.
            byte[] all = Files.readAllBytes(p);
            return BlockList.of(cdc.chunks(all));
        }
        if (size >= PARALLEL_FILE) {
            // Cut on this thread, hash on all CPUs: a large file is the one a person waits for.
            try (InputStream in = Files.newInputStream(p)) {
                List<Chunk> chunks = preview == null ? parallelChunker.chunks(in) : parallelChunker.chunks(in, preview::add);
                if (preview != null) {
                    DiskState now = DiskState.of(p);
                    preview.finish(preview.state.equals(now));
                }
                return BlockList.of(chunks);
            }
        }
        BlockList.Builder b = new BlockList.Builder();
        try (InputStream in = Files.newInputStream(p)) {
            Iterator<Chunk> it = cdc.chunks(in);
            while (it.hasNext()) {
                b.add(it.next());
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return b.build();
    }

    private static String name(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
