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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final FolderEvents events;
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
    private final MemberLinks members;
    private final FolderServer server;

    public FolderSync(LibraryStore libraries, PeerManager peers, Path dataDir, Clock clock, Duration fullScanInterval,
            Duration keepVersions) {
        this.events = openEvents(dataDir.resolve("folder-events.db"));
        this.libraries = libraries;
        this.peers = peers;
        this.dataDir = dataDir;
        this.fullScanInterval = fullScanInterval;
        this.keepVersions = keepVersions;
        this.me = peers.localId().toString();
        this.pullRunner = new dev.ferry.peer.PullRunner(peers, "folder", this::pull);
        this.members = new MemberLinks(libraries, peers);
        this.server = new FolderServer(libraries, folders::get);
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.hashPool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "folder-hash");
            t.setDaemon(true);
            return t;
        });
    }

    /** The event log; one that cannot be opened must not stop syncing: events are then kept in memory only. */
    private static FolderEvents openEvents(Path file) {
        try {
            return FolderEvents.open(file);
        } catch (IOException e) {
            log.warn("folder events are kept in memory only (lost at a restart): {}", e.getMessage());
            return new FolderEvents();
        }
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
        Applier a = new Applier(f, members, events);
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
        Applier a = appliers.remove(libraryId);
        if (a != null) {
            a.prefetcher().close();
        }
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
            for (PeerLink link : connectedMembers(f.id())) {
                requestPull(f.id(), link);
            }
        } catch (IOException e) {
            log.warn("folder {}: cannot pull from its members: {}", f.id(), e.getMessage());
        }
    }

    void announce(Folder f) {
        byte[] body = FolderMessages.encode(new FolderMessages.Notify(f.id(), f.index().revision()));
        try {
            for (PeerLink link : connectedMembers(f.id())) {
                link.request("library.notify", body);
            }
        } catch (IOException e) {
            log.warn("folder {}: cannot announce revision: {}", f.id(), e.getMessage());
        }
    }

    /** Offers a new large file to the connected members while it is hashed (see {@link Previews}); null if none is connected. */
    Previews.Preview offerPreview(Folder f, String rel, DiskState st) {
        List<PeerLink> links;
        try {
            links = connectedMembers(f.id());
        } catch (IOException e) {
            return null;
        }
        if (links.isEmpty()) {
            return null;
        }
        Previews.Preview p = f.previews().start(rel, st);
        byte[] body = FolderMessages.encode(new FolderMessages.PreviewOffer(f.id(), rel, st.size(), st.modifiedNs()));
        for (PeerLink link : links) {
            link.request("folder.preview", body);
        }
        return p;
    }

    /** Links to the library's members that are connected now. */
    private List<PeerLink> connectedMembers(String libraryId) throws IOException {
        List<PeerLink> links = new ArrayList<>();
        for (var m : libraries.members(libraryId)) {
            peers.link(PeerId.parse(m.peerId())).ifPresent(links::add);
        }
        return links;
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
            Map<String, String> checkedDirs = new HashMap<>(); // case clashes of directories, for this page
            for (FileEntry e : reply.entries() == null ? List.<FileEntry>of() : reply.entries()) {
                if (e.rev() <= since) {
                    continue;
                }
                receive(f, e, link.remoteId(), checkedDirs);
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
    private void receive(Folder f, FileEntry e, PeerId from, Map<String, String> checkedDirs) throws IOException {
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
        if ((mine == null || mine.deleted()) && e.live() && f.caseInsensitive()) {
            String clash = caseClash(f.index(), e.path(), checkedDirs);
            if (clash != null) {
                log.warn("folder {}: refusing {} from peer {}: it or one of its directories differs only in case from {}, "
                        + "which this filesystem cannot keep apart", f.id(), printable(e.path()), from.shortForm(), clash);
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
        switch (Conflicts.order(e, mine)) {
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
                // Newer than whatever the name held (an earlier copy of the same second, a delete), as the member
                // that made this copy from its own file has it: an older-looking copy would be ignored everywhere.
                VersionVector version = (existing == null ? VersionVector.EMPTY : existing.version()).bump(from.toString());
                FileEntry copyEntry = new FileEntry(copy, FileEntry.FILE, theirs.size(), theirs.modifiedNs(), theirs.mode(), null,
                        theirs.blocksHash(), theirs.blockCount(), version, false, 0, theirs.modifiedBy());
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

    /**
     * A live indexed path that {@code path} or one of its directories differs from only in case, or null. The
     * directories count too: on a filesystem that ignores case, {@code Docs/a.txt} would be written into an
     * existing {@code docs/} (its own {@code Docs} entry having been refused as a clash). A directory live in the
     * index under its exact name cannot clash (a clashing one would have been refused); the answer for one that
     * is not is kept in {@code checkedDirs}, so a page of entries under one new directory lists its parent once.
     */
    static String caseClash(FolderIndex index, String path, Map<String, String> checkedDirs) throws IOException {
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            String dir = path.substring(0, slash);
            String clash = checkedDirs.get(dir); // "" for a directory found not to clash
            if (clash == null) {
                String found = index.get(dir).map(FileEntry::live).orElse(false) ? null : siblingClash(index, dir);
                clash = found == null ? "" : found;
                checkedDirs.put(dir, clash);
            }
            if (!clash.isEmpty()) {
                return clash;
            }
        }
        return siblingClash(index, path);
    }

    /** A live path in the same directory whose name differs from {@code path}'s only in case, or null. */
    private static String siblingClash(FolderIndex index, String path) throws IOException {
        String key = PathRules.foldKey(path);
        for (FolderIndex.Local l : index.children(FolderIndex.parentOf(path))) {
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


    // ---- serving members and the API -----------------------------------------------------------------------

    /** Serves {@code folder.*} requests from members (see {@link FolderServer}). */
    public void handle(PeerLink link, String method, byte[] body, RequestHandler.Responder r) throws IOException {
        if (!"folder.preview".equals(method)) {
            server.handle(link, method, body, r);
            return;
        }
        FolderMessages.PreviewOffer offer;
        try {
            offer = FolderMessages.decode(body, FolderMessages.PreviewOffer.class);
        } catch (FolderMessages.BadRequest e) {
            r.respond(ErrorCode.PROTOCOL.code(), e.getMessage().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Applier a = offer.libraryId() == null || !libraries.isMember(offer.libraryId(), link.remoteId().toString())
                ? null : appliers.get(offer.libraryId());
        if (a == null) {
            r.respond(ErrorCode.NOT_FOUND.code(), "no such library".getBytes(StandardCharsets.UTF_8));
            return;
        }
        a.prefetcher().offered(link, offer);
        r.respond(0, new byte[0]);
    }

    /** Finishes or undoes what a killed process left in flight (see {@link IntentRecovery}). */
    void recover(Folder f) throws IOException {
        IntentRecovery.run(f);
    }


    public Optional<FolderView> view(String libraryId) throws IOException {
        Folder f = folders.get(libraryId);
        if (f == null) {
            return Optional.empty();
        }
        Applier a = appliers.get(libraryId);
        // State before counts: counting a large index takes milliseconds, in which a scan can finish. Read the
        // other way round, a view could say "scan finished" with the counts of before its last batch.
        boolean scanning = f.scanning();
        long lastScanAt = f.lastScanAt();
        long lastScanMillis = f.lastScanMillis();
        String error = f.error();
        return Optional.of(new FolderView(f, a, scanning, lastScanAt, lastScanMillis, error, f.index().counts(),
                f.index().needCount()));
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
        // The event log is closed by the daemon last (Peering.close), once nothing can publish any more.
    }
}
