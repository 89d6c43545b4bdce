package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event ids are the store's sequence numbers ({@code since}, SSE ids): they rise by one per change, each event's
 * asset state names its own id, and an id is never given twice, across restarts and even when the newest events are
 * gone from the log (real SQLite).
 */
class StoreEventIdsTest {
    @TempDir
    Path dir;

    @Test
    void idsRiseByOneAndAreNeverReused() throws Exception {
        Path root = dir.resolve("store");
        try (AssetStore store = AssetStore.open(root, Long.MAX_VALUE, Clock.systemUTC())) {
            for (int i = 1; i <= 3; i++) {
                assertEquals(i, ingest(store, "asset " + i).seq());
            }
            List<StoreEvent> events = store.eventsAfter(0, 10);
            assertEquals(List.of(1L, 2L, 3L), events.stream().map(StoreEvent::id).toList());
            for (StoreEvent e : events) {
                assertEquals(e.id(), e.asset().seq(), "the logged state names its event");
            }
            assertEquals(3, store.latestSeq());
        }
        // The newest event leaves the log while the store is stopped: its id must still not come back.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + root.resolve("index.db"));
                java.sql.Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM events WHERE id = 3");
        }
        try (AssetStore store = AssetStore.open(root, Long.MAX_VALUE, Clock.systemUTC())) {
            assertEquals(3, store.latestSeq());
            Asset a = ingest(store, "asset 4");
            assertEquals(4, a.seq());
            assertEquals(4, store.eventsAfter(3, 10).get(0).asset().seq());
            assertEquals(a, store.get(a.hash()).orElseThrow());
        }
    }

    private static Asset ingest(AssetStore store, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (BlobWriter w = store.newWriter()) {
            w.write(bytes, 0, bytes.length);
            return store.commit(w, new AssetMetadata(null, "app", List.of(), null, null, null), StoreEvent.Type.INGEST, null).asset();
        }
    }
}
