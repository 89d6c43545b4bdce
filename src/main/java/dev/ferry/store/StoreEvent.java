package dev.ferry.store;

/**
 * One change to the store, as logged and published. {@code id} is the store's sequence number: strictly
 * increasing, never reused, the value {@code since} and {@code Last-Event-ID} refer to. {@code asset} is the
 * asset's state right after the change.
 */
public record StoreEvent(long id, Type type, long at, Asset asset) {

    public enum Type {
        /** New bytes arrived through {@code /ingest}. */
        INGEST,
        /** New bytes arrived through {@code /sync/push} (a sync agent) with their metadata preserved. */
        PUSH,
        /** Known bytes were handed in again with new metadata. */
        UPDATE,
        /** The asset was deleted; a tombstone remains. */
        DELETE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
