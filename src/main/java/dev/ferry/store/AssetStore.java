package dev.ferry.store;

import dev.ferry.events.EventBus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The content-addressed store (CAN Service, can-sync.txt): the public face of this package. Thread-safe.
 *
 * <p>An ingest is {@link #newWriter()}, write the bytes, {@link #commit}: the writer hashes while it writes a
 * temp file; commit fsyncs, renames it to its hash (or drops it when those bytes are already stored) and
 * records the asset. Changes of one hash exclude each other (its stripe of {@link #hashLocks}); changes of
 * different hashes run at once, so one blob's rename and directory fsync do not hold up another's. Every change
 * takes the next sequence number and is published on {@link #events()} by the index as it commits, in sequence
 * order with no gaps.
 */
public final class AssetStore implements AutoCloseable {
    /** Most tags one asset keeps. */
    public static final int MAX_TAGS = 256;
    private final BlobStore blobs;
    private final AssetIndex index;
    private final EventBus<StoreEvent> events = new EventBus<>();
    /**
     * Locks of hashes, striped: a commit, metadata change or delete holds its hash's lock from reading the row to
     * writing it, so the blob file and the row of one hash always change together.
     */
    private final ReentrantLock[] hashLocks = new ReentrantLock[64];
    private final Clock clock;
    private final long maxUploadBytes;
    private final int tempFilesRemoved;

    /** Opens (creating if needed) the store under {@code root}, removing temp files left by a crash. */
    public static AssetStore open(Path root, long maxUploadBytes, Clock clock) throws IOException {
        Files.createDirectories(root);
        try {
            return new AssetStore(root, maxUploadBytes, clock);
        } catch (SQLException e) {
            throw new IOException("cannot open the store index in " + root + ": " + e.getMessage(), e);
        }
    }

    private AssetStore(Path root, long maxUploadBytes, Clock clock) throws IOException, SQLException {
        for (int i = 0; i < hashLocks.length; i++) {
            hashLocks[i] = new ReentrantLock();
        }
        this.blobs = new BlobStore(root);
        this.tempFilesRemoved = blobs.cleanTemp();
        this.index = new AssetIndex(root.resolve("index.db"));
        this.clock = clock;
        this.maxUploadBytes = maxUploadBytes;
    }

    /** How many temp files of interrupted uploads the last open removed. */
    public int tempFilesRemovedAtOpen() {
        return tempFilesRemoved;
    }

    public EventBus<StoreEvent> events() {
        return events;
    }

    /** Starts an upload; close the writer (try-with-resources) whether or not it is committed. */
    public BlobWriter newWriter() throws IOException {
        return blobs.newWriter(maxUploadBytes);
    }

    /** The outcome of a commit: the asset's state, and whether anything changed (false: a duplicate). */
    public record Committed(Asset asset, boolean changed, boolean newContent) {}

    /**
     * Makes the written bytes an asset. For a push ({@code type == PUSH}) {@code expectedHash} is checked
     * and {@code meta.createdAt()} kept; the temp file is discarded on mismatch. New bytes get
     * {@code meta.changedAt()}, when given and not in the future, as their last change time ({@code updated_at}).
     */
    public Committed commit(BlobWriter writer, AssetMetadata meta, StoreEvent.Type type, String expectedHash)
            throws IOException {
        String hash = writer.finish();
        if (expectedHash != null && !expectedHash.equals(hash)) {
            throw new HashMismatchException(expectedHash, hash);
        }
        ReentrantLock lock = lockOf(hash);
        lock.lock();
        try {
            Optional<Asset> existing = index.get(hash);
            boolean live = existing.isPresent() && !existing.get().deleted();
            if (!live || !blobs.exists(hash)) {
                blobs.install(writer.tempPath(), hash);
                writer.installed();
            }
            long now = clock.millis();
            if (!live) {
                long created = meta.createdAt() != null ? meta.createdAt() : now;
                // Bytes fetched from a member keep the time their state arose there: stamped with the fetch's end,
                // they would look newer than a delete made on another member while they travelled, and outlive it.
                long changed = meta.changedAt() != null ? Math.min(meta.changedAt(), now) : now;
                String mime = meta.mimeType() != null ? meta.mimeType() : meta.defaultMimeType();
                Asset fresh = new Asset(hash, writer.size(), mime, meta.application(), dedupe(meta.tags()),
                        meta.user(), meta.fileName(), created, now, changed, 0, null);
                return new Committed(recordAndPublish(type, existing, fresh, now), true, true);
            }
            Asset old = existing.get();
            Asset merged = merge(old, meta, now);
            if (unchanged(old, merged, meta)) {
                return new Committed(old, false, false);
            }
            return new Committed(recordAndPublish(StoreEvent.Type.UPDATE, existing, merged, now), true, false);
        } catch (SQLException e) {
            throw new IOException("store index write failed for " + hash + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Merges metadata into a live asset without new bytes (as a re-ingest would); empty when the asset is not live.
     * Records an {@code update} change only if something changed (see {@link #unchanged}).
     */
    public Optional<Asset> updateMetadata(String hash, AssetMetadata meta) throws IOException {
        ReentrantLock lock = lockOf(hash);
        lock.lock();
        try {
            Optional<Asset> existing = index.get(hash);
            if (existing.isEmpty() || existing.get().deleted()) {
                return Optional.empty();
            }
            long now = clock.millis();
            Asset merged = merge(existing.get(), meta, now);
            if (unchanged(existing.get(), merged, meta)) {
                return existing;
            }
            return Optional.of(recordAndPublish(StoreEvent.Type.UPDATE, existing, merged, now));
        } catch (SQLException e) {
            throw new IOException("store index write failed for " + hash + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the given fields; tags are added to the existing ones, so handing an asset in again never loses a tag.
     * The change is dated now, or at {@code meta.changedAt()} when a member's change is applied (not before the last
     * change here, not in the future), for the reason {@link #commit} keeps it for new bytes.
     */
    private static Asset merge(Asset old, AssetMetadata meta, long now) {
        long changed = meta.changedAt() != null ? Math.max(old.updatedAt(), Math.min(meta.changedAt(), now)) : now;
        LinkedHashSet<String> tags = new LinkedHashSet<>(old.tags());
        for (String t : meta.tags()) {
            if (tags.size() >= MAX_TAGS) {
                break; // re-ingests add tags; an asset's metadata stays small enough to travel in one frame
            }
            tags.add(t);
        }
        return new Asset(old.hash(), old.size(), or(meta.mimeType(), old.mimeType()), or(meta.application(), old.application()),
                List.copyOf(tags), or(meta.user(), old.user()), or(meta.fileName(), old.fileName()),
                old.createdAt(), old.ingestedAt(), changed, old.seq(), null);
    }

    /**
     * Whether merging {@code meta} changed nothing worth recording: the same metadata, and for a member's change
     * (dated) the same time too. A member's later version with the same metadata (the asset deleted and added again
     * there) still moves the time, which a delete made between the two versions is weighed against.
     */
    private static boolean unchanged(Asset old, Asset merged, AssetMetadata meta) {
        return sameMetadata(old, merged) && (meta.changedAt() == null || merged.updatedAt() == old.updatedAt());
    }

    private static boolean sameMetadata(Asset a, Asset b) {
        return a.mimeType().equals(b.mimeType()) && Objects.equals(a.application(), b.application())
                && a.tags().equals(b.tags()) && Objects.equals(a.user(), b.user())
                && Objects.equals(a.fileName(), b.fileName());
    }

    private static String or(String given, String old) {
        return given != null ? given : old;
    }

    private static List<String> dedupe(List<String> tags) {
        return List.copyOf(new LinkedHashSet<>(tags));
    }

    /** Deletes an asset's bytes and leaves a tombstone; returns the tombstone, or empty when the hash is unknown. */
    public Optional<Asset> delete(String hash) throws IOException {
        ReentrantLock lock = lockOf(hash);
        lock.lock();
        try {
            Optional<Asset> existing = index.get(hash);
            if (existing.isEmpty() || existing.get().deleted()) {
                return existing;
            }
            Asset a = existing.get();
            long now = clock.millis();
            Asset tomb = new Asset(a.hash(), a.size(), a.mimeType(), a.application(), a.tags(), a.user(), a.fileName(),
                    a.createdAt(), a.ingestedAt(), now, a.seq(), now);
            Asset recorded = recordAndPublish(StoreEvent.Type.DELETE, existing, tomb, now);
            blobs.delete(hash);
            return Optional.of(recorded);
        } catch (SQLException e) {
            throw new IOException("store index write failed deleting " + hash + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** {@code before}: the row as read under the hash's lock, which every write of its row holds. */
    private Asset recordAndPublish(StoreEvent.Type type, Optional<Asset> before, Asset state, long now) throws SQLException {
        return index.record(type, before, state, now, events::publish).asset();
    }

    private ReentrantLock lockOf(String hash) {
        return hashLocks[Math.floorMod(hash.hashCode(), hashLocks.length)];
    }

    /** The asset's current state, tombstones included. */
    public Optional<Asset> get(String hash) throws IOException {
        try {
            return index.get(hash);
        } catch (SQLException e) {
            throw new IOException("store index read failed: " + e.getMessage(), e);
        }
    }

    /** Path of a live asset's bytes; read-only use. */
    public Path blobPath(String hash) {
        return blobs.path(hash);
    }

    public record Page(List<Asset> items, long total) {}

    public Page list(AssetFilter filter, int limit, long offset) throws IOException {
        try {
            AssetIndex.Page p = index.list(filter, limit, offset);
            return new Page(p.items(), p.total());
        } catch (SQLException e) {
            throw new IOException("store index read failed: " + e.getMessage(), e);
        }
    }

    /** Assets (live and deleted) changed after sequence number {@code since}, in sequence order. */
    public List<Asset> changedSince(AssetFilter filter, long since, int limit) throws IOException {
        try {
            return index.changedSince(filter, since, limit);
        } catch (SQLException e) {
            throw new IOException("store index read failed: " + e.getMessage(), e);
        }
    }

    /** Logged events after id {@code after}, in order: what a reconnecting subscriber missed. */
    public List<StoreEvent> eventsAfter(long after, int limit) throws IOException {
        try {
            return index.eventsAfter(after, limit);
        } catch (SQLException e) {
            throw new IOException("store index read failed: " + e.getMessage(), e);
        }
    }

    public long latestSeq() {
        return index.latestSeq();
    }

    public record Stats(long assets, long bytes, long tombstones, long latestSeq) {}

    public Stats stats() throws IOException {
        try {
            AssetIndex.Counts c = index.counts();
            return new Stats(c.assets(), c.bytes(), c.tombstones(), index.latestSeq());
        } catch (SQLException e) {
            throw new IOException("store index read failed: " + e.getMessage(), e);
        }
    }

    /** Waits for in-flight commits (taking every hash lock), then closes the index. */
    @Override
    public void close() throws IOException {
        int held = 0;
        try {
            for (ReentrantLock l : hashLocks) {
                l.lock();
                held++;
            }
            index.close();
        } catch (SQLException e) {
            throw new IOException("closing the store index: " + e.getMessage(), e);
        } finally {
            for (int i = held - 1; i >= 0; i--) {
                hashLocks[i].unlock();
            }
        }
    }
}
