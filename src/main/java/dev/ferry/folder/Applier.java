package dev.ferry.folder;

import dev.ferry.scan.PathRules;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies peers' versions that the folder needs (the {@code needs} table) to the tree: directories first, then
 * files and links, then deletions deepest first. A file is built in a temp file in its own directory (ignored by
 * scans) from blocks found locally (the old version of the same file, any indexed file holding a block with that
 * hash) or fetched from members, several at once, each verified against its hash; then fsync, mode and time,
 * and one atomic rename. A temp file left by a crash is reused block by block. A file whose content already
 * exists under a path the same batch deletes is renamed instead (a rename on a peer moves no data). What is
 * replaced or deleted goes to the version store first; a concurrent local version that loses becomes a conflict
 * copy. Every multi-step change is bracketed by an intent record (see {@link FolderSync#recover}).
 */
final class Applier {
    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    static final String TEMP_PREFIX = ".ferry-tmp-";
    static final int PARALLEL_FILES = 8;

    /** Reaching blocks and block lists on members. */
    interface Remote {
        BlockList blockList(String libraryId, FileEntry e, List<String> sources) throws IOException;

        CompletableFuture<byte[]> block(String libraryId, byte[] hash, int size, List<String> sources, int attempt);

        /** A byte range of the member's file with this content, as a stream. */
        java.io.InputStream range(String libraryId, FileEntry e, long offset, long length, List<String> sources, int attempt)
                throws IOException;
    }

    private final Folder folder;
    private final FolderIndex index;
    private final Remote remote;
    /** The intent id of a change that needs none (SQLite row ids start at 1). */
    private static final long NO_INTENT = 0;
    private final FolderEvents events;
    private final Map<String, Transfer> transfers = new ConcurrentHashMap<>();
    private final BlockFetcher fetcher;
    private final Prefetcher prefetcher;
    /** Directories whose entries this round changed, fsynced at its end. */
    private final Set<Path> changedDirs = ConcurrentHashMap.newKeySet();
    /**
     * Files a peer's delete just moved into the version store, by content: when the same content reappears under
     * another name (a rename or move whose delete arrived first), it is moved back out instead of fetched.
     */
    private final Map<String, String> setAside = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    });

    Applier(Folder folder, Remote remote, FolderEvents events) {
        this.folder = folder;
        this.index = folder.index();
        this.remote = remote;
        this.events = events;
        this.fetcher = new BlockFetcher(folder.id(), remote);
        this.prefetcher = new Prefetcher(folder, events, fetcher, this);
    }

    Prefetcher prefetcher() {
        return prefetcher;
    }

    List<Transfer> transfers() {
        List<Transfer> all = new ArrayList<>(transfers.values());
        all.addAll(prefetcher.transfers());
        return all;
    }

    /**
     * Applies what is due; returns how many needs were settled. Directories first (shallow to deep), then files
     * and links, {@value #PARALLEL_FILES} at once (small files are bound by fsync latency, which overlaps), then
     * deletions deepest first. Failures are recorded for a retry with backoff.
     */
    int applyDue(long now) throws IOException {
        try {
            return applyRound(now);
        } finally {
            syncChangedDirectories();
        }
    }

    /**
     * Makes the round's renames, creations and deletions durable: each directory they changed is fsynced once (a
     * file's own fsync does not cover the directory entry that a rename wrote), so a power cut cannot bring back
     * an old version that the index already records as replaced.
     */
    private void syncChangedDirectories() {
        for (Path dir : List.copyOf(changedDirs)) {
            changedDirs.remove(dir);
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (java.nio.file.NoSuchFileException gone) {
                // removed in the same round: its parent was changed too
            } catch (IOException e) {
                log.debug("folder {}: cannot fsync directory {}: {}", folder.id(), dir, e.getMessage());
            }
        }
    }

    private int applyRound(long now) throws IOException {
        List<FolderIndex.Need> due = new ArrayList<>(index.needs(now, 2000));
        if (due.isEmpty()) {
            return 0;
        }
        due.sort(Comparator.comparingInt(Applier::phase).thenComparing(n -> depth(n.entry().path()) * (phase(n) == 2 ? -1 : 1)));
        java.util.concurrent.atomic.AtomicInteger settled = new java.util.concurrent.atomic.AtomicInteger();
        List<FolderIndex.Need> files = new ArrayList<>();
        for (FolderIndex.Need n : due) {
            if (phase(n) == 1) {
                files.add(n);
                continue;
            }
            if (phase(n) == 2 && !files.isEmpty()) {
                applyAll(files, settled);
                files.clear();
            }
            if (!folder.rootPresent()) {
                return settled.get();
            }
            if (applyOne(n)) {
                settled.incrementAndGet();
            }
        }
        applyAll(files, settled);
        return settled.get();
    }

    private void applyAll(List<FolderIndex.Need> files, java.util.concurrent.atomic.AtomicInteger settled) {
        try {
            Bounded.forEach(files, PARALLEL_FILES, "apply-file", (n, i) -> {
                try {
                    if (folder.rootPresent() && applyOne(n)) {
                        settled.incrementAndGet();
                    }
                } catch (IOException e) {
                    log.warn("folder {}: {}", folder.id(), e.getMessage());
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Applies one need; true if settled. A failure is recorded on the need with its backoff. */
    private boolean applyOne(FolderIndex.Need n) throws IOException {
        try {
            boolean done = apply(n, true);
            if (done) {
                changedDirs.add(folder.root().resolve(n.entry().path()).getParent());
            }
            return done;
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (msg.contains("No space left")) {
                msg = "disk full: transfer paused until space is freed (" + msg + ")";
            }
            if (e instanceof java.nio.file.FileSystemException && msg.contains("symbolic link")) {
                // A local symlink stands where the peer has a directory: never followed, so this entry is refused.
                log.warn("folder {}: refusing {}: {}", folder.id(), n.entry().path(), msg);
                events.publish("folder.refused", folder.id(), n.entry().path(), Map.of("reason", msg));
                index.satisfied(n.entry());
                return true;
            }
            if (n.entry().path().contains(Conflicts.MARK) && n.attempts() >= 5 && msg.contains("no such")) {
                // The losing content is gone from every member that had it (overwritten there): nothing to copy.
                log.info("folder {}: giving up on conflict copy {}: its content is no longer on any member", folder.id(),
                        n.entry().path());
                index.satisfied(n.entry());
                return true;
            }
            long delay = Math.min(60_000, 500L << Math.min(7, n.attempts()));
            index.retryLater(n.entry().path(), System.currentTimeMillis() + delay, msg);
            log.warn("folder {}: cannot apply {} yet ({}); retrying in {} ms", folder.id(), n.entry().path(), msg, delay);
            events.publish("folder.error", folder.id(), n.entry().path(), Map.of("message", msg));
            return false;
        }
    }

    private static int phase(FolderIndex.Need n) {
        FileEntry e = n.entry();
        return e.deleted() ? 2 : e.isDir() ? 0 : 1;
    }

    private static int depth(String path) {
        int d = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                d++;
            }
        }
        return d;
    }

    /** Applies one need; false if it has to wait (it stays needed). */
    boolean apply(FolderIndex.Need n, boolean mayRescan) throws IOException {
        FileEntry e = n.entry();
        FolderIndex.Local local = index.local(e.path()).orElse(null);
        FileEntry cur = local == null ? null : local.entry();
        VersionVector.Order order = cur == null ? VersionVector.Order.GREATER : Conflicts.order(e, cur);
        if (order == VersionVector.Order.EQUAL || order == VersionVector.Order.LESSER
                || (order == VersionVector.Order.CONCURRENT && !Conflicts.remoteWins(e, cur))) {
            index.satisfied(e); // ours is as new, or wins: nothing to apply
            return true;
        }
        Path abs = PathRules.resolveSafely(folder.root(), e.path());
        DiskState st = DiskState.of(abs);
        if (!matchesIndex(st, local)) {
            if (!mayRescan) {
                return false;
            }
            folder.scanner().scanTree(e.path()); // a local change not scanned yet: record it, then decide again
            return apply(index.needFor(e.path()).orElse(n), false);
        }
        boolean conflict = order == VersionVector.Order.CONCURRENT && cur != null && cur.live() && !cur.sameContent(e)
                && !(cur.isDir() && e.isDir());
        if (e.deleted()) {
            return delete(e, cur, st, abs);
        }
        if (cur != null && cur.live() && cur.sameContent(e) && cur.type().equals(e.type())) {
            // Same content reached by different routes: adopt the newer vector, nothing to write.
            if (e.isFile()) {
                setTimeAndMode(abs, e);
            }
            DiskState now = DiskState.of(abs);
            index.put(new FolderIndex.Change(withLocal(e, now), index.blocks(e.path()).orElse(null), now.inode()));
            index.satisfied(e);
            return true;
        }
        return switch (e.type()) {
            case FileEntry.DIR -> makeDir(e, cur, st, abs, conflict);
            case FileEntry.SYMLINK -> makeLink(e, cur, st, abs, conflict);
            default -> makeFile(n, cur, st, abs, conflict);
        };
    }

    private static boolean matchesIndex(DiskState st, FolderIndex.Local local) {
        FileEntry cur = local == null ? null : local.entry();
        if (cur == null || cur.deleted()) {
            return st == null;
        }
        if (st == null) {
            return false;
        }
        return cur.isFile() ? st.unchangedFrom(local) : cur.type().equals(st.type());
    }

    private boolean delete(FileEntry e, FileEntry cur, DiskState st, Path abs) throws IOException {
        if (st == null) {
            index.put(new FolderIndex.Change(e, null, 0));
            index.satisfied(e);
            return true;
        }
        if (FileEntry.DIR.equals(st.type())) {
            try {
                folder.withApplyLock(() -> {
                    Files.delete(abs);
                    return null;
                });
            } catch (DirectoryNotEmptyException ex) {
                List<FileEntry> live = index.liveUnder(e.path());
                boolean keep = live.isEmpty() // only untracked or ignored things in it: they stay, and so does it
                        || live.stream().anyMatch(c -> {
                            try {
                                return index.needFor(c.path()).map(x -> !x.entry().deleted()).orElse(true);
                            } catch (IOException io) {
                                return true;
                            }
                        });
                if (keep) {
                    // Something in it is still wanted here: the directory stays, and says so to the others.
                    FileEntry again = cur.withVersion(cur.version().merge(e.version()).bump(folder.me()));
                    index.put(new FolderIndex.Change(again, null, st.inode()));
                    index.satisfied(e);
                    folder.localChanges(List.of(again));
                    return true;
                }
                throw new IOException("directory " + e.path() + " is not empty yet");
            }
            index.put(new FolderIndex.Change(e, null, 0));
            index.satisfied(e);
            events.publish("remote.deleted", folder.id(), e.path(), Map.of("type", "dir"));
            return true;
        }
        folder.withApplyLock(() -> {
            unchangedSince(cur, e.path());
            diskUnchanged(e.path(), abs);
            String place = folder.versions().placeFor(e.path(), Instant.now());
            long intent = index.beginIntent("delete", e.path(), null, place);
            changed(folder.versions().moveAside(e.path(), place));
            index.moveBlocks(e.path(), place);
            index.put(new FolderIndex.Change(e, null, 0));
            index.endIntent(intent);
            if (cur != null && cur.isFile() && cur.blocksHash() != null) {
                setAside.put(HexFormat.of().formatHex(cur.blocksHash()), place);
            }
            return null;
        });
        index.satisfied(e);
        events.publish("remote.deleted", folder.id(), e.path(), Map.of("type", st.type()));
        return true;
    }

    private boolean makeDir(FileEntry e, FileEntry cur, DiskState st, Path abs, boolean conflict) throws IOException {
        folder.withApplyLock(() -> {
            unchangedSince(cur, e.path());
            if (st != null && !FileEntry.DIR.equals(st.type())) {
                moveAway(e.path(), cur, conflict, null);
            }
            Files.createDirectories(abs);
            DiskState now = DiskState.of(abs);
            index.put(new FolderIndex.Change(withLocal(e, now), null, now.inode()));
            return null;
        });
        index.satisfied(e);
        events.publish("remote.changed", folder.id(), e.path(), Map.of("type", "dir"));
        return true;
    }

    private boolean makeLink(FileEntry e, FileEntry cur, DiskState st, Path abs, boolean conflict) throws IOException {
        String problem = PathRules.symlinkProblem(e.path(), e.target());
        if (problem != null) {
            log.warn("folder {}: refusing symlink {} -> {}: {}", folder.id(), e.path(), e.target(), problem);
            index.satisfied(e);
            return true;
        }
        makeParent(abs);
        Path tmp = abs.resolveSibling(TEMP_PREFIX + "link-" + abs.getFileName());
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(e.target()));
        replace(e, cur, st, abs, tmp, conflict, null);
        return true;
    }

    private boolean makeFile(FolderIndex.Need n, FileEntry cur, DiskState st, Path abs, boolean conflict) throws IOException {
        FileEntry e = n.entry();
        if (!conflict && (renameFromDeleted(e, cur, abs) || takeBackFromVersions(e, cur, st, abs))) {
            return true;
        }
        makeParent(abs);
        Path tmp = abs.resolveSibling(tempName(abs.getFileName().toString(), e.blocksHash()));
        Transfer t = new Transfer(e.path(), e.size(), new AtomicLong(), new AtomicLong(), n.sources());
        Map<Long, BlockList.Block> verified = prefetched(e, tmp, t); // listed as the prefetch's transfer meanwhile
        BlockList blocks = verified.isEmpty() ? wholeOneBlockFile(e, tmp, t, n.sources()) : null;
        if (blocks != null) {
            verified = Map.of(0L, blocks.blocks().get(0));
        } else {
            blocks = remote.blockList(folder.id(), e, n.sources());
            if (!Arrays.equals(blocks.identity(), e.blocksHash()) || blocks.totalSize() != e.size()) {
                throw new IOException("the block list of " + e.path() + " does not match its announced content");
            }
        }
        transfers.put(e.path(), t);
        try {
            build(tmp, e, blocks, cur, st, t, n.sources(), verified);
        } finally {
            transfers.remove(e.path());
        }
        setTimeAndMode(tmp, e);
        replace(e, cur, st, abs, tmp, conflict, blocks);
        return true;
    }

    /**
     * A file of one block (most small files): its block list is its size and the SHA-256 of all its bytes, so
     * the bytes are fetched with one range request and checked against the announced content identity, instead
     * of asking for the list first and the bytes second. Writes them to {@code tmp}; null if that did not work
     * (a member without {@code folder.range}, a file that changed there), and the usual way follows.
     */
    private BlockList wholeOneBlockFile(FileEntry e, Path tmp, Transfer t, List<String> sources) {
        if (e.blockCount() != 1 || e.size() <= 0 || e.size() > dev.ferry.chunk.FastCdc.PROTOCOL_MAX) {
            return null;
        }
        try (java.io.InputStream in = remote.range(folder.id(), e, 0, e.size(), sources, 0)) {
            byte[] data = in.readNBytes((int) e.size());
            BlockList list = BlockList.of(List.of(new dev.ferry.chunk.Chunk(0, data.length, BlockList.sha256().digest(data))));
            if (data.length != e.size() || !Arrays.equals(list.identity(), e.blocksHash())) {
                return null;
            }
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
                writeAt(out, 0, data);
            }
            t.fetched().addAndGet(data.length);
            return list;
        } catch (IOException | RuntimeException ex) {
            log.debug("folder {}: {} in one request failed ({}); asking for its block list", folder.id(), e.path(), ex.getMessage());
            return null;
        }
    }

    /** If a file with exactly this content sits at a path that a peer deleted and we have yet to, move it here. */
    private boolean renameFromDeleted(FileEntry e, FileEntry cur, Path abs) throws IOException {
        for (FileEntry from : index.withContent(e.blocksHash())) {
            FolderIndex.Need gone = index.needFor(from.path()).orElse(null);
            if (gone == null || !gone.entry().deleted() || from.path().equals(e.path())) {
                continue;
            }
            FolderIndex.Local src = index.local(from.path()).orElse(null);
            Path srcPath = PathRules.resolveSafely(folder.root(), from.path());
            DiskState srcState = DiskState.of(srcPath);
            if (src == null || srcState == null || !srcState.unchangedFrom(src)
                    || DiskState.of(abs) != null) {
                continue;
            }
            BlockList blocks = index.blocks(from.path()).orElse(null);
            makeParent(abs);
            folder.withApplyLock(() -> {
                unchangedSince(cur, e.path());
                unchangedSince(from, from.path());
                diskUnchanged(from.path(), srcPath);
                if (DiskState.of(abs) != null) {
                    throw new IOException(e.path() + " appeared here meanwhile; deciding again");
                }
                long intent = index.beginIntent("rename", e.path(), from.path(), null);
                Files.move(srcPath, abs, StandardCopyOption.ATOMIC_MOVE);
                changedDirs.add(srcPath.getParent());
                setTimeAndMode(abs, e);
                DiskState now = DiskState.of(abs);
                index.applied(List.of(new FolderIndex.Change(withLocal(e, now), blocks, now.inode()),
                        new FolderIndex.Change(gone.entry(), null, 0)), intent, List.of(e, gone.entry()));
                return null;
            });
            events.publish("remote.renamed", folder.id(), e.path(), Map.of("from", from.path()));
            log.debug("folder {}: renamed {} to {} (no data transferred)", folder.id(), from.path(), e.path());
            return true;
        }
        return false;
    }

    /** If a delete just moved this very content into the version store, moves it back out under the new name. */
    private boolean takeBackFromVersions(FileEntry e, FileEntry cur, DiskState st, Path abs) throws IOException {
        String place = setAside.get(HexFormat.of().formatHex(e.blocksHash()));
        if (place == null) {
            return false;
        }
        Path kept = folder.root().resolve(place);
        DiskState ks = DiskState.of(kept);
        if (ks == null || !FileEntry.FILE.equals(ks.type()) || ks.size() != e.size()) {
            setAside.remove(HexFormat.of().formatHex(e.blocksHash()));
            return false;
        }
        makeParent(abs);
        Path tmp = abs.resolveSibling(tempName(abs.getFileName().toString(), e.blocksHash()));
        Files.move(kept, tmp, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        setAside.remove(HexFormat.of().formatHex(e.blocksHash()));
        index.dropBlocks(place);
        setTimeAndMode(tmp, e);
        // The blocks are those the index kept with the tombstone of the path it was deleted from.
        BlockList blocks = null;
        for (FolderIndex.Local l : index.withInode(ks.inode())) {
            if (java.util.Arrays.equals(l.entry().blocksHash(), e.blocksHash())) {
                blocks = index.blocks(l.entry().path()).orElse(null);
            }
        }
        if (blocks == null || !Arrays.equals(blocks.identity(), e.blocksHash())) {
            blocks = folder.scanner().hash(tmp); // the index must know its blocks to serve them to others
            if (!Arrays.equals(blocks.identity(), e.blocksHash())) {
                Files.move(tmp, kept, StandardCopyOption.ATOMIC_MOVE); // not what we thought: it stays a kept version
                return false;
            }
        }
        replace(e, cur, st, abs, tmp, false, blocks);
        events.publish("remote.renamed", folder.id(), e.path(), Map.of("from_versions", place));
        return true;
    }

    /**
     * If this file was prefetched as a member offered it (see {@link Prefetcher}), waits for that to end and moves
     * its temp file to {@code tmp}; returns the blocks verified in it, by offset (empty if there are none).
     */
    private Map<Long, BlockList.Block> prefetched(FileEntry e, Path tmp, Transfer t) throws IOException {
        Prefetcher.Prefetch p = prefetcher.claim(e);
        if (p == null) {
            return Map.of();
        }
        try {
            // Not forever: the prefetch gives up by itself when its member stops answering or hashing.
            List<BlockList.Block> got = p.result.join();
            if (got == null) {
                return Map.of();
            }
            Files.move(p.tmp, tmp, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            t.fetched().addAndGet(p.transfer.fetched().get());
            Map<Long, BlockList.Block> byOffset = new HashMap<>();
            for (BlockList.Block b : got) {
                byOffset.put(b.offset(), b);
            }
            return byOffset;
        } catch (java.nio.file.NoSuchFileException gone) {
            return Map.of(); // removed meanwhile (a scan found it abandoned): fetched the usual way
        } finally {
            prefetcher.release(p);
        }
    }

    /**
     * Fills {@code tmp} with the blocks, reusing what it already holds (read back and verified, or verified as a
     * prefetch wrote them: {@code verified}), copying local blocks, fetching the rest.
     */
    private void build(Path tmp, FileEntry e, BlockList blocks, FileEntry cur, DiskState st, Transfer t, List<String> sources,
            Map<Long, BlockList.Block> verified) throws IOException {
        Map<Long, List<BlockList.Block>> oldBlocks = new HashMap<>();
        Path curPath = cur != null && cur.live() && cur.isFile() && st != null ? folder.root().resolve(cur.path()) : null;
        if (curPath != null) {
            index.blocks(cur.path()).ifPresent(bl -> bl.blocks().forEach(b -> oldBlocks.computeIfAbsent(b.key(), k -> new ArrayList<>()).add(b)));
        }
        List<BlockList.Block> missing = new ArrayList<>();
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long have = out.size();
            // One open channel on the current file for all its blocks (a fresh one per block restarts the kernel's
            // read-ahead every time), closed before the fetching, which may take long.
            LocalRun run = new LocalRun(tmp, out);
            try (FileChannel curCh = oldBlocks.isEmpty() ? null : openOrNull(curPath)) {
                for (BlockList.Block b : blocks.blocks()) {
                    BlockList.Block v = verified.get(b.offset());
                    boolean prefetched = v != null && v.size() == b.size() && Arrays.equals(v.hash(), b.hash());
                    if (b.offset() + b.size() <= have && (prefetched || matches(readAt(out, b.offset(), b.size()), b.hash()))) {
                        run.end();
                        t.done().addAndGet(b.size()); // left by an interrupted transfer
                        continue;
                    }
                    byte[] data = localBlock(b, curCh, oldBlocks);
                    if (data != null) {
                        run.add(b.offset(), data);
                        t.done().addAndGet(b.size());
                    } else {
                        run.end();
                        missing.add(b);
                    }
                }
                run.end();
            } finally {
                run.discard(); // after a failure: nothing more is written, and a later attempt checks every block
            }
            long t0 = System.nanoTime();
            fetcher.fetch(tmp, out, missing, t, (offset, length, attempt) -> remote.range(folder.id(), e, offset, length, sources, attempt),
                    sources);
            long t1 = System.nanoTime();
            out.truncate(blocks.totalSize());
            out.force(true);
            if (blocks.totalSize() > (64L << 20)) {
                log.debug("folder {}: {}: fetched {} MB in {} ms, fsync {} ms", folder.id(), e.path(), t.fetched().get() / 1_000_000,
                        (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
            }
        }
    }

    private byte[] localBlock(BlockList.Block b, FileChannel cur, Map<Long, List<BlockList.Block>> oldBlocks) throws IOException {
        for (BlockList.Block o : cur == null ? List.<BlockList.Block>of() : oldBlocks.getOrDefault(b.key(), List.<BlockList.Block>of())) {
            byte[] d = readAtOrNull(cur, o.offset(), o.size());
            if (d != null && matches(d, b.hash())) {
                return d;
            }
        }
        return blockFromIndex(b);
    }

    /** The block's bytes from any indexed file (or kept version) that holds it, verified; null if none does. */
    byte[] blockFromIndex(BlockList.Block b) throws IOException {
        for (FolderIndex.BlockAt at : index.findBlock(b.key())) {
            if (at.size() != b.size()) {
                continue;
            }
            // A block may sit in a kept version (the content a newer version replaced): read it there.
            Path where = Versions.resolveIndexed(folder.root(), at.path());
            byte[] d = readFile(where, at.offset(), at.size());
            if (d != null && matches(d, b.hash())) {
                return d;
            }
        }
        return null;
    }

    /**
     * Puts {@code tmp} in place of {@code abs}: the current content goes to the version store (or becomes the
     * conflict copy), then one rename; the index learns the result in the same step.
     */
    private void replace(FileEntry e, FileEntry cur, DiskState st, Path abs, Path tmp, boolean conflict, BlockList blocks)
            throws IOException {
        folder.withApplyLock(() -> {
            FolderIndex.Local now = index.local(e.path()).orElse(null);
            DiskState there = DiskState.of(abs);
            if (!matchesIndex(there, now)) {
                throw new IOException(e.path() + " changed here while its new version was being fetched; deciding again");
            }
            unchangedSince(cur, e.path());
            List<FolderIndex.Change> changes = new ArrayList<>();
            String aside = null;
            if (there != null) {
                aside = conflict ? Conflicts.copyName(e.path(), cur) : folder.versions().placeFor(e.path(), Instant.now());
            }
            // A new file is one rename of a complete, fsynced temp file: whole before it and whole after it, so there
            // is nothing for recovery to finish or undo, and no intent (one transaction less per file).
            long intent = there == null ? NO_INTENT : index.beginIntent(conflict ? "conflict" : "replace", e.path(),
                    folder.relative(tmp), aside);
            if (there != null) {
                if (conflict) {
                    Path copy = PathRules.resolveSafely(folder.root(), aside);
                    FileEntry before = index.get(aside).orElse(null);
                    if (DiskState.of(copy) != null) {
                        // A copy of this name is there already (the loser's modifier wrote twice within one second):
                        // it goes to the version store, never overwritten.
                        String kept = folder.versions().placeFor(aside, Instant.now());
                        changed(folder.versions().moveAside(aside, kept));
                        index.moveBlocks(aside, kept);
                    }
                    Files.move(abs, copy, StandardCopyOption.ATOMIC_MOVE);
                    DiskState cs = DiskState.of(copy);
                    // Newer than whatever this name held, so every member takes it instead of ignoring it as older.
                    VersionVector version = (before == null ? VersionVector.EMPTY : before.version()).bump(folder.me());
                    FileEntry copied = new FileEntry(aside, cur.type(), cur.size(), cs.modifiedNs(), cs.mode(), cur.target(),
                            cur.blocksHash(), cur.blockCount(), version, false, 0, cur.modifiedBy());
                    changes.add(new FolderIndex.Change(copied, index.blocks(e.path()).orElse(null), cs.inode()));
                } else if (FileEntry.DIR.equals(there.type())) {
                    // A directory a peer turned into a file: it goes once its contents' deletions were applied.
                    if (!index.liveUnder(e.path()).isEmpty()) {
                        throw new IOException(e.path() + " is a directory here; it is replaced once it is empty");
                    }
                    Files.delete(abs); // not empty (untracked files in it): retried, nothing lost
                } else {
                    changed(folder.versions().moveAside(e.path(), aside));
                    index.moveBlocks(e.path(), aside);
                    if (cur != null && cur.isFile() && cur.blocksHash() != null) {
                        setAside.put(HexFormat.of().formatHex(cur.blocksHash()), aside);
                    }
                }
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException failed) {
                if (aside != null && DiskState.of(abs) == null) {
                    Files.move(folder.root().resolve(aside), abs, StandardCopyOption.ATOMIC_MOVE); // never leave the name empty
                }
                if (intent != NO_INTENT) {
                    index.endIntent(intent);
                }
                throw failed;
            }
            DiskState done = DiskState.of(abs);
            changes.add(new FolderIndex.Change(withLocal(e, done), blocks, done.inode()));
            List<FileEntry> written = index.applied(changes, intent, List.of(e));
            if (conflict) {
                events.publish("conflict", folder.id(), e.path(), Map.of("copy", aside, "winner", String.valueOf(e.modifiedBy())));
                log.info("folder {}: conflict on {}: the other version is kept as {}", folder.id(), e.path(), aside);
                folder.localChanges(written.subList(0, 1));
            }
            return null;
        });
        events.publish("remote.changed", folder.id(), e.path(), Map.of("type", e.type(), "size", e.size()));
    }

    /**
     * Under the apply lock, just before a change is made: the index still holds for {@code path} exactly what it
     * held when this application began ({@code before}, null for nothing). Otherwise a newer version arrived or a
     * local change was recorded meanwhile, and applying the older decision would undo it; the need is decided again.
     */
    private void unchangedSince(FileEntry before, String path) throws IOException {
        FileEntry now = index.get(path).orElse(null);
        boolean same = before == null ? now == null : now != null && now.version().equals(before.version()) && now.deleted() == before.deleted();
        if (!same) {
            throw new IOException(path + " changed while a peer's version of it was being applied; deciding again");
        }
    }

    /** Under the apply lock: the disk at {@code path} is still what the index says (no edit since the decision). */
    private void diskUnchanged(String path, Path abs) throws IOException {
        if (!matchesIndex(DiskState.of(abs), index.local(path).orElse(null))) {
            throw new IOException(path + " was edited here meanwhile; deciding again");
        }
    }

    /** A conflict's loser that is a directory or link is moved aside whole as the conflict copy; else to versions. */
    private void moveAway(String path, FileEntry cur, boolean conflict, Object unused) throws IOException {
        if (conflict && cur != null) {
            Files.move(folder.root().resolve(path), PathRules.resolveSafely(folder.root(), Conflicts.copyName(path, cur)),
                    StandardCopyOption.ATOMIC_MOVE);
            folder.changed(Conflicts.copyName(path, cur));
        } else {
            changed(folder.versions().moveAside(path, folder.versions().placeFor(path, Instant.now())));
        }
    }

    /** The entry as applied here: the peer's version with the time the file now really has. */
    private static FileEntry withLocal(FileEntry e, DiskState st) {
        return new FileEntry(e.path(), e.type(), e.size(), st == null ? e.modifiedNs() : st.modifiedNs(), e.mode(), e.target(),
                e.blocksHash(), e.blockCount(), e.version(), false, 0, e.modifiedBy());
    }

    private static void setTimeAndMode(Path p, FileEntry e) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        int m = e.mode();
        if ((m & 0040) != 0) perms.add(PosixFilePermission.GROUP_READ);
        if ((m & 0020) != 0) perms.add(PosixFilePermission.GROUP_WRITE);
        if ((m & 0004) != 0) perms.add(PosixFilePermission.OTHERS_READ);
        if ((m & 0002) != 0) perms.add(PosixFilePermission.OTHERS_WRITE);
        if ((m & 0100) != 0) perms.add(PosixFilePermission.OWNER_EXECUTE);
        if ((m & 0010) != 0) perms.add(PosixFilePermission.GROUP_EXECUTE);
        if ((m & 0001) != 0) perms.add(PosixFilePermission.OTHERS_EXECUTE);
        Files.setPosixFilePermissions(p, perms);
        Files.setLastModifiedTime(p, FileTime.from(e.modifiedNs(), TimeUnit.NANOSECONDS));
    }

    /** Notes the directory of a path moved into the version store (null: nothing was moved). */
    private void changed(Path moved) {
        if (moved != null) {
            changedDirs.add(moved.getParent());
        }
    }

    /** Creates the parent directory if it is missing (createDirectories alone fails and recovers when it exists). */
    private static void makeParent(Path abs) throws IOException {
        if (!Files.isDirectory(abs.getParent())) {
            Files.createDirectories(abs.getParent());
        }
    }

    /** A temp file name for {@code name}: its first 200 UTF-8 bytes and the first 6 bytes of {@code tag} in hex. */
    static String tempName(String name, byte[] tag) {
        return TEMP_PREFIX + tempBase(name) + "-" + HexFormat.of().formatHex(tag, 0, 6);
    }

    /** The start of a file name that a temp file name repeats: at most 200 UTF-8 bytes, whole characters. */
    private static String tempBase(String name) {
        int bytes = 0;
        int end = 0;
        while (end < name.length()) {
            int cp = name.codePointAt(end);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > 200) {
                break;
            }
            bytes += len;
            end += Character.charCount(cp);
        }
        return name.substring(0, end);
    }

    static boolean matches(byte[] data, byte[] hash) {
        return data != null && Arrays.equals(BlockList.sha256().digest(data), hash);
    }

    private static byte[] readAt(FileChannel ch, long offset, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                return null;
            }
        }
        return buf.array();
    }

    /** The file opened for reading, links not followed; null if it cannot be (gone, or not readable). */
    private static FileChannel openOrNull(Path p) {
        try {
            return FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] readAtOrNull(FileChannel ch, long offset, int size) {
        try {
            return readAt(ch, offset, size);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] readFile(Path p, long offset, int size) {
        try (FileChannel ch = openOrNull(p)) {
            return ch == null ? null : readAtOrNull(ch, offset, size);
        } catch (IOException e) {
            return null; // closing failed: nothing read is trusted
        }
    }

    static void writeAt(FileChannel ch, long offset, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            ch.write(buf, offset + buf.position());
        }
    }
}
