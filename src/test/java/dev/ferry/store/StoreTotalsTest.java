package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.TestSeed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store keeps its live count, bytes and tombstones in memory; after any mix of ingests, re-ingests, metadata
 * changes and deletes they must equal what a freshly opened store counts in its table.
 */
class StoreTotalsTest {
    @TempDir
    Path dir;

    @Test
    void keptTotalsEqualARecountAfterRandomChanges() throws Exception {
        Random random = new Random(TestSeed.seed("StoreTotalsTest"));
        Path root = dir.resolve("store");
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            contents.add(("asset " + i + " ".repeat(random.nextInt(3000))).getBytes(StandardCharsets.UTF_8));
        }
        AssetStore store = AssetStore.open(root, Long.MAX_VALUE, Clock.systemUTC());
        try {
            store.stats(); // the totals are now kept in memory from here on
            for (int step = 0; step < 300; step++) {
                byte[] bytes = contents.get(random.nextInt(contents.size()));
                String hash = ContentHash.hex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
                switch (random.nextInt(3)) {
                    case 0 -> ingest(store, bytes, "app" + random.nextInt(3));
                    case 1 -> store.delete(hash);
                    default -> store.updateMetadata(hash, new AssetMetadata(null, "app" + random.nextInt(3), List.of(), null, null, null));
                }
                if (step % 50 == 49) {
                    AssetStore.Stats kept = store.stats();
                    assertEquals(liveRows(root), store.list(AssetFilter.ALL, 1, 0).total(), "list total at step " + step);
                    store.close();
                    store = AssetStore.open(root, Long.MAX_VALUE, Clock.systemUTC());
                    AssetStore.Stats counted = store.stats();
                    assertEquals(counted.assets(), kept.assets(), "live assets at step " + step);
                    assertEquals(counted.bytes(), kept.bytes(), "live bytes at step " + step);
                    assertEquals(counted.tombstones(), kept.tombstones(), "tombstones at step " + step);
                }
            }
        } finally {
            store.close();
        }
    }

    /** Live rows as another connection counts them in the index file. */
    private static long liveRows(Path root) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + root.resolve("index.db"));
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM assets WHERE deleted_at IS NULL")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void ingest(AssetStore store, byte[] bytes, String application) throws Exception {
        try (BlobWriter w = store.newWriter()) {
            w.write(bytes, 0, bytes.length);
            store.commit(w, new AssetMetadata(null, application, List.of(), null, null, null), StoreEvent.Type.INGEST, null);
        }
    }
}
