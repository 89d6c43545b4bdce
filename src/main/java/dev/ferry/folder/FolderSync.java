package dev.ferry.folder;

import dev.ferry.library.Library;
import dev.ferry.library.LibraryStore;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerManager;
import dev.ferry.peer.RequestHandler;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.LibraryState;
import dev.ferry.scan.PathRules;
import dev.ferry.store.AssetFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps folder libraries in sync with their members. Each folder's scanner turns local edits into index entries
 * at new revisions and this announces them ({@code library.notify}); a member that hears of a newer revision, or
 * sees a different digest in Hello, pulls {@code folder.changes} since its cursor for that member (persisted, so a
 * reconnect transfers only what changed). Each received entry is checked (path and link rules), compared by
 * version vector with ours, and either ignored, merged (same content), or recorded as needed; the folder's
 * applier then fetches blocks ({@code folder.blocks}, {@code folder.block}) and writes the file. Thread-safe.
 */
public final class FolderSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FolderSync.class);
    static final int PAGE = 1000;
    static final int PAGE_BYTES = 512 * 1024;
    static final long UNWATCHED_RESCAN_SECS = 30;
    /** Largest {@code folder.range} answer. */
    static final long MAX_RANGE = 64L << 20;

    private final LibraryStore libraries;
    private final PeerManager peers;
    private final Path dataDir;
    private final Duration fullScanInterval;
    private final Duration keepVersions;
    private final String me;
    private final FolderEvents events = new FolderEvents();
    private final Map<String, Folder> folders = new ConcurrentHashMap<>();
    private final Map<String, Applier> appliers = new ConcurrentHashMap<>();
    private final Map<String, Object> applySignals = new ConcurrentHashMap<>();
    private final Map<String, Long> rulesSeen = new ConcurrentHashMap<>();
    private final ExecutorService hashPool;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "folder-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;
    private final dev.ferry.peer.PullRunner pullRunner;

    public FolderSync(LibraryStore libraries, PeerManager peers, Path dataDir, Clock clock, Duration fullScanInterval,
            Duration keepVersions) {
        this.libraries = libraries;
        this.peers = peers;
        this.dataDir = dataDir;
        this.fullScanInterval = fullScanInterval;
        this.keepVersions = keepVersions;
        this.me = peers.localId().toString();
        this.pullRunner = new dev.ferry.peer.PullRunner(peers, "folder", this::pull);
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.hashPool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "folder-hash");
            t.setDaemon(true);
            return t;
        });
    }

    public FolderEvents events() {
        return events;
    }

    /** Opens every folder library recorded here and starts scanning them. */
    public void start() throws IOException {
        for (Library l : libraries.all()) {
            if (Library.FOLDER.equals(l.kind())) {
                Optional<String> path = libraries.folderPath(l.id());
                if (path.isPresent()) {
                    open(l.id(), Path.of(path.get()));
                } else {
                    log.error("folder library {} has no local path recorded; skipping it", l.id());
                }
            }
        }
        long period = fullScanInterval.toMillis();
        timer.scheduleAtFixedRate(() -> folders.values().forEach(Folder::requestFullScan), period, period, TimeUnit.MILLISECONDS);
        // Without a working watcher (OS watch limit reached), changes are found by rescanning, so rescan often.
        timer.scheduleAtFixedRate(() -> folders.values().stream().filter(f -> !f.watching() && f.lastScanAt() > 0)
                .forEach(Folder::requestFullScan), UNWATCHED_RESCAN_SECS, UNWATCHED_RESCAN_SECS, TimeUnit.SECONDS);
    }

    /** Creates a folder library at {@code path} (made if missing), with this node as its first member. */
    public Library create(String name, Path path, long now) throws IOException {
        String id = java.util.UUID.randomUUID().toString();
        Path root = checkRoot(path, id);
        Files.createDirectories(root);
        Folder.prepareRoot(root, id); // before the library exists: a directory that cannot be used leaves nothing behind
        Library l = libraries.create(id, name, Library.FOLDER, new AssetFilter(null, null, null, null, null), now);
        attach(l.id(), root);
        log.info("created folder library {} \"{}\" at {}", l.id(), name, root);
        return l;
    }

    /** Records a folder library joined from a peer at {@code path}, and starts it. */
    public Library adopt(String id, String name, Path path, long now) throws IOException {
        Path root = checkRoot(path, id);
        Library l = libraries.get(id).orElse(null);
        if (l == null) {
            l = libraries.create(id, name, Library.FOLDER, new AssetFilter(null, null, null, null, null), now);
        }
        if (!folders.containsKey(id)) {
            attach(id, root);
        }
        return l;
    }

    /**
     * The directory folder library {@code libraryId} may use: not inside Ferry's data directory or another folder,
     * not a file, and not marked as the folder of another library this node has (a marker left by a library that
     * was deleted here is taken over).
     */
    public Path checkRoot(Path path, String libraryId) throws IOException {
        Path root = path.toAbsolutePath().normalize();
        Path marker = root.resolve(Folder.MARKER);
        if (Files.isRegularFile(marker)) {
            String owner = Files.readString(marker, StandardCharsets.UTF_8).trim();
            if (!owner.equals(libraryId) && libraries.get(owner).isPresent()) {
                throw new IllegalArgumentException(root + " is already the folder of library " + owner);
            }
        }
        if (root.startsWith(dataDir.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the folder " + root + " is inside Ferry's data directory");
        }
        for (Folder f : folders.values()) {
            if (!f.id().equals(libraryId) && (root.startsWith(f.root()) || f.root().startsWith(root))) {
                throw new IllegalArgumentException("the folder " + root + " overlaps folder library " + f.id() + " at " + f.root());
            }
        }
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException(root + " exists and is not a directory");
        }
        return root;
    }

    private void attach(String id, Path root) throws IOException {
        Files.createDirectories(root);
        Folder.prepareRoot(root, id);
        libraries.setFolderPath(id, root.toString());
        open(id, root);
    }

    private void open(String id, Path root) throws IOException {
        Files.createDirectories(dataDir.resolve("folders"));
        FolderIndex index = new FolderIndex(dataDir.resolve("folders").resolve(id + ".db"));
        Folder f = new Folder(id, root, index, me, this, hashPool, keepVersions);
        folders.put(id, f);
        Applier a = new Applier(f, remote, events);
        appliers.put(id, a);
        applySignals.put(id, new Object());
        f.start();
        Thread.ofPlatform().daemon().name("apply-" + id.substring(0, Math.min(8, id.length()))).start(() -> applyLoop(id, a));
    }

    /** The open folder, for this package's tests and the API. */
    Folder folder(String libraryId) {
        return folders.get(libraryId);
    }

    public boolean isFolder(String libraryId) {
        return folders.containsKey(libraryId);
    }

    /** A deleted library: stop it and drop its index (its files, marker and kept versions stay where they are). */
    public void forget(String libraryId) {
        remove(libraryId);
        for (String suffix : List.of(".db", ".db-wal", ".db-shm")) {
            try {
                Files.deleteIfExists(dataDir.resolve("folders").resolve(libraryId + suffix));
            } catch (IOException e) {
                log.warn("could not remove the index of deleted folder library {}: {}", libraryId, e.getMessage());
            }
        }
    }

    /** Stops syncing a folder library; its files stay where they are. */
    public void remove(String libraryId) {
        Folder f = folders.remove(libraryId);
        appliers.remove(libraryId);
        Object signal = applySignals.remove(libraryId);
        if (signal != null) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
        if (f != null) {
            f.close();
        }
    }

    // ---- announcing and pulling ----------------------------------------------------------------------------

    /** Hello's view of a folder library: its index revision and digest. */
    public LibraryState state(String libraryId) {
        Folder f = folders.get(libraryId);
        return f == null ? new LibraryState(libraryId, 0, new byte[32])
                : new LibraryState(libraryId, f.index().revision(), f.index().digest());
    }

    /** After a link opens: pull the folder if the member's state differs from what we applied from it. */
    public void linkOpened(PeerLink link, LibraryState theirs, String libraryId) throws IOException {
        Folder f = folders.get(libraryId);
        if (f == null) {
            return;
        }
        if (theirs == null || !Arrays.equals(theirs.digest(), f.index().digest())
                || theirs.revision() != f.index().cursor(link.remoteId().toString())) {
            requestPull(libraryId, link);
        }
        wakeApplier(libraryId);
    }

    /** Pulls the folder from every connected member. */
    void pullAll(Folder f) {
        try {
            for (var m : libraries.members(f.id())) {
                peers.link(PeerId.parse(m.peerId())).ifPresent(link -> requestPull(f.id(), link));
            }
        } catch (IOException e) {
            log.warn("folder {}: cannot pull from its members: {}", f.id(), e.getMessage());
        }
    }

    void announce(Folder f) {
        byte[] body = FolderMessages.encode(new FolderMessages.Notify(f.id(), f.index().revision()));
        try {
            for (var m : libraries.members(f.id())) {
                peers.link(PeerId.parse(m.peerId())).ifPresent(link -> link.request("library.notify", body));
            }
        } catch (IOException e) {
            log.warn("folder {}: cannot announce revision: {}", f.id(), e.getMessage());
        }
    }

    /** Pulls the member's changes (see {@link dev.ferry.peer.PullRunner}). */
    public void requestPull(String libraryId, PeerLink link) {
        if (folders.containsKey(libraryId)) {
            pullRunner.request(libraryId, link);
        }
    }

    private void pull(String libraryId, PeerLink link) throws Exception {
        Folder f = folders.get(libraryId);
        String peer = link.remoteId().toString();
        if (f == null || !libraries.isMember(libraryId, peer)) {
            return;
        }
        long revisionBefore = f.index().revision();
        long epoch = f.rulesEpoch.get();
        Long seen = rulesSeen.put(f.id() + "/" + peer, epoch);
        if (seen != null && seen != epoch) {
            f.index().setCursor(peer, 0);
        }
        boolean more = true;
        while (more && link.isOpen()) {
            long since = f.index().cursor(peer);
            PeerLink.Reply r = link.request("folder.changes",
                    FolderMessages.encode(new FolderMessages.ChangesRequest(libraryId, since, PAGE))).get(60, TimeUnit.SECONDS);
            FolderMessages.ChangesReply reply = FolderMessages.decode(r.body(), FolderMessages.ChangesReply.class);
            if (reply.revision() < since) {
                log.info("peer {} reset its index of folder {}; taking a snapshot", link.remoteId().shortForm(), libraryId);
                f.index().setCursor(peer, 0);
                continue;
            }
            long last = since;
            for (FileEntry e : reply.entries() == null ? List.<FileEntry>of() : reply.entries()) {
                if (e.rev() <= since) {
                    continue;
                }
                receive(f, e, link.remoteId());
                last = Math.max(last, e.rev());
            }
            more = reply.more() && reply.entries() != null && !reply.entries().isEmpty();
            f.index().setCursor(peer, more ? last : Math.max(last, reply.revision()));
        }
        if (f.index().revision() != revisionBefore) {
            announce(f); // tombstones and merged versions recorded straight away travel on too
        }
        wakeApplier(libraryId);
    }

    /** Checks one entry from a peer and decides what it means here. */
    void receive(Folder f, FileEntry e, PeerId from) throws IOException {
        String problem = problem(e);
        if (problem != null) {
            log.warn("folder {}: refusing an entry from peer {}: {} ({})", f.id(), from.shortForm(), printable(e.path()), problem);
            events.publish("folder.refused", f.id(), null, Map.of("peer", from.toString(), "reason", problem));
            return;
        }
        if (f.ignoreRules().ignored(e.path(), e.isDir())) {
            return; // ignored here: neither taken nor offered (its local file, if any, stays as it is)
        }
        FileEntry mine = f.index().get(e.path()).orElse(null);
        log.debug("folder {}: from {}: {} (ours: {})", f.id(), from.shortForm(), e, mine);
        if (mine == null && e.live() && f.caseInsensitive()) {
            String clash = caseClash(f, e.path());
            if (clash != null) {
                log.warn("folder {}: refusing {} from peer {}: it differs only in case from {}, which this filesystem cannot "
                        + "keep apart", f.id(), printable(e.path()), from.shortForm(), clash);
                events.publish("folder.refused", f.id(), e.path(), Map.of("peer", from.toString(), "reason", "case clash with " + clash));
                return;
            }
        }
        if (mine == null) {
            if (e.deleted()) {
                f.index().put(new FolderIndex.Change(e, null, 0)); // keep the tombstone, so it travels on
            } else {
                needs(f, e, from);
            }
            return;
        }
        switch (e.version().compare(mine.version())) {
            case EQUAL, LESSER -> {
                // not newer than ours: nothing to do (a peer's vector going backwards is ignored the same way)
            }
            case GREATER -> {
                if (mine.deleted() && e.deleted()) {
                    f.index().put(new FolderIndex.Change(e, null, 0));
                } else {
                    needs(f, e, from);
                }
            }
            case CONCURRENT -> {
                if (mine.sameContent(e)) {
                    needs(f, e.withVersion(e.version().merge(mine.version())), from);
                } else if (Conflicts.remoteWins(e, mine)) {
                    needs(f, e, from); // the applier keeps ours as the conflict copy
                } else {
                    keepOurs(f, mine, e, from);
                }
            }
        }
    }

    /**
     * Our version of a path won over a concurrent one from a peer. The peer, if it compares the same pair, keeps its
     * version as the conflict copy and takes ours; but it may already have compared ours with an older state and
     * will not look again. So this side settles it too: the losing content is fetched as the conflict copy (same
     * deterministic name and content as the peer would make, so the two merge), and our version is raised above
     * both, so every member takes it as plainly newer. A losing delete needs no copy: the change beats it.
     */
    private void keepOurs(Folder f, FileEntry mine, FileEntry theirs, PeerId from) throws IOException {
        log.info("folder {}: concurrent change to {} from {}; this node's version wins", f.id(), theirs.path(), from.shortForm());
        if (theirs.live() && theirs.isFile() && mine.live()) {
            String copy = Conflicts.copyName(theirs.path(), theirs);
            FileEntry existing = f.index().get(copy).orElse(null);
            if (existing == null || !existing.sameContent(theirs)) {
                FileEntry copyEntry = new FileEntry(copy, FileEntry.FILE, theirs.size(), theirs.modifiedNs(), theirs.mode(), null,
                        theirs.blocksHash(), theirs.blockCount(), VersionVector.EMPTY.bump(from.toString()), false, 0,
                        theirs.modifiedBy());
                needs(f, copyEntry, from);
                events.publish("conflict", f.id(), theirs.path(), Map.of("copy", copy, "winner", String.valueOf(mine.modifiedBy())));
            }
        }
        FolderIndex.Local local = f.index().local(mine.path()).orElse(null);
        if (local != null) {
            FileEntry raised = mine.withVersion(mine.version().merge(theirs.version()).bump(me));
            f.index().put(new FolderIndex.Change(raised, f.index().blocks(mine.path()).orElse(null), local.inode()));
        }
    }

    /** Records that this node needs a member's version of a path, and says so as an event. */
    private void needs(Folder f, FileEntry e, PeerId from) throws IOException {
        f.index().need(e, from.toString());
        events.publish("remote.needed", f.id(), e.path(), Map.of("deleted", e.deleted(), "from", from.toString()));
    }

    /** A live path in the same directory whose name differs from {@code path}'s only in case, or null. */
    private static String caseClash(Folder f, String path) throws IOException {
        String key = PathRules.foldKey(path);
        for (FolderIndex.Local l : f.index().children(FolderIndex.parentOf(path))) {
            if (l.entry().live() && !l.entry().path().equals(path) && PathRules.foldKey(l.entry().path()).equals(key)) {
                return l.entry().path();
            }
        }
        return null;
    }

    /** Why an entry from a peer is refused, or null. */
    static String problem(FileEntry e) {
        if (e.path() == null) {
            return "no path";
        }
        String p = PathRules.problem(e.path());
        if (p != null) {
            return p;
        }
        if (e.version() == null || e.version().isEmpty()) {
            return "no version vector";
        }
        if (e.deleted()) {
            return null;
        }
        if (e.type() == null) {
            return "no type";
        }
        switch (e.type()) {
            case FileEntry.FILE -> {
                if (e.blocksHash() == null || e.blocksHash().length != 32 || e.size() < 0 || e.blockCount() < 0) {
                    return "a file needs a size and a 32-byte content hash";
                }
            }
            case FileEntry.SYMLINK -> {
                String s = e.target() == null ? "no target" : PathRules.symlinkProblem(e.path(), e.target());
                if (s != null) {
                    return "symlink: " + s;
                }
            }
            case FileEntry.DIR -> {
                // nothing more
            }
            default -> {
                return "unknown type " + e.type();
            }
        }
        return null;
    }

    private static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
    }

    // ---- applying ------------------------------------------------------------------------------------------

    void wakeApplier(String libraryId) {
        Object signal = applySignals.get(libraryId);
        if (signal != null) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    private void applyLoop(String id, Applier a) {
        while (running && appliers.get(id) == a) {
            try {
                int n = a.applyDue(System.currentTimeMillis());
                if (n > 0) {
                    Folder f = folders.get(id);
                    if (f != null) {
                        announce(f); // what we applied is news to the other members (they may not reach its origin)
                    }
                    continue;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("folder {}: applying changes: {}", id, e.getMessage());
            }
            Object signal = applySignals.get(id);
            if (signal == null) {
                return;
            }
            synchronized (signal) {
                try {
                    signal.wait(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Completes or rolls back what a killed process left in flight, so every file is wholly old or wholly new: a
     * replacement whose old content was moved aside but whose new one was not yet renamed into place is finished;
     * one that never moved the old content is undone (its temp file stays for the next attempt to reuse). The scan
     * that follows records whatever the disk now holds.
     */
    void recover(Folder f) throws IOException {
        for (FolderIndex.Intent i : f.index().intents()) {
            Path target = f.root().resolve(i.path());
            boolean targetThere = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            switch (i.kind()) {
                case "replace", "conflict" -> {
                    Path tmp = i.temp() == null ? null : f.root().resolve(i.temp());
                    if (!targetThere && tmp != null && Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                        log.info("folder {}: finished replacing {} after a crash", f.id(), i.path());
                    } else if (!targetThere && i.aside() != null && Files.exists(f.root().resolve(i.aside()), LinkOption.NOFOLLOW_LINKS)) {
                        Files.move(f.root().resolve(i.aside()), target, StandardCopyOption.ATOMIC_MOVE);
                        log.info("folder {}: put back the old {} after a crash", f.id(), i.path());
                    }
                }
                case "rename" -> {
                    Path from = f.root().resolve(i.temp());
                    if (!targetThere && !Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                        log.warn("folder {}: rename {} -> {} left neither name after a crash", f.id(), i.temp(), i.path());
                    }
                }
                default -> {
                    // "delete": the file is either still there or in the version store; both are whole
                }
            }
            f.index().endIntent(i.id());
        }
    }

    // ---- reaching members ----------------------------------------------------------------------------------

    private final Applier.Remote remote = new Applier.Remote() {
        @Override
        public BlockList blockList(String libraryId, FileEntry e, List<String> sources) throws IOException {
            IOException last = null;
            for (PeerLink link : linksFor(libraryId, sources, 0)) {
                try {
                    PeerLink.Reply r = link.request("folder.blocks", FolderMessages.encode(
                            new FolderMessages.BlocksRequest(libraryId, e.path(), e.blocksHash()))).get(60, TimeUnit.SECONDS);
                    long max = (long) Math.max(0, e.blockCount()) * BlockList.RECORD;
                    try (InputStream in = r.stream()) {
                        byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
                        if (data.length > max) {
                            throw new IOException("block list of " + e.path() + " longer than announced");
                        }
                        BlockList bl = BlockList.decode(data);
                        if (Arrays.equals(bl.identity(), e.blocksHash())) {
                            return bl;
                        }
                        last = new IOException("peer " + link.remoteId().shortForm() + " sent a block list that does not match");
                    }
                } catch (Exception ex) {
                    last = ex instanceof IOException io ? io : new IOException(ex.getMessage(), ex);
                }
            }
            throw last != null ? last : new IOException("no member that has " + e.path() + " is connected");
        }

        @Override
        public InputStream range(String libraryId, FileEntry e, long offset, long length, List<String> sources, int attempt)
                throws IOException {
            List<PeerLink> links = linksFor(libraryId, sources, attempt);
            if (links.isEmpty()) {
                throw new IOException("no member that has " + e.path() + " is connected");
            }
            try {
                PeerLink.Reply r = links.get(0).request("folder.range", FolderMessages.encode(new FolderMessages.RangeRequest(
                        libraryId, e.path(), e.blocksHash(), offset, length))).get(60, TimeUnit.SECONDS);
                return r.stream();
            } catch (java.util.concurrent.ExecutionException ex) {
                throw ex.getCause() instanceof IOException io ? io : new IOException(ex.getCause().getMessage(), ex.getCause());
            } catch (java.util.concurrent.TimeoutException ex) {
                throw new IOException("no answer to a range request within 60 s");
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        @Override
        public CompletableFuture<byte[]> block(String libraryId, byte[] hash, int size, List<String> sources, int attempt) {
            List<PeerLink> links;
            try {
                links = linksFor(libraryId, sources, attempt);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (links.isEmpty()) {
                return CompletableFuture.failedFuture(new IOException("no member that has this file is connected"));
            }
            PeerLink link = links.get(0);
            return link.request("folder.block", FolderMessages.encode(new FolderMessages.BlockRequest(libraryId, hash, size)))
                    .thenCompose(r -> {
                        if (r.body().length != size) {
                            return CompletableFuture.failedFuture(new IOException("block of the wrong size from " + link.remoteId().shortForm()));
                        }
                        return CompletableFuture.completedFuture(r.body());
                    })
                    .exceptionallyCompose(ex -> attempt < Math.max(2, links.size())
                            ? block(libraryId, hash, size, sources, attempt + 1)
                            : CompletableFuture.failedFuture(ex));
        }
    };

    /** Connected members, the announcing sources first, rotated by {@code attempt} to spread load and retries. */
    private List<PeerLink> linksFor(String libraryId, List<String> sources, int attempt) throws IOException {
        List<PeerLink> first = new ArrayList<>();
        List<PeerLink> rest = new ArrayList<>();
        for (var m : libraries.members(libraryId)) {
            Optional<PeerLink> l = peers.link(PeerId.parse(m.peerId()));
            if (l.isPresent() && l.get().isOpen()) {
                (sources.contains(m.peerId()) ? first : rest).add(l.get());
            }
        }
        if (!first.isEmpty()) {
            Collections.rotate(first, -(attempt % first.size()));
        }
        first.addAll(rest);
        return first;
    }

    // ---- serving members -----------------------------------------------------------------------------------

    /** Serves {@code folder.*} requests from members. */
    public void handle(PeerLink link, String method, byte[] body, RequestHandler.Responder r) throws IOException {
        try {
            switch (method) {
                case "folder.changes" -> {
                    FolderMessages.ChangesRequest req = FolderMessages.decode(body, FolderMessages.ChangesRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    if (f == null) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such library"));
                        return;
                    }
                    int limit = Math.max(1, Math.min(PAGE, req.limit()));
                    long revision = f.index().revision();
                    List<FileEntry> entries = f.index().changesSince(req.since(), limit);
                    boolean more = entries.size() == limit;
                    byte[] encoded = FolderMessages.encode(new FolderMessages.ChangesReply(entries, revision, more));
                    while (encoded.length > PAGE_BYTES && entries.size() > 1) {
                        entries = entries.subList(0, entries.size() / 2);
                        encoded = FolderMessages.encode(new FolderMessages.ChangesReply(entries, revision, true));
                    }
                    r.respond(0, encoded);
                }
                case "folder.blocks" -> {
                    FolderMessages.BlocksRequest req = FolderMessages.decode(body, FolderMessages.BlocksRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    String at = f == null ? null : holderOf(f, req.path(), req.blocksHash());
                    Optional<BlockList> bl = at == null ? Optional.empty() : f.index().blocks(at);
                    if (bl.isEmpty()) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such file content"));
                        return;
                    }
                    r.stream(new byte[0], new ByteArrayInputStream(bl.get().encoded()));
                }
                case "folder.range" -> {
                    FolderMessages.RangeRequest req = FolderMessages.decode(body, FolderMessages.RangeRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    String at = f == null ? null : holderOf(f, req.path(), req.blocksHash());
                    FileEntry e = at == null ? null : f.index().get(at).orElse(null);
                    if (e == null || req.offset() < 0 || req.length() <= 0 || req.length() > MAX_RANGE
                            || req.offset() + req.length() > e.size()) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such file content or range"));
                        return;
                    }
                    // Not verified here: the requester checks every block, and asks block by block if this file changed.
                    try (var ch = java.nio.channels.FileChannel.open(PathRules.resolveSafely(f.root(), at),
                            java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                        ch.position(req.offset());
                        InputStream in = new RangeStream(java.nio.channels.Channels.newInputStream(ch), req.length());
                        r.stream(new byte[0], in);
                    } catch (java.nio.file.NoSuchFileException gone) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such file content"));
                    }
                }
                case "folder.block" -> {
                    FolderMessages.BlockRequest req = FolderMessages.decode(body, FolderMessages.BlockRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    byte[] data = f == null || req.hash() == null || req.hash().length != 32 ? null : readBlock(f, req.hash(), req.size());
                    if (data == null) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such block"));
                        return;
                    }
                    r.respond(0, data);
                }
                default -> r.respond(ErrorCode.NOT_FOUND.code(), utf8("no method " + method));
            }
        } catch (FolderMessages.BadRequest e) {
            r.respond(ErrorCode.PROTOCOL.code(), utf8(e.getMessage()));
        }
    }

    /** The path holding this content: {@code path} if it still does, else any live path with it (a conflict copy's original). */
    private static String holderOf(Folder f, String path, byte[] blocksHash) throws IOException {
        if (blocksHash == null || blocksHash.length != 32) {
            return null;
        }
        if (path != null && PathRules.problem(path) == null) {
            FileEntry e = f.index().get(path).orElse(null);
            if (e != null && e.live() && Arrays.equals(e.blocksHash(), blocksHash) && f.index().blocks(path).isPresent()) {
                return path;
            }
        }
        for (FileEntry same : f.index().withContent(blocksHash)) {
            if (f.index().blocks(same.path()).isPresent()) {
                return same.path();
            }
        }
        return null;
    }

    private byte[] readBlock(Folder f, byte[] hash, int size) throws IOException {
        if (size <= 0 || size > dev.ferry.chunk.FastCdc.PROTOCOL_MAX) {
            return null;
        }
        long key = java.nio.ByteBuffer.wrap(hash).getLong();
        for (FolderIndex.BlockAt at : f.index().findBlock(key)) {
            if (at.size() != size) {
                continue;
            }
            try (var ch = java.nio.channels.FileChannel.open(PathRules.resolveSafely(f.root(), at.path()),
                    java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(size);
                while (buf.hasRemaining() && ch.read(buf, at.offset() + buf.position()) >= 0) {
                    // read until full or end of file
                }
                if (!buf.hasRemaining() && Arrays.equals(BlockList.sha256().digest(buf.array()), hash)) {
                    return buf.array();
                }
            } catch (IOException | IllegalArgumentException e) {
                // changed or gone since it was indexed: try the next place; the scanner will catch up
            }
        }
        return null;
    }

    private Folder memberFolder(String libraryId, PeerLink link) throws IOException {
        if (libraryId == null || !libraries.isMember(libraryId, link.remoteId().toString())) {
            return null;
        }
        return folders.get(libraryId);
    }

    // ---- state for the API ---------------------------------------------------------------------------------

    public Optional<FolderView> view(String libraryId) throws IOException {
        Folder f = folders.get(libraryId);
        if (f == null) {
            return Optional.empty();
        }
        Applier a = appliers.get(libraryId);
        return Optional.of(new FolderView(f, a, f.index().counts(), f.index().needCount()));
    }

    /** What the API shows of a folder. */
    public record FolderView(Folder folder, Applier applier, FolderIndex.Counts counts, long needCount) {
        public Path root() {
            return folder.root();
        }

        public String error() {
            return folder.error();
        }

        public boolean scanning() {
            return folder.scanning();
        }

        public boolean watching() {
            return folder.watching();
        }

        public long lastScanAt() {
            return folder.lastScanAt();
        }

        public long lastScanMillis() {
            return folder.lastScanMillis();
        }

        public List<String> scanErrors() {
            return folder.scanErrors();
        }

        public long revision() {
            return folder.index().revision();
        }

        /** The member's revision this node has applied. */
        public long cursor(String peerId) throws IOException {
            return folder.index().cursor(peerId);
        }

        public List<FolderIndex.Need> needs() throws IOException {
            return folder.index().needs(Long.MAX_VALUE, 1000);
        }

        public List<Transfer> transfers() {
            return applier == null ? List.of() : applier.transfers();
        }

        public List<FileEntry> conflicts() throws IOException {
            return folder.index().conflicts();
        }

        public List<KeptVersion> versions() throws IOException {
            return folder.versions().list();
        }

        public String restore(String version) throws IOException {
            return folder.versions().restore(version);
        }

        public void rescan() {
            folder.requestFullScan();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        pullRunner.close();
        timer.shutdownNow();
        for (String id : List.copyOf(folders.keySet())) {
            remove(id);
        }
        hashPool.shutdownNow();
    }
}
