package dev.ferry.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.AssetFilter;
import dev.ferry.testing.TestSeed;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library's counts (live assets, their bytes, tombstones) are kept in step with its entries instead of counted on
 * every call: after any seeded mix of adds, metadata changes, deletes, re-adds, members' deletes and forgotten
 * tombstones they equal both a model of the entries and a count made from scratch by a store that opens the same
 * database (real SQLite).
 */
class LibraryCountsTest {
    @TempDir
    Path dir;

    private static Entry entry(int asset, int size, int version, boolean deleted, long changedAt) {
        return new Entry(String.format("%064x", asset), size, "text/plain", null, List.of("v" + version), null,
                "f" + asset, 1, deleted, changedAt, 0);
    }

    @Test
    void countsFollowEveryChangeAndEqualAFreshCount() throws Exception {
        long seed = TestSeed.seed("LibraryCountsTest");
        Random rnd = new Random(seed);
        Path db = dir.resolve("libraries.db");
        Map<String, Entry> model = new HashMap<>();
        Set<String> seen = new HashSet<>(); // the kinds of change the seed produced, so that a weak seed shows
        String id;
        try (LibraryStore store = new LibraryStore(db)) {
            id = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1).id();
            Library other = store.create(null, "other", Library.ASSETS, AssetFilter.ALL, 1);
            store.putAll(other.id(), List.of(entry(1, 1000, 0, false, 1)));
            assertEquals(new LibraryStore.Counts(1, 1000, 0), store.counts(other.id()));
            int firstLook = 1 + rnd.nextInt(20); // the counts are first asked for part-way: counted once, then kept
            for (int round = 0; round < 60; round++) {
                List<Entry> batch = new ArrayList<>();
                for (int i = rnd.nextInt(8); i >= 0; i--) {
                    // Few assets and many changes: sizes change, live assets are deleted, tombstones come back to life,
                    // and deletes name assets the library never held.
                    Entry e = entry(rnd.nextInt(25), 1 + rnd.nextInt(5000), rnd.nextInt(3), rnd.nextInt(3) == 0,
                            1000L * round + i);
                    batch.add(e);
                    Entry old = model.get(e.hash());
                    boolean live = old != null && !old.deleted();
                    if (!(e.deleted() && !live)) {
                        model.put(e.hash(), e);
                        seen.add((old == null ? "none" : old.deleted() ? "deleted" : "live") + ">" + (e.deleted() ? "deleted" : "live"));
                    }
                }
                store.putAll(id, batch);
                if (rnd.nextBoolean()) {
                    // A member's delete: kept as a tombstone only for an asset the library holds nothing of. Assets
                    // 25-34 are never added, so that the seed cannot miss that case (about 30 such deletes, each a
                    // chance in 3.5 of naming one of them).
                    Entry tomb = entry(rnd.nextInt(35), 1 + rnd.nextInt(5000), 0, true, 1000L * round + 999);
                    store.remoteDelete(id, tomb);
                    if (!model.containsKey(tomb.hash())) {
                        model.put(tomb.hash(), tomb);
                        seen.add("none>deleted by a member");
                    }
                }
                if (round % 17 == 16) {
                    long before = 1000L * round - 5000;
                    if (store.forgetTombstones(id, before) > 0 && round >= firstLook) {
                        seen.add("forgotten");
                    }
                    model.values().removeIf(e -> e.deleted() && e.changedAt() < before);
                }
                if (round >= firstLook) {
                    assertEquals(expected(model), store.counts(id), "after round " + round + " (seed " + seed + ")");
                }
            }
            assertEquals(new LibraryStore.Counts(1, 1000, 0), store.counts(other.id()), "another library's counts");
        }
        try (LibraryStore reopened = new LibraryStore(db)) {
            assertEquals(expected(model), reopened.counts(id), "counted from scratch (seed " + seed + ")");
        }
        assertEquals(Set.of("none>live", "live>live", "live>deleted", "deleted>live", "forgotten", "none>deleted by a member"), seen,
                "every kind of change was exercised (seed " + seed + ")");
    }

    @Test
    void aBatchThatFailsChangesNoCounts() throws Exception {
        Path db = dir.resolve("libraries.db");
        String id;
        try (LibraryStore store = new LibraryStore(db)) {
            id = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1).id();
            store.putAll(id, List.of(entry(1, 10, 0, false, 1)));
            assertEquals(new LibraryStore.Counts(1, 10, 0), store.counts(id));
            // The first change is applied inside the transaction, then the second (no hash) fails it: all rolled back.
            Entry broken = new Entry(null, 5, "text/plain", null, List.of(), null, "x", 1, false, 2, 0);
            assertThrows(IOException.class, () -> store.putAll(id, List.of(entry(2, 20, 0, false, 2), broken)));
            assertTrue(store.entry(id, entry(2, 20, 0, false, 2).hash()).isEmpty(), "nothing of the batch was kept");
            assertEquals(new LibraryStore.Counts(1, 10, 0), store.counts(id));
        }
        try (LibraryStore reopened = new LibraryStore(db)) {
            assertEquals(new LibraryStore.Counts(1, 10, 0), reopened.counts(id));
        }
    }

    @Test
    void aDeletedLibraryStartsAgainFromZero() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "gone", Library.ASSETS, AssetFilter.ALL, 1);
            store.putAll(l.id(), List.of(entry(1, 10, 0, false, 1), entry(2, 20, 0, false, 1)));
            assertEquals(new LibraryStore.Counts(2, 30, 0), store.counts(l.id()));
            store.delete(l.id());
            assertEquals(new LibraryStore.Counts(0, 0, 0), store.counts(l.id()));
        }
    }

    private static LibraryStore.Counts expected(Map<String, Entry> model) {
        long assets = model.values().stream().filter(e -> !e.deleted()).count();
        long bytes = model.values().stream().filter(e -> !e.deleted()).mapToLong(Entry::size).sum();
        long deleted = model.values().stream().filter(Entry::deleted).count();
        return new LibraryStore.Counts(assets, bytes, deleted);
    }
}
