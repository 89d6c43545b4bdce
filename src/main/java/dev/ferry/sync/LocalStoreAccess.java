package dev.ferry.sync;

import dev.ferry.io.DirectReader;
import dev.ferry.library.Entry;
import dev.ferry.store.Asset;
import dev.ferry.store.AssetFilter;
import dev.ferry.store.AssetMetadata;
import dev.ferry.store.AssetStore;
import dev.ferry.store.BlobWriter;
import dev.ferry.store.StoreEvent;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/** The store in this process: events from its bus, bytes from its blob files. */
public final class LocalStoreAccess implements StoreAccess {
    private final AssetStore store;

    public LocalStoreAccess(AssetStore store) {
        this.store = store;
    }

    @Override
    public AutoCloseable subscribe(Consumer<StoreEvent> listener) {
        return store.events().subscribe(listener);
    }

    @Override
    public AssetStore.Page list(AssetFilter filter, int limit, long offset) throws IOException {
        return store.list(filter, limit, offset);
    }

    @Override
    public Optional<Asset> get(String hash) throws IOException {
        return store.get(hash);
    }

    @Override
    public void delete(String hash) throws IOException {
        store.delete(hash);
    }

    @Override
    public InputStream open(String hash) throws IOException {
        // Large blobs were written past the page cache, so they are read past it too (small ones the ordinary way).
        return DirectReader.open(store.blobPath(hash));
    }

    @Override
    public boolean push(Entry e, InputStream bytes) throws IOException {
        try (BlobWriter w = store.newWriter()) {
            w.expectSize(e.size());
            bytes.transferTo(w);
            return store.commit(w, metadataOf(e), StoreEvent.Type.PUSH, e.hash()).newContent();
        }
    }

    /** A member's entry as metadata for the store, with the time its state arose there. */
    private static AssetMetadata metadataOf(Entry e) {
        return new AssetMetadata(e.mimeType(), e.application(), e.tags(), e.user(), e.fileName(), e.createdAt(),
                e.changedAt(), "application/octet-stream");
    }

    @Override
    public void updateMetadata(Entry e) throws IOException {
        store.updateMetadata(e.hash(), metadataOf(e));
    }

    @Override
    public AssetStore.Stats stats() throws IOException {
        return store.stats();
    }

    @Override
    public void close() {
        // the store belongs to the daemon, which closes it
    }
}
