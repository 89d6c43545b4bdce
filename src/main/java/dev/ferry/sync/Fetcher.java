package dev.ferry.sync;

import dev.ferry.library.Entry;
import dev.ferry.library.LibraryStore;
import dev.ferry.library.Missing;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerManager;
import dev.ferry.store.Asset;
import dev.ferry.store.HashMismatchException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works through the persisted queue of missing assets: fetches each from a connected member that has it (sources
 * are tried in random order, which spreads load when several have it), streams the bytes into the store, which
 * verifies the SHA-256 before the asset becomes visible, and keeps every metadata field. A transfer that fails or
 * whose bytes do not match is retried from another source, then later with exponential backoff; a source that sent
 * wrong bytes is logged and tried last. At most {@link #PARALLEL} transfers run at once. Thread-safe.
 */
public final class Fetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);
    static final int PARALLEL = 16;

    private final LibraryStore libraries;
    private final StoreAccess store;
    private final PeerManager peers;
    private final Clock clock;
    private final Semaphore wake = new Semaphore(0);
    private final Semaphore slots = new Semaphore(PARALLEL);
    /**
     * The assets being fetched, each with the time of the latest member's delete that dropped it from the queue while
     * it was being fetched ({@link Long#MIN_VALUE}: none). Such a fetch must undo its copy as it ends: see
     * {@link #deletedWhileFetching}.
     */
    private final ConcurrentHashMap<String, AtomicLong> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Transfer> transfers = new ConcurrentHashMap<>();
    /** Which member each just-fetched asset came from: that member needs no notice that we now have it too. */
    private final ConcurrentHashMap<String, String> fetchedFrom = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    /**
     * Whether the last look at the queue found as many due assets as it asked for (there may be more). Only then can a finished transfer's
     * free slot take one that is not known yet, so only then does a finished transfer make the loop look again (a
     * look reads and decodes up to {@link #LOOK} rows; one per transfer was 2-3% of a daemon's CPU in a burst of small
     * assets). New entries in the queue wake the loop through {@link #wake()}.
     */
    private volatile boolean backlog;
    static final int LOOK = 64;
    /** The longest wait before an asset is tried again (after 7 failed attempts in a row). */
    static final long LONGEST_BACKOFF = 60_000;
    /** The clock at the last look at the queue; a later reading below it means the clock went back. */
    private long lastLook = Long.MIN_VALUE;

    /** A transfer in progress, for {@code GET /libraries/{id}}. */
    public record Transfer(String hash, String libraryId, String peerId, long size, AtomicLong done) {}

    Fetcher(LibraryStore libraries, StoreAccess store, PeerManager peers, Clock clock) {
        this.libraries = libraries;
        this.store = store;
        this.peers = peers;
        this.clock = clock;
    }

    void start() {
        Thread.ofVirtual().name("fetcher").start(this::loop);
    }

    void wake() {
        wake.release();
    }

    /** The member an asset was just fetched from, once (then forgotten); null if it was not fetched here. */
    String takeSource(String hash) {
        return fetchedFrom.remove(hash);
    }

    public List<Transfer> transfers() {
        return List.copyOf(transfers.values());
    }

    private void loop() {
        while (running) {
            try {
                long now = clock.millis();
                if (lastLook == Long.MIN_VALUE || now < lastLook) {
                    // At start too: the clock may have gone back while the node was stopped.
                    int moved = libraries.undoBackoffBeyond(now, LONGEST_BACKOFF);
                    if (moved > 0) {
                        log.info("the clock went back: {} queued assets waiting longer than any backoff are due now", moved);
                    }
                }
                lastLook = now;
                List<Missing> due = libraries.missingDue(now, LOOK);
                backlog = due.size() == LOOK;
                for (Missing m : due) {
                    if (!running) {
                        return;
                    }
                    if (inFlight.containsKey(m.hash())) {
                        continue;
                    }
                    slots.acquire();
                    // Registered only now that it starts, and the row read again by the transfer: a delete that drops
                    // the row while it waited for a slot is seen by that read, a later one is told (deletedWhileFetching).
                    if (inFlight.putIfAbsent(m.hash(), new AtomicLong(Long.MIN_VALUE)) != null) {
                        slots.release();
                        continue;
                    }
                    Thread.ofVirtual().name("fetch-" + m.hash().substring(0, 8)).start(() -> {
                        try {
                            fetch(m.hash(), m.libraryId());
                        } finally {
                            inFlight.remove(m.hash());
                            slots.release();
                            if (backlog) {
                                wake.release();
                            }
                        }
                    });
                }
                wake.tryAcquire(due.isEmpty() ? 2000 : 200, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.warn("fetch queue: {}", e.getMessage());
                sleep(1000);
            }
        }
    }

    private void fetch(String hash, String libraryId) {
        Missing m;
        try {
            m = libraries.queued(hash, libraryId).orElse(null);
        } catch (IOException e) {
            log.warn("fetch queue: {}", e.getMessage());
            return;
        }
        if (m == null) {
            return; // dropped (a member deleted it) or fetched since the loop looked
        }
        List<String> sources = new ArrayList<>(m.sources());
        Collections.shuffle(sources);
        List<String> tampered = new ArrayList<>();
        for (String source : sources) {
            PeerLink link = peers.link(PeerId.parse(source)).orElse(null);
            if (link == null) {
                continue;
            }
            boolean pushed;
            try {
                pushed = fetchFrom(link, m);
            } catch (HashMismatchException e) {
                log.warn("peer {} sent bytes for {} that do not match: {}; discarded, trying another source",
                        link.remoteId().shortForm(), m.hash(), e.getMessage());
                tampered.add(source);
                continue;
            } catch (Exception e) {
                log.info("fetching {} from {} failed: {}", m.hash(), link.remoteId().shortForm(), e.getMessage());
                continue;
            }
            try {
                Optional<Entry> queued = libraries.fetched(m.hash(), m.libraryId());
                if (pushed) {
                    settle(m, queued);
                }
            } catch (IOException e) {
                // Queued still if the first failed: the next look finds the asset present and tries again.
                log.warn("fetched {} but could not settle it: {}", m.hash(), e.getMessage());
            }
            return;
        }
        // Nobody could give it now: try again later, tamperers last.
        List<String> order = new ArrayList<>(m.sources());
        order.removeAll(tampered);
        order.addAll(tampered);
        long delay = Math.min(LONGEST_BACKOFF, 500L << Math.min(7, m.attempts()));
        try {
            libraries.retryLater(m.hash(), m.libraryId(), clock.millis() + delay, order);
        } catch (IOException e) {
            log.warn("fetch queue: {}", e.getMessage());
        }
    }

    /**
     * A member's delete of the asset, made at {@code deletedAt}, dropped it from the queue while it was being fetched
     * (the caller calls this after its own library change, then looks at the store itself). If the fetch ends after
     * this call, it undoes its copy; if it ended before, the caller finds the copy in the store and deletes it. Either
     * way the delete is not lost to a fetch that finished after it.
     */
    void deletedWhileFetching(String hash, long deletedAt) {
        inFlight.computeIfPresent(hash, (h, latest) -> {
            latest.accumulateAndGet(deletedAt, Math::max);
            return latest;
        });
    }

    /**
     * What members did while this fetch's bytes travelled, {@code queued} being what the library has queued for the
     * asset now. Not queued any more: a member's delete at or after the fetched version dropped it, and the copy goes
     * again, unless the store's asset changed after that delete (ingested here meanwhile), which must stay. Queued
     * with a newer version: a member changed the asset meanwhile, and the copy takes that version's metadata and
     * time, as a pull would have applied it to a copy already here.
     */
    private void settle(Missing m, Optional<Entry> queued) throws IOException {
        long deletedAt = inFlight.get(m.hash()).get();
        if (queued.isEmpty() && deletedAt >= m.entry().changedAt()) {
            Optional<Asset> here = store.get(m.hash());
            if (here.isPresent() && !here.get().deleted() && here.get().updatedAt() <= deletedAt) {
                store.delete(m.hash());
                log.info("deleted {} again: a member deleted it from library {} while it was being fetched", m.hash(),
                        m.libraryId());
            }
        } else if (queued.isPresent() && queued.get().changedAt() > m.entry().changedAt()
                && libraries.get(m.libraryId()).map(l -> l.filter().matches(SyncEngine.assetOf(queued.get()))).orElse(false)) {
            store.updateMetadata(queued.get());
        }
    }

    /**
     * True when this transfer put the asset in the store; false when it was there already (arrived meanwhile, before
     * the transfer or while its bytes travelled: then it is someone else's, and {@link #settle} must not undo it).
     */
    private boolean fetchFrom(PeerLink link, Missing m) throws Exception {
        var existing = store.get(m.hash());
        if (existing.isPresent() && !existing.get().deleted()) {
            return false;
        }
        Entry e = m.entry();
        PeerLink.Reply reply = link.request("asset.get", Messages.encode(new Messages.AssetGet(m.libraryId(), m.hash())))
                .get(60, TimeUnit.SECONDS);
        Transfer t = new Transfer(m.hash(), m.libraryId(), link.remoteId().toString(), e.size(), new AtomicLong());
        transfers.put(m.hash(), t);
        if (fetchedFrom.size() > 10_000) {
            fetchedFrom.clear(); // only an optimisation: forgetting costs one needless notice each
        }
        fetchedFrom.put(m.hash(), link.remoteId().toString());
        try (InputStream in = reply.stream() != null ? reply.stream() : InputStream.nullInputStream()) {
            return store.push(e, new ProgressStream(in, t.done()));
        } catch (IOException | RuntimeException ex) {
            fetchedFrom.remove(m.hash());
            throw ex;
        } finally {
            transfers.remove(m.hash());
        }
    }

    /**
     * Counts the bytes of a transfer as the store takes them (for {@code GET /libraries/{id}}), however it takes them:
     * by reads, or by {@code transferTo}, where the link's stream hands over whole Data payloads without a copy.
     */
    private static final class ProgressStream extends java.io.FilterInputStream {
        private final AtomicLong done;

        ProgressStream(InputStream in, AtomicLong done) {
            super(in);
            this.done = done;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                done.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                done.addAndGet(n);
            }
            return n;
        }

        @Override
        public long transferTo(java.io.OutputStream out) throws IOException {
            return in.transferTo(new java.io.FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    done.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    done.addAndGet(len);
                }
            });
        }
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
        wake.release();
    }
}
