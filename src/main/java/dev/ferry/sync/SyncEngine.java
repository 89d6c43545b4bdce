package dev.ferry.sync;

import dev.ferry.library.Capability;
import dev.ferry.library.Entry;
import dev.ferry.library.Invite;
import dev.ferry.library.Library;
import dev.ferry.library.LibraryStore;
import dev.ferry.library.Ticket;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerManager;
import dev.ferry.peer.RequestHandler;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.LibraryState;
import dev.ferry.store.Asset;
import dev.ferry.store.AssetFilter;
import dev.ferry.store.AssetStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps asset libraries in sync with their members (CAN Sync, can-sync.txt, pushed instead of polled).
 *
 * <p><b>Outbound.</b> Every store change is matched against each library's filter on one ordered worker; a match
 * becomes an index entry at the library's next revision. The changes that queued up while the worker was busy are
 * recorded in one commit, and every connected member gets one {@code library.notify} for them (none for a member that
 * sent every one of them).
 * <b>Inbound.</b> A notify, a Hello whose digest differs from ours, or the periodic reconcile makes this node pull
 * {@code library.changes} since the last revision it applied from that member (the cursor, persisted), so a
 * reconnect transfers only what changed; a cursor beyond the member's revision (its index was reset) falls back
 * to a full snapshot. Entries whose bytes are missing go to the persisted fetch queue ({@link Fetcher}).
 *
 * <p>Pulls from one member for one library never overlap: a pull asked for while one runs sets a flag and runs
 * once more afterwards. Thread-safe.
 */
public final class SyncEngine implements AutoCloseable, RequestHandler {
    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
    static final int PAGE = 1000;
    /** Largest encoded page of library.changes; well under the protocol's 1 MiB body limit. */
    static final int PAGE_BYTES = 512 * 1024;
    /** A member this many revisions ahead is caught up with one CAR stream instead of pages and single fetches. */
    static final long CAR_THRESHOLD = 1000;
    /** Repository-sync limits (p2pds-repo-sync.txt): request size, response size. */
    static final int CAR_MAX_REQUEST = 64 * 1024;
    static final long CAR_MAX_RESPONSE = 64L << 30;
    static final byte CAR_OK = 0;
    static final byte CAR_NOT_FOUND = 1;
    static final byte CAR_ERROR = 2;
    /** CAR exports served at once (each holds a pipe and an index page): more are answered with status 2. */
    static final int CAR_EXPORTS = 4;
    /** How long a library remembers a deletion: 15 months, as folder libraries do ({@code Folder.TOMBSTONE_KEEP}). */
    static final Duration TOMBSTONE_KEEP = Duration.ofDays(450);
    private final java.util.concurrent.Semaphore carExports = new java.util.concurrent.Semaphore(CAR_EXPORTS);

    private final LibraryStore libraries;
    private final StoreAccess store;
    private final PeerManager peers;
    private final Clock clock;
    private final Duration fullScanInterval;
    private final ExecutorService outbound = Executors.newSingleThreadExecutor(r -> new Thread(r, "library-outbound"));
    private final ScheduledExecutorService reconcile = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "library-reconcile");
        t.setDaemon(true);
        return t;
    });
    private final Fetcher fetcher;
    /** Store changes not indexed yet, in the order the store made them; see {@link #indexPendingChanges}. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Asset> pendingChanges = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final dev.ferry.peer.PullRunner pullRunner;
    private final CarTransfer cars;
    private final Introductions introductions;
    private AutoCloseable storeSubscription;
    private volatile dev.ferry.folder.FolderSync folders;
    private volatile boolean running = true;

    public SyncEngine(LibraryStore libraries, StoreAccess store, PeerManager peers, Clock clock, Duration fullScanInterval) {
        this.libraries = libraries;
        this.store = store;
        this.peers = peers;
        this.clock = clock;
        this.fullScanInterval = fullScanInterval;
        this.fetcher = new Fetcher(libraries, store, peers, clock);
        this.cars = new CarTransfer(libraries, store);
        this.pullRunner = new dev.ferry.peer.PullRunner(peers, "library", this::pull);
        this.introductions = new Introductions(libraries, peers, clock, this::memberReachable);
    }

    /** Folder libraries are kept by {@code folders}; this engine routes their Hello state, pulls and methods there. */
    public void attachFolders(dev.ferry.folder.FolderSync folders) {
        this.folders = folders;
    }

    public dev.ferry.folder.FolderSync folders() {
        return folders;
    }

    private boolean isFolder(String libraryId) {
        return folders != null && folders.isFolder(libraryId);
    }

    public CarTransfer cars() {
        return cars;
    }

    /** Wires into the store and the peer manager and starts the workers. */
    public void start() throws IOException {
        storeSubscription = store.subscribe(e -> {
            pendingChanges.add(e.asset());
            outbound.execute(this::indexPendingChanges);
        });
        peers.setLibraryStates(this::statesFor);
        peers.onLinkOpen(this::onLinkOpen);
        for (Library l : libraries.all()) {
            if (Library.ASSETS.equals(l.kind())) {
                outbound.execute(() -> index(l));
            }
        }
        fetcher.start();
        long period = fullScanInterval.toMillis();
        reconcile.scheduleAtFixedRate(this::reconcileAll, period, period, TimeUnit.MILLISECONDS);
    }

    public LibraryStore libraries() {
        return libraries;
    }

    // ---- libraries, invites, joins ---------------------------------------------------------------------

    public Library create(String name, AssetFilter filter) throws IOException {
        Library l = libraries.create(null, name, Library.ASSETS, filter, clock.millis());
        log.info("created library {} \"{}\"", l.id(), name);
        awaitOutbound(() -> index(l));
        return libraries.get(l.id()).orElseThrow();
    }

    public boolean delete(String id) throws IOException {
        if (folders != null) {
            folders.forget(id);
        }
        return libraries.delete(id);
    }

    /**
     * Removes a member here, and from every member whose list of it came from this node (see {@link Introductions});
     * returns false if it was not a member.
     */
    public boolean removeMember(String libraryId, String peerId) throws IOException {
        List<String> gone = libraries.removeMember(libraryId, peerId, clock.millis());
        if (gone.isEmpty()) {
            return false;
        }
        log.info("removed peer {} from library {}", PeerId.parse(peerId).shortForm(), libraryId);
        // With it went the members only it introduced; the others may still list some of them.
        introductions.forgetWithdrawn(libraryId, gone.subList(1, gone.size()), "introduced by a removed member");
        introductions.announce(libraryId);
        introductions.refreshAll(libraryId);
        return true;
    }

    /** Issues an invite; {@code validFor} null means it never expires. */
    public Ticket invite(String libraryId, Duration validFor) throws IOException {
        Library l = libraries.get(libraryId).orElseThrow(() -> new NoSuchLibraryException(libraryId));
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Long expires = validFor == null ? null : clock.millis() + validFor.toMillis();
        Invite inv = libraries.createInvite(l.id(), secret, expires, clock.millis());
        return new Ticket(l.name(), l.id(), l.filter(), inv.id(), java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                peers.localId().toString(), peers.advertisedAddresses(), expires,
                Library.ASSETS.equals(l.kind()) ? null : l.kind());
    }

    /**
     * Joins the library a ticket invites to: connects to the inviter (pinned to the id in the ticket), proves the
     * capability, records the library and the inviter as a member, and starts pulling.
     */
    public Library join(Ticket ticket) throws IOException {
        return join(ticket, null);
    }

    /** Joins; {@code folderPath} is this node's directory for a folder library (null for an asset library). */
    public Library join(Ticket ticket, java.nio.file.Path folderPath) throws IOException {
        boolean folder = Library.FOLDER.equals(ticket.kindOrAssets());
        if (folder && (folderPath == null || folders == null)) {
            throw new IllegalArgumentException("this ticket invites to a folder library: give the local path to keep it in");
        }
        if (!folder && folderPath != null) {
            throw new IllegalArgumentException("this ticket invites to an asset library, which has no local path");
        }
        if (folder) {
            folders.checkRoot(folderPath, ticket.libraryId());
        }
        PeerId inviter = PeerId.parse(ticket.inviter());
        if (inviter.equals(peers.localId())) {
            throw new JoinRefusedException("this ticket was issued by this node; use it on another one");
        }
        Optional<Library> existing = libraries.get(ticket.libraryId());
        if (existing.isPresent() && libraries.isMember(ticket.libraryId(), inviter.toString())) {
            // Already syncing with it (perhaps by introduction): the person's invite makes it a direct member.
            libraries.addMember(ticket.libraryId(), inviter.toString(), clock.millis());
            return existing.get();
        }
        if (ticket.expiresAt() != null && clock.millis() >= ticket.expiresAt()) {
            throw new JoinRefusedException("the ticket expired at " + java.time.Instant.ofEpochMilli(ticket.expiresAt()));
        }
        boolean knownBefore = peers.isKnown(inviter);
        PeerLink link = peers.connectKnown(inviter, ticket.addresses(), "invite");
        byte[] secret = java.util.Base64.getUrlDecoder().decode(ticket.secret());
        byte[] proof = Capability.proof(secret, ticket.libraryId(), Ticket.canonical(ticket.filter()), ticket.inviteId(),
                peers.localId().toString(), inviter.toString());
        Messages.JoinReply reply;
        try {
            byte[] request = Messages.encode(new Messages.JoinRequest(ticket.libraryId(), ticket.inviteId(), proof));
            PeerLink.Reply r;
            for (int attempt = 1; ; attempt++) {
                try {
                    r = link.request("library.join", request).get(30, TimeUnit.SECONDS);
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    // When both nodes dial each other at once, one of the two links is closed as a duplicate, and the
                    // request may have gone out on that one: ask again on the link that stays (admission is idempotent).
                    if (!(e.getCause() instanceof dev.ferry.peer.LinkClosedException) || attempt == 3) {
                        throw e;
                    }
                    try {
                        link = peers.connectKnown(inviter, ticket.addresses(), "invite");
                    } catch (IOException unreachable) {
                        if (!knownBefore) {
                            peers.forget(inviter); // it proved nothing to us either: back to a stranger
                        }
                        throw new IOException("join failed: the link to the inviter closed and it cannot be reached again: "
                                + unreachable.getMessage());
                    }
                }
            }
            reply = Messages.decode(r.body(), Messages.JoinReply.class);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!knownBefore) {
                peers.forget(inviter); // it proved nothing to us either: back to a stranger
            }
            throw new JoinRefusedException("the inviter refused the ticket: " + e.getCause().getMessage());
        } catch (Messages.BadRequest | java.util.concurrent.TimeoutException e) {
            throw new IOException("join failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while joining");
        }
        if (!ticket.libraryId().equals(reply.id()) || !ticket.kindOrAssets().equals(reply.kind())
                || !ticket.filter().equals(reply.filter())) {
            throw new JoinRefusedException("the inviter answered with another library, kind or filter than the ticket shows");
        }
        Library l;
        if (folder) {
            l = folders.adopt(reply.id(), reply.name(), folderPath, clock.millis());
        } else {
            l = existing.isPresent() ? existing.get()
                    : libraries.create(reply.id(), reply.name(), reply.kind(), reply.filter(), clock.millis());
        }
        libraries.addMember(l.id(), inviter.toString(), clock.millis());
        log.info("joined library {} \"{}\" from peer {}", l.id(), l.name(), inviter.shortForm());
        introductions.refresh(l.id(), link);
        if (!folder) {
            awaitOutbound(() -> index(l));
        }
        requestPull(l.id(), link);
        return libraries.get(l.id()).orElseThrow();
    }

    private Messages.JoinReply admit(PeerLink link, Messages.JoinRequest req) throws IOException, JoinRefusedException {
        // Every refusal says the same thing, so a peer without the capability learns nothing, not even existence.
        JoinRefusedException refused = new JoinRefusedException("no such library or invite");
        Optional<Invite> invite = libraries.invite(req.inviteId());
        if (invite.isEmpty() || !invite.get().libraryId().equals(req.libraryId()) || !invite.get().usableAt(clock.millis())) {
            throw refused;
        }
        Library lib = libraries.get(req.libraryId()).orElseThrow(() -> refused);
        byte[] expected = Capability.proof(invite.get().secret(), req.libraryId(), Ticket.canonical(lib.filter()),
                req.inviteId(), link.remoteId().toString(), peers.localId().toString());
        if (!Capability.verify(expected, req.proof())) {
            throw refused;
        }
        Library l = libraries.get(req.libraryId()).orElseThrow(() -> refused);
        libraries.addMember(l.id(), link.remoteId().toString(), clock.millis());
        peers.trust(link.remoteId(), listenAddresses(link), "invite");
        // No pull from the joiner yet: it records the library only on our answer, then indexes and notifies us.
        log.info("peer {} joined library {} \"{}\"", link.remoteId().shortForm(), l.id(), l.name());
        introductions.announce(l.id());
        return new Messages.JoinReply(l.id(), l.name(), l.kind(), l.filter(), l.revision());
    }

    private static List<String> listenAddresses(PeerLink link) {
        List<String> out = new ArrayList<>();
        for (String a : link.remoteHello().listenAddrs()) {
            out.add(a);
        }
        return out;
    }

    // ---- outbound: store changes become entries --------------------------------------------------------

    /**
     * Indexes the store changes that queued up meanwhile as one batch: one commit per library and one notice per member
     * for all of them, where one each per asset made a burst of ingests cost a commit, a notice and the member's pull
     * per asset. Waits for nothing: a lone change is a batch of one, indexed at once. Every change queues a run of
     * this, so however many changes wait, enough runs follow them (most find the queue empty).
     */
    private void indexPendingChanges() {
        List<Asset> batch = new ArrayList<>();
        for (Asset a; batch.size() < PAGE && (a = pendingChanges.poll()) != null; ) {
            batch.add(a);
        }
        if (batch.isEmpty()) {
            return; // an earlier run took these changes with its own
        }
        List<Library> all;
        try {
            all = libraries.all();
        } catch (IOException ex) {
            log.warn("could not index {} store changes: {}", batch.size(), ex.getMessage());
            return;
        }
        for (Library l : all) {
            if (!Library.ASSETS.equals(l.kind())) {
                continue;
            }
            try {
                apply(l, batch);
            } catch (IOException ex) {
                // Nothing of the batch was committed (apply fails only before its commit): one bad change must not
                // cost the others, so they are indexed one at a time.
                int failed = 0;
                String first = null;
                for (Asset a : batch) {
                    try {
                        apply(l, List.of(a));
                    } catch (IOException one) {
                        failed++;
                        first = first != null ? first : a.hash() + ": " + one.getMessage();
                    }
                }
                if (failed > 0) {
                    log.warn("could not index {} of {} store changes in library {} (first: {}); the reconcile retries",
                            failed, batch.size(), l.id(), first);
                }
            }
        }
    }

    /**
     * Adds every stored asset that matches the library's filter, and turns into tombstones the entries whose asset
     * was deleted while this engine was not watching (a {@code ferry sync} that was stopped). Idempotent.
     */
    private void index(Library l) {
        try {
            long offset = 0;
            while (true) {
                AssetStore.Page page = store.list(l.filter(), PAGE, offset);
                apply(l, page.items());
                if (page.items().size() < PAGE) {
                    break;
                }
                offset += PAGE;
            }
            long after = 0;
            while (true) {
                List<Entry> entries = libraries.changesSince(l.id(), after, PAGE);
                List<Asset> deleted = new ArrayList<>();
                for (Entry e : entries) {
                    if (!e.deleted()) {
                        Optional<Asset> a = store.get(e.hash());
                        if (a.isPresent() && a.get().deleted()) {
                            deleted.add(a.get());
                        }
                    }
                }
                apply(l, deleted);
                if (entries.size() < PAGE) {
                    break;
                }
                after = entries.get(entries.size() - 1).rev();
            }
        } catch (IOException ex) {
            log.warn("could not index library {}: {}", l.id(), ex.getMessage());
        }
    }

    /**
     * Records the assets' states in the library, in order and in one commit: a live asset if it matches the filter, a
     * deleted one if the library holds it (see {@link LibraryStore#putAll}); then tells the members the new revision.
     * Throws only when nothing was committed.
     */
    private void apply(Library l, List<Asset> assets) throws IOException {
        List<Entry> states = new ArrayList<>();
        for (Asset a : assets) {
            if (a.deleted() || l.filter().matches(a)) {
                states.add(entryOf(a));
            }
        }
        if (states.isEmpty()) {
            return;
        }
        List<Entry> changed = libraries.putAll(l.id(), states);
        if (changed.isEmpty()) {
            return;
        }
        // A member that sent every one of these assets has them already and needs no notice.
        java.util.Set<String> sources = new java.util.HashSet<>();
        for (Entry e : changed) {
            sources.add(fetcher.takeSource(e.hash()));
        }
        String except = sources.size() == 1 ? sources.iterator().next() : null;
        try {
            notifyMembers(l.id(), changed.get(changed.size() - 1).rev(), except);
        } catch (IOException ex) {
            // Committed already, so not the caller's to retry: members learn the revision at their next pull.
            log.warn("could not tell the members of library {} about revision {}: {}", l.id(),
                    changed.get(changed.size() - 1).rev(), ex.getMessage());
        }
    }

    static Asset assetOf(Entry e) {
        return new Asset(e.hash(), e.size(), e.mimeType(), e.application(), e.tags(), e.user(), e.fileName(), e.createdAt(),
                0, e.changedAt(), 0, null);
    }

    static Entry entryOf(Asset a) {
        return new Entry(a.hash(), a.size(), a.mimeType(), a.application(), a.tags(), a.user(), a.fileName(), a.createdAt(),
                a.deleted(), a.deleted() ? a.deletedAt() : a.updatedAt(), 0);
    }

    /** Tells connected members the library's new revision; {@code except}, the member the change came from, is skipped. */
    private void notifyMembers(String libraryId, long revision, String except) throws IOException {
        byte[] body = Messages.encode(new Messages.Notify(libraryId, revision));
        for (var m : libraries.members(libraryId)) {
            if (m.peerId().equals(except)) {
                continue;
            }
            peers.link(PeerId.parse(m.peerId())).ifPresent(link -> link.request("library.notify", body));
        }
    }

    private void awaitOutbound(Runnable task) throws IOException {
        try {
            outbound.submit(task).get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IOException("indexing failed: " + e.getMessage(), e);
        }
    }

    // ---- inbound: pulling members' changes -------------------------------------------------------------

    private List<LibraryState> statesFor(PeerId peer) {
        try {
            List<LibraryState> out = new ArrayList<>();
            for (Library l : libraries.sharedWith(peer.toString())) {
                out.add(isFolder(l.id()) ? folders.state(l.id()) : new LibraryState(l.id(), l.revision(), l.digest()));
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    private void onLinkOpen(PeerLink link) {
        try {
            Map<String, LibraryState> theirs = new java.util.HashMap<>();
            for (LibraryState s : link.remoteHello().libraries()) {
                theirs.put(s.id(), s);
            }
            for (Library l : libraries.sharedWith(link.remoteId().toString())) {
                introductions.refresh(l.id(), link);
                LibraryState told = link.sentLibraries().stream().filter(x -> x.id().equals(l.id())).findFirst().orElse(null);
                long now = isFolder(l.id()) ? folders.state(l.id()).revision() : l.revision();
                if (told == null || told.revision() != now) {
                    // The peer became a member here after our Hello was made (an introduction that raced the link):
                    // its Hello-time pull from us was refused. Or the library changed after our Hello was made, and
                    // the notice of that change went out on another link to the peer, which was closed as a duplicate
                    // of this one (both nodes dialled at once): the peer compared its index with our stale Hello and
                    // saw nothing to pull. Either way, tell it to pull now.
                    tellRevision(l.id(), link);
                }
                LibraryState s = theirs.get(l.id());
                if (isFolder(l.id())) {
                    folders.linkOpened(link, s, l.id());
                    continue;
                }
                if (s == null || !java.util.Arrays.equals(s.digest(), l.digest())
                        || s.revision() != libraries.cursor(l.id(), link.remoteId().toString())) {
                    requestPull(l.id(), link);
                }
            }
            fetcher.wake();
        } catch (IOException e) {
            log.warn("after connecting to {}: {}", link.remoteId().shortForm(), e.getMessage());
        }
    }

    /**
     * A linked peer became a member of the library (introduced): its Hello did not list the library, so pull from it
     * and tell it our revision, which makes it pull from us as soon as it counts us a member too.
     */
    private void memberReachable(String libraryId, PeerLink link) {
        requestPull(libraryId, link);
        tellRevision(libraryId, link);
    }

    /** Sends the peer {@code library.notify} with this node's revision of the library, so that it pulls from us. */
    private void tellRevision(String libraryId, PeerLink link) {
        long revision;
        try {
            revision = isFolder(libraryId) ? folders.state(libraryId).revision()
                    : libraries.get(libraryId).map(Library::revision).orElse(0L);
        } catch (IOException e) {
            revision = 0;
        }
        link.request("library.notify", Messages.encode(new Messages.Notify(libraryId, revision)));
    }

    void requestPull(String libraryId, PeerLink link) {
        if (isFolder(libraryId)) {
            folders.requestPull(libraryId, link);
            return;
        }
        pullRunner.request(libraryId, link);
    }

    private void pull(String libraryId, PeerLink link) throws Exception {
        String peer = link.remoteId().toString();
        if (libraries.get(libraryId).isEmpty() || !libraries.isMember(libraryId, peer)) {
            return;
        }
        long behind = remoteRevision(libraryId, link) - libraries.cursor(libraryId, peer);
        if (behind > CAR_THRESHOLD) {
            catchUpByCar(libraryId, link);
        }
        boolean more = true;
        boolean reset = false;
        while (more && link.isOpen()) {
            long since = libraries.cursor(libraryId, peer);
            PeerLink.Reply r = link.request("library.changes",
                    Messages.encode(new Messages.ChangesRequest(libraryId, since, PAGE))).get(60, TimeUnit.SECONDS);
            Messages.ChangesReply reply = Messages.decode(r.body(), Messages.ChangesReply.class);
            if (reply.revision() < since) {
                if (reset) {
                    throw new IOException("peer " + link.remoteId().shortForm() + " keeps answering revisions below our cursor");
                }
                reset = true;
                // The member's index is older than what we applied from it: it was reset. Start over from a snapshot.
                log.info("peer {} reset its index of library {} (revision {} < {}); taking a snapshot",
                        link.remoteId().shortForm(), libraryId, reply.revision(), since);
                libraries.setCursor(libraryId, peer, 0);
                continue;
            }
            long last = since;
            // Queued after the loop, in the cursor's commit. A page names each asset once; should one name an asset
            // again, its last entry decides, as if each had been queued (or its delete applied) as it came.
            Map<String, Entry> missing = new LinkedHashMap<>();
            for (Entry e : reply.entries()) {
                if (e.rev() <= since) {
                    continue; // not newer: ignore (deltas are idempotent)
                }
                Entry lacking = applyRemote(libraryId, e, peer, true);
                if (lacking != null) {
                    missing.put(e.hash(), lacking);
                } else {
                    missing.remove(e.hash());
                }
                last = Math.max(last, e.rev());
            }
            more = reply.more();
            if (more && reply.entries().isEmpty()) {
                throw new IOException("peer " + link.remoteId().shortForm() + " says more entries follow but sent none");
            }
            long cursor = more ? last : Math.max(last, reply.revision());
            libraries.addMissingAndSetCursor(libraryId, List.copyOf(missing.values()), peer, cursor);
        }
        fetcher.wake();
    }

    private long remoteRevision(String libraryId, PeerLink link) throws Exception {
        PeerLink.Reply r = link.request("library.changes",
                Messages.encode(new Messages.ChangesRequest(libraryId, Long.MAX_VALUE - 1, 1))).get(60, TimeUnit.SECONDS);
        return Messages.decode(r.body(), Messages.ChangesReply.class).revision();
    }

    /**
     * The repository-sync exchange: asks the member for everything since our cursor as one stream (status byte, then
     * a CAR), stores what is new, applies its tombstones, and moves the cursor to the archive's revision.
     */
    private void catchUpByCar(String libraryId, PeerLink link) throws Exception {
        String peer = link.remoteId().toString();
        long since = libraries.cursor(libraryId, peer);
        PeerLink.Reply r = link.request("library.car", Messages.encode(new Messages.CarRequest(libraryId, since)))
                .get(30, TimeUnit.SECONDS);
        try (InputStream in = new LimitedInputStream(r.stream(), CAR_MAX_RESPONSE)) {
            int status = in.read();
            if (status != CAR_OK) {
                throw new IOException("catch-up by CAR refused by " + link.remoteId().shortForm() + " (status " + status + ")");
            }
            // An asset our index holds as deleted stays deleted: the archive carries no change times to say otherwise.
            CarTransfer.Imported got = cars.importCar(in, libraryId, e -> {
                try {
                    return libraries.entry(libraryId, e.hash()).map(mine -> !mine.deleted()).orElse(true);
                } catch (IOException ex) {
                    return false;
                }
            });
            for (Entry e : got.entries()) {
                if (e.deleted()) {
                    applyRemote(libraryId, e.withChangedAt(clock.millis()), peer, false);
                }
            }
            libraries.setCursor(libraryId, peer, got.revision());
            log.info("caught up with library {} from {} by CAR: {} new, {} already here, {} deleted (revision {} to {})",
                    libraryId, link.remoteId().shortForm(), got.added(), got.present(), got.deleted(), since, got.revision());
        }
    }

    /**
     * Applies one entry received from {@code peer}; returns the entry (its change time kept from running ahead of this
     * clock) when its asset is one this node lacks, for the caller to queue
     * ({@link LibraryStore#addMissingAndSetCursor}), else null.
     * {@code timed}: the entry carries the time its state arose on the
     * peer; false for a tombstone from a CAR catch-up, which only says the asset is gone there, not since when.
     */
    private Entry applyRemote(String libraryId, Entry received, String peer, boolean timed) throws IOException {
        // A peer's clock may run ahead: a change time from the future would win every later conflict.
        long skewLimit = clock.millis() + Duration.ofMinutes(5).toMillis();
        Entry e = received.changedAt() > skewLimit ? received.withChangedAt(skewLimit) : received;
        if (e.deleted()) {
            // First the library learns of the delete (its queued fetch dropped, unless added again after the delete;
            // a tombstone kept if it never held the asset) and a fetch under way is told, then the store is looked at:
            // a fetch that ends before the fetcher is told leaves its copy for the store check below to delete, one
            // that ends after undoes its own copy. What the index held is read first: the tombstone kept now must not
            // hide that the store took the asset before the index did (see belongsTo).
            Optional<Entry> mine = libraries.entry(libraryId, e.hash());
            boolean dropped = timed ? libraries.remoteDelete(libraryId, e)
                    : libraries.notNeeded(libraryId, e.hash(), e.changedAt()); // a CAR's tombstone says not since when
            if (dropped) {
                fetcher.deletedWhileFetching(e.hash(), e.changedAt());
            }
            Optional<Asset> local = store.get(e.hash());
            boolean newerHere = local.isPresent() && !local.get().deleted() && local.get().updatedAt() > e.changedAt();
            if (local.isPresent() && !local.get().deleted() && belongsTo(libraryId, mine, local.get(), timed) && !newerHere) {
                store.delete(e.hash()); // the store event turns our entry into a tombstone too
                log.info("deleted {} (deleted by peer {})", e.hash(), PeerId.parse(peer).shortForm());
            }
            return null;
        }
        Optional<Asset> local = store.get(e.hash());
        Optional<Entry> mine = libraries.entry(libraryId, e.hash());
        if (local.isPresent() && !local.get().deleted()) {
            Entry here = entryOf(local.get());
            boolean inThisLibrary = belongsTo(libraryId, mine, local.get(), timed);
            Optional<Library> lib = libraries.get(libraryId);
            if (inThisLibrary && lib.isPresent() && !here.sameState(e) && e.changedAt() > local.get().updatedAt()
                    && lib.get().filter().matches(assetOf(e))) {
                store.updateMetadata(e); // a member changed the metadata of an asset of this library after our version
            }
            return null;
        }
        return e; // unless we deleted it after that version, which the queue checks as it commits
    }

    /**
     * Whether a live asset of the store is in the library: its entry is live, or the store took the asset after
     * what the index holds (no entry, or a tombstone older than the asset's arrival) and it matches the library's
     * filter. The second is the moment between the store taking an asset (just fetched, or ingested) and
     * {@link #indexPendingChanges} indexing it; a peer's delete arriving then must still apply, or it would be lost for good
     * (this side's cursor has moved past it, and the entry indexed next would be live). Only for {@code timed}
     * entries: an untimed tombstone could be older than the local copy, which must then stay.
     */
    private boolean belongsTo(String libraryId, Optional<Entry> mine, Asset local, boolean timed) throws IOException {
        if (mine.isPresent() && !mine.get().deleted()) {
            return true;
        }
        boolean notIndexedYet = mine.isEmpty() || mine.get().changedAt() < local.ingestedAt();
        return timed && notIndexedYet && libraries.get(libraryId).map(l -> l.filter().matches(local)).orElse(false);
    }

    private void reconcileAll() {
        try {
            for (Library l : libraries.all()) {
                if (Library.ASSETS.equals(l.kind())) {
                    outbound.execute(() -> index(l));
                    int forgotten = libraries.forgetTombstones(l.id(), clock.millis() - TOMBSTONE_KEEP.toMillis());
                    if (forgotten > 0) {
                        log.info("library {}: forgot {} deletions older than {} days", l.id(), forgotten, TOMBSTONE_KEEP.toDays());
                    }
                }
                for (var m : libraries.members(l.id())) {
                    peers.link(PeerId.parse(m.peerId())).ifPresent(link -> requestPull(l.id(), link));
                }
                introductions.refreshAll(l.id()); // repairs a member list whose change notice was lost
            }
            fetcher.wake();
        } catch (IOException e) {
            log.warn("reconcile: {}", e.getMessage());
        }
    }

    // ---- serving members --------------------------------------------------------------------------------

    @Override
    public void handle(PeerLink link, String method, byte[] body, Responder r) throws Exception {
        try {
            switch (method) {
                case "library.join" -> {
                    try {
                        r.respond(0, Messages.encode(admit(link, Messages.decode(body, Messages.JoinRequest.class))));
                    } catch (JoinRefusedException e) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8(e.getMessage()));
                    }
                }
                case "library.changes" -> {
                    Messages.ChangesRequest req = Messages.decode(body, Messages.ChangesRequest.class);
                    Library l = memberLibrary(req.libraryId(), link);
                    if (l == null) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such library"));
                        return;
                    }
                    int limit = Math.max(1, Math.min(PAGE, req.limit()));
                    long revision = libraries.get(l.id()).map(Library::revision).orElse(0L);
                    List<Entry> entries = libraries.changesSince(l.id(), req.since(), limit);
                    boolean more = entries.size() == limit;
                    byte[] encoded = Messages.encode(new Messages.ChangesReply(entries, revision, more));
                    // A page must fit in one frame: halve it until it does (entries carry up to ~128 KiB of metadata).
                    while (encoded.length > PAGE_BYTES && entries.size() > 1) {
                        entries = entries.subList(0, entries.size() / 2);
                        more = true;
                        encoded = Messages.encode(new Messages.ChangesReply(entries, revision, true));
                    }
                    r.respond(0, encoded);
                }
                case "library.notify" -> {
                    Messages.Notify n = Messages.decode(body, Messages.Notify.class);
                    // Both kinds of library announce revisions this way.
                    if (refusedUnlessMember(n.libraryId(), link, r)) {
                        return;
                    }
                    r.respond(0, new byte[0]);
                    requestPull(n.libraryId(), link);
                }
                case "library.members" -> {
                    Messages.MembersRequest req = Messages.decode(body, Messages.MembersRequest.class);
                    if (refusedUnlessMember(req.libraryId(), link, r)) {
                        return;
                    }
                    r.respond(0, Messages.encode(introductions.list(req.libraryId(), link)));
                }
                case "library.members.changed" -> {
                    Messages.MembersRequest req = Messages.decode(body, Messages.MembersRequest.class);
                    if (refusedUnlessMember(req.libraryId(), link, r)) {
                        return;
                    }
                    r.respond(0, new byte[0]);
                    introductions.refresh(req.libraryId(), link);
                }
                case "library.car" -> {
                    if (body.length > CAR_MAX_REQUEST) {
                        r.stream(new byte[0], new java.io.ByteArrayInputStream(new byte[] {CAR_ERROR}));
                        return;
                    }
                    Messages.CarRequest req = Messages.decode(body, Messages.CarRequest.class);
                    Library l = memberLibrary(req.libraryId(), link);
                    if (l == null) {
                        r.stream(new byte[0], new java.io.ByteArrayInputStream(new byte[] {CAR_NOT_FOUND}));
                        return;
                    }
                    if (!carExports.tryAcquire()) {
                        r.stream(new byte[0], new java.io.ByteArrayInputStream(new byte[] {CAR_ERROR}));
                        return;
                    }
                    java.io.PipedInputStream in = new java.io.PipedInputStream(1 << 20);
                    java.io.PipedOutputStream out = new java.io.PipedOutputStream(in);
                    Thread.ofVirtual().name("car-export").start(() -> {
                        try (out) {
                            out.write(CAR_OK);
                            cars.export(l, req.since(), out);
                        } catch (IOException e) {
                            log.warn("CAR export of {} to {} stopped: {}", l.id(), link.remoteId().shortForm(), e.getMessage());
                        }
                    });
                    try (in) {
                        r.stream(new byte[0], in);
                    } finally {
                        carExports.release();
                    }
                }
                case "asset.get" -> {
                    Messages.AssetGet g = Messages.decode(body, Messages.AssetGet.class);
                    Library l = memberLibrary(g.libraryId(), link);
                    Optional<Entry> e = l == null ? Optional.empty() : libraries.entry(l.id(), g.hash());
                    Optional<Asset> a = e.isPresent() && !e.get().deleted() ? store.get(g.hash()) : Optional.empty();
                    if (a.isEmpty() || a.get().deleted()) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such asset"));
                        return;
                    }
                    InputStream in;
                    try {
                        in = store.open(g.hash());
                    } catch (NoSuchFileException ex) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such asset"));
                        return;
                    }
                    try (in) {
                        r.stream(new byte[0], in);
                    }
                }
                default -> {
                    if (method.startsWith("folder.") && folders != null) {
                        folders.handle(link, method, body, r);
                    } else {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no method " + method));
                    }
                }
            }
        } catch (Messages.BadRequest e) {
            r.respond(ErrorCode.PROTOCOL.code(), utf8(e.getMessage()));
        }
    }

    /** Answers "no such library" and returns true unless the peer is a member of the library (of either kind). */
    private boolean refusedUnlessMember(String libraryId, PeerLink link, Responder r) throws IOException {
        if (libraryId != null && libraries.isMember(libraryId, link.remoteId().toString())) {
            return false;
        }
        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such library"));
        return true;
    }

    /** The library if the peer is a member of it; null otherwise (indistinguishable from "no such library"). */
    private Library memberLibrary(String libraryId, PeerLink link) throws IOException {
        if (libraryId == null || !libraries.isMember(libraryId, link.remoteId().toString())) {
            return null;
        }
        // The asset methods know nothing of a folder library: to them it does not exist.
        return libraries.get(libraryId).filter(l -> Library.ASSETS.equals(l.kind())).orElse(null);
    }


    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- state for the API -----------------------------------------------------------------------------

    public Fetcher fetcher() {
        return fetcher;
    }

    public StoreAccess store() {
        return store;
    }

    @Override
    public void close() {
        running = false;
        pullRunner.close();
        introductions.close();
        reconcile.shutdownNow();
        if (folders != null) {
            folders.close();
        }
        fetcher.close();
        try {
            if (storeSubscription != null) {
                storeSubscription.close();
            }
        } catch (Exception ignored) {
            // closing anyway
        }
        store.close();
        outbound.shutdown();
        try {
            outbound.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A library id that is not known here. */
    public static final class NoSuchLibraryException extends IOException {
        public NoSuchLibraryException(String id) {
            super("no library with id " + id);
        }
    }

    /** The inviter (or this node, for an expired ticket) refused a join. */
    public static final class JoinRefusedException extends IOException {
        public JoinRefusedException(String message) {
            super(message);
        }
    }
}
