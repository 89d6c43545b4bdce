package dev.ferry.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.AssetFilter;
import dev.ferry.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch of store changes recorded with one {@link LibraryStore#putAll} (one commit) leaves the library exactly as
 * the same changes recorded one at a time: the same entries, revisions and digest (real SQLite).
 */
class LibraryBatchTest {
    @TempDir
    Path dir;

    private static Entry entry(int asset, int version, boolean deleted, long changedAt) {
        String hash = String.format("%064x", asset);
        return new Entry(hash, 10 + asset, "text/plain", null, List.of("v" + version), null, "f" + asset, 1, deleted, changedAt, 0);
    }

    @Test
    void aBatchEqualsTheSameChangesOneByOne() throws Exception {
        long seed = TestSeed.seed("LibraryBatchTest");
        Random rnd = new Random(seed);
        // Few assets, many changes: the batch names assets more than once, deletes unknown ones, repeats states.
        List<Entry> changes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            changes.add(entry(rnd.nextInt(12), rnd.nextInt(3), rnd.nextInt(4) == 0, 1000 + i));
        }
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library single = store.create(null, "one by one", Library.ASSETS, AssetFilter.ALL, 1);
            Library batched = store.create(null, "batched", Library.ASSETS, AssetFilter.ALL, 1);
            List<Entry> changedSingly = new ArrayList<>();
            for (Entry e : changes) {
                changedSingly.addAll(store.putAll(single.id(), List.of(e)));
            }
            List<Entry> changedInBatches = new ArrayList<>();
            for (int from = 0; from < changes.size(); from += 50) {
                changedInBatches.addAll(store.putAll(batched.id(), changes.subList(from, from + 50)));
            }

            assertEquals(changedSingly, changedInBatches, "seed " + seed);
            Library a = store.get(single.id()).orElseThrow();
            Library b = store.get(batched.id()).orElseThrow();
            assertEquals(a.revision(), b.revision(), "seed " + seed);
            assertEquals(changedSingly.size(), b.revision(), "one revision per change, none for the rest");
            assertArrayEquals(a.digest(), b.digest(), "seed " + seed);
            assertEquals(store.changesSince(single.id(), 0, 1000), store.changesSince(batched.id(), 0, 1000));
            for (int i = 1; i < changedInBatches.size(); i++) {
                assertEquals(changedInBatches.get(i - 1).rev() + 1, changedInBatches.get(i).rev(), "revisions in order, no gaps");
            }
        }
    }

    @Test
    void aBatchSkipsTombstonesOfAssetsTheLibraryDoesNotHoldLive() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "l", Library.ASSETS, AssetFilter.ALL, 1);
            List<Entry> changed = store.putAll(l.id(), List.of(
                    entry(1, 0, true, 10),    // never held: no tombstone
                    entry(2, 0, false, 10),
                    entry(2, 0, false, 10),   // the same state again: nothing
                    entry(2, 0, true, 20),    // held live: a tombstone
                    entry(2, 0, true, 30)));  // already a tombstone: not rewritten
            assertEquals(List.of(2L, 2L), changed.stream().map(e -> Long.parseLong(e.hash(), 16)).toList());
            assertEquals(List.of(false, true), changed.stream().map(Entry::deleted).toList());
            assertEquals(2, store.get(l.id()).orElseThrow().revision());
            assertTrue(store.entry(l.id(), String.format("%064x", 1)).isEmpty());
            assertEquals(20, store.entry(l.id(), String.format("%064x", 2)).orElseThrow().changedAt());
            assertTrue(store.putAll(l.id(), List.of()).isEmpty());
        }
    }
}
