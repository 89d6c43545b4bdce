package dev.ferry.folder;

import dev.ferry.peer.PeerLink;
import dev.ferry.scan.PathRules;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a new large file that a member offers while it is still hashing it ({@code folder.preview}, see
 * {@link Previews}): its blocks are asked for as they are hashed ({@code folder.preview.blocks}), found locally
 * or fetched as byte ranges ({@code folder.preview.range}), each verified against its hash, into a temp file of
 * its own. Nothing becomes visible here: when the member's index entry arrives, the {@link Applier} claims the
 * temp file and counts the blocks verified here as present, so the data crosses the link once. Offers are taken
 * only for a path that is new here, in a directory that exists, with room on the disk, and at most
 * {@value #MAX_RUNNING} at once; a prefetch nobody claims within {@value Previews#KEEP_MS} ms is deleted at the
 * next offer or claim (or by a scan, see {@link Scanner}), and a stopped folder cancels and deletes its
 * prefetches. Thread-safe.
 */
final class Prefetcher {
    private static final Logger log = LoggerFactory.getLogger(Prefetcher.class);
    static final String SUFFIX = "-preview";
    private static final int MAX_RUNNING = 2;
    /** A member that hashes nothing new for this long is given up on. */
    private static final long STALL_MS = 120_000;

    private final Folder folder;
    private final FolderEvents events;
    private final BlockFetcher fetcher;
    private final Applier applier;
    private final Map<String, Prefetch> byPath = new ConcurrentHashMap<>();

    Prefetcher(Folder folder, FolderEvents events, BlockFetcher fetcher, Applier applier) {
        this.folder = folder;
        this.events = events;
        this.fetcher = fetcher;
        this.applier = applier;
    }

    /** One offered file being (or done being) fetched. */
    static final class Prefetch {
        final String path;
        final long size;
        final long modifiedNs;
        final Path tmp;
        final Transfer transfer;
        /** The verified blocks once the whole file is in {@link #tmp}; null if the prefetch failed. */
        final CompletableFuture<List<BlockList.Block>> result = new CompletableFuture<>();
        volatile boolean cancelled;
        volatile boolean claimed;
        volatile long finishedAt;

        Prefetch(String path, long size, long modifiedNs, Path tmp, String peer) {
            this.path = path;
            this.size = size;
            this.modifiedNs = modifiedNs;
            this.tmp = tmp;
            this.transfer = new Transfer(path, size, new AtomicLong(), new AtomicLong(), List.of(peer));
        }
    }

    /** Starts fetching an offered file if it is wanted here (see the class comment); otherwise ignores the offer. */
    void offered(PeerLink link, FolderMessages.PreviewOffer o) {
        expire();
        String path = o.path();
        try {
            if (path == null || PathRules.problem(path) != null || o.size() < Previews.MIN_SIZE || !folder.rootPresent()
                    || folder.ignoreRules().ignored(path, false) || folder.index().get(path).map(FileEntry::live).orElse(false)) {
                return;
            }
            Path abs = PathRules.resolveSafely(folder.root(), path);
            DiskState parent = DiskState.of(abs.getParent());
            if (DiskState.of(abs) != null || parent == null || !FileEntry.DIR.equals(parent.type())
                    || o.size() > Files.getFileStore(abs.getParent()).getUsableSpace() - (256L << 20)) {
                return;
            }
            String name = abs.getFileName().toString();
            // Tagged with the whole path's hash: two long names that share their first 200 bytes get their own files.
            byte[] pathHash = BlockList.sha256().digest(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Path tmp = abs.resolveSibling(Applier.tempName(name, pathHash) + SUFFIX);
            Prefetch p = new Prefetch(path, o.size(), o.modifiedNs(), tmp, link.remoteId().toString());
            synchronized (byPath) {
                long running = byPath.values().stream().filter(q -> !q.result.isDone()).count();
                if (running >= MAX_RUNNING || byPath.containsKey(path)) {
                    return;
                }
                byPath.put(path, p);
            }
            Thread.ofVirtual().name("prefetch-" + name).start(() -> run(link, p));
        } catch (IOException | RuntimeException e) {
            log.debug("folder {}: not prefetching {}: {}", folder.id(), path, e.getMessage());
        }
    }

    private void run(PeerLink link, Prefetch p) {
        List<BlockList.Block> verified = new ArrayList<>();
        events.publish("remote.prefetching", folder.id(), p.path, Map.of("size", p.size, "from", link.remoteId().toString()));
        try (FileChannel out = FileChannel.open(p.tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long offset = 0;
            int next = 0;
            long progressAt = System.currentTimeMillis();
            boolean last = false;
            while (!last) {
                if (p.cancelled || System.currentTimeMillis() - progressAt > STALL_MS) {
                    throw new IOException(p.cancelled ? "cancelled" : "the member hashed nothing new for " + STALL_MS / 1000 + " s");
                }
                FolderMessages.PreviewBlocksReply page = FolderMessages.decode(link.request("folder.preview.blocks",
                        FolderMessages.encode(new FolderMessages.PreviewBlocksRequest(folder.id(), p.path, next)))
                        .get(60, TimeUnit.SECONDS).body(), FolderMessages.PreviewBlocksReply.class);
                BlockList blocks = BlockList.decode(page.blocks() == null ? new byte[0] : page.blocks());
                if (offset + blocks.totalSize() > p.size) {
                    throw new IOException("the member's blocks run past the size it offered");
                }
                List<BlockList.Block> batch = new ArrayList<>(blocks.count());
                List<BlockList.Block> missing = new ArrayList<>();
                for (BlockList.Block b : blocks.blocks()) {
                    BlockList.Block at = new BlockList.Block(offset + b.offset(), b.size(), b.hash());
                    batch.add(at);
                    byte[] local = applier.blockFromIndex(at);
                    if (local != null) {
                        Applier.writeAt(out, at.offset(), local);
                        p.transfer.done().addAndGet(at.size());
                    } else {
                        missing.add(at);
                    }
                }
                offset += blocks.totalSize();
                next += blocks.count();
                fetcher.fetch(p.tmp, out, missing, p.transfer, (from, length, attempt) -> range(link, p, from, length),
                        p.transfer.from());
                verified.addAll(batch);
                if (!batch.isEmpty()) {
                    progressAt = System.currentTimeMillis();
                }
                last = page.last();
            }
            if (offset != p.size) {
                throw new IOException("the member's blocks add up to " + offset + " bytes, not the " + p.size + " it offered");
            }
            p.result.complete(List.copyOf(verified));
            log.debug("folder {}: prefetched {} ({} bytes)", folder.id(), p.path, p.size);
        } catch (Exception e) {
            log.debug("folder {}: prefetching {} stopped: {}", folder.id(), p.path, e.getMessage());
            discard(p);
        } finally {
            p.finishedAt = System.currentTimeMillis();
        }
    }

    private InputStream range(PeerLink link, Prefetch p, long offset, long length) throws IOException {
        return MemberLinks.streamOf(link, "folder.preview.range",
                new FolderMessages.PreviewRangeRequest(folder.id(), p.path, offset, length));
    }

    /**
     * The prefetch of this entry's file, or null; the caller waits for its {@link Prefetch#result} and then
     * {@link #release}s it. A prefetch of the same path with another size or time (the file changed after it was
     * offered) is cancelled and deleted instead.
     */
    Prefetch claim(FileEntry e) {
        expire();
        Prefetch p = byPath.get(e.path());
        if (p == null || p.claimed) {
            return null;
        }
        if (p.size != e.size() || p.modifiedNs != e.modifiedNs()) {
            p.cancelled = true;
            p.result.thenRun(() -> discard(p));
            return null;
        }
        p.claimed = true;
        return p;
    }

    /** Forgets a claimed prefetch once its file was taken (or not); deletes the file if it is still there. */
    void release(Prefetch p) {
        discard(p);
    }

    /** Prefetches running now (a claimed one too, until it ends), as transfers. */
    List<Transfer> transfers() {
        return byPath.values().stream().filter(p -> !p.result.isDone()).map(p -> p.transfer).toList();
    }

    /** The folder stops: every prefetch is cancelled, and its file deleted once it has stopped. */
    void close() {
        for (Prefetch p : byPath.values()) {
            p.cancelled = true;
            p.result.thenRun(() -> discard(p));
        }
    }

    /** Deletes prefetched files that nobody claimed in time. */
    private void expire() {
        long now = System.currentTimeMillis();
        for (Prefetch p : byPath.values()) {
            if (!p.claimed && p.result.isDone() && p.finishedAt > 0 && now - p.finishedAt > Previews.KEEP_MS) {
                discard(p);
            }
        }
    }

    private void discard(Prefetch p) {
        byPath.remove(p.path, p);
        p.result.complete(null);
        try {
            Files.deleteIfExists(p.tmp);
        } catch (IOException e) {
            log.debug("folder {}: could not delete {}: {}", folder.id(), p.tmp, e.getMessage());
        }
    }
}
