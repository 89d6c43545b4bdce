package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that wait while another is being committed are written together, in one transaction (real SQLite): each
 * caller still gets its own event, ids stay gapless and in publish order, and a record that cannot be written fails
 * only its own caller.
 */
class GroupCommitTest {
    @TempDir
    Path dir;

    private final List<Long> published = new CopyOnWriteArrayList<>();

    @Test
    void recordsThatWaitShareOneCommit() throws Exception {
        try (AssetIndex index = new AssetIndex(dir.resolve("index.db"))) {
            List<Object> outcomes = recordWhileHeld(index, List.of(asset(1), asset(2), asset(3), asset(4), asset(5)));
            assertEquals(1, index.commits(), "five waiting records, one transaction");
            List<Long> ids = outcomes.stream().map(o -> ((StoreEvent) o).id()).sorted().toList();
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids);
            assertEquals(ids, published, "published once each, in id order");
            for (Object o : outcomes) {
                StoreEvent e = (StoreEvent) o;
                assertEquals(e.asset(), index.get(e.asset().hash()).orElseThrow());
                assertEquals(e.id(), e.asset().seq());
            }
            assertEquals(new AssetIndex.Counts(5, 5 * 100, 0), index.counts());
        }
    }

    @Test
    void aRecordThatFailsFailsOnlyItsCaller() throws Exception {
        try (AssetIndex index = new AssetIndex(dir.resolve("index.db"))) {
            Asset bad = new Asset(hash(3), 100, null, "app", List.of(), null, null, 1, 1, 1, 0, null); // mime_type NOT NULL
            List<Object> outcomes = recordWhileHeld(index, List.of(asset(1), asset(2), bad, asset(4)));
            assertInstanceOf(SQLException.class, outcomes.get(2));
            List<Long> ids = new ArrayList<>();
            for (int i : new int[] {0, 1, 3}) {
                StoreEvent e = (StoreEvent) outcomes.get(i);
                ids.add(e.id());
                assertEquals(e.asset(), index.get(e.asset().hash()).orElseThrow());
            }
            assertEquals(List.of(1L, 2L, 3L), ids.stream().sorted().toList(), "no id lost to the failed record");
            assertEquals(published, ids.stream().sorted().toList());
            assertTrue(index.get(hash(3)).isEmpty(), "nothing of the failed record is kept");
            assertEquals(new AssetIndex.Counts(3, 3 * 100, 0), index.counts());
            StoreEvent next = index.record(StoreEvent.Type.INGEST, Optional.empty(), asset(5), 5, e -> { });
            assertEquals(4, next.id());
        }
    }

    /**
     * Starts one thread per asset while this thread holds the index's monitor, waits until every record is queued,
     * lets go; returns each thread's event or exception, in the order of {@code assets}.
     */
    private List<Object> recordWhileHeld(AssetIndex index, List<Asset> assets) throws Exception {
        Object[] outcomes = new Object[assets.size()];
        List<Thread> threads = new ArrayList<>();
        synchronized (index) {
            for (int i = 0; i < assets.size(); i++) {
                int n = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        outcomes[n] = index.record(StoreEvent.Type.INGEST, Optional.empty(), assets.get(n), 1000 + n,
                                e -> published.add(e.id()));
                    } catch (Exception e) {
                        outcomes[n] = e;
                    }
                }));
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (index.waiting() < assets.size()) {
                assertTrue(System.nanoTime() < deadline, "the records were never queued");
                Thread.sleep(1);
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        return List.of(outcomes);
    }

    private static Asset asset(int n) {
        return new Asset(hash(n), 100, "application/octet-stream", "app", List.of("t" + n), null, "f" + n, n, n, n, 0, null);
    }

    private static String hash(int n) {
        return String.format("%064x", n);
    }
}
