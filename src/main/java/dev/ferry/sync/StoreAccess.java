package dev.ferry.sync;

import dev.ferry.library.Entry;
import dev.ferry.store.Asset;
import dev.ferry.store.AssetFilter;
import dev.ferry.store.AssetStore;
import dev.ferry.store.StoreEvent;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the sync engine needs from a content-addressed store. Two implementations: {@link LocalStoreAccess}, the
 * store in this process ({@code ferry start}), and {@link RemoteStoreAccess}, a store reached only through its
 * public HTTP API ({@code ferry sync} beside {@code ferry store}, as can-sync.txt runs CAN Sync beside CAN
 * Service). Implementations are thread-safe.
 */
public interface StoreAccess extends AutoCloseable {
    /** Delivers every store change, in order, to {@code listener} (which must not block for long). */
    AutoCloseable subscribe(Consumer<StoreEvent> listener) throws IOException;

    AssetStore.Page list(AssetFilter filter, int limit, long offset) throws IOException;

    /** The asset's state; a deleted one is returned with {@code deletedAt} set. */
    Optional<Asset> get(String hash) throws IOException;

    void delete(String hash) throws IOException;

    /** The asset's bytes; the caller closes the stream. */
    InputStream open(String hash) throws IOException;

    /**
     * Ingests bytes with the entry's metadata and change time preserved; the store verifies they hash to
     * {@code entry.hash()} before anything becomes visible and throws {@link dev.ferry.store.HashMismatchException}
     * if not. Returns true when the bytes were new to the store, false when it held the asset live already (then
     * only the metadata was merged).
     */
    boolean push(Entry entry, InputStream bytes) throws IOException;

    /** Merges the entry's metadata into the live asset of the same hash (a member changed it). */
    void updateMetadata(Entry entry) throws IOException;

    /** A one-line health summary, or an exception if the store cannot be reached. */
    AssetStore.Stats stats() throws IOException;

    @Override
    void close();
}
