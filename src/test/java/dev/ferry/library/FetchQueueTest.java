package dev.ferry.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.AssetFilter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persisted queue of missing assets (real SQLite): sources learnt during a failed attempt are not lost. */
class FetchQueueTest {
    @TempDir
    Path dir;

    private static final String HASH = "4f458fab407acc667b39db687d96f02d75414090e718e644c0dc4c1396a3b772";

    @Test
    void aSourceAddedWhileAnAttemptRunsIsKeptTriedFirstAndDueAtOnce() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry e = new Entry(HASH, 10, "text/plain", null, List.of(), null, "x", 1, false, 1, 1);
            store.addMissing(l.id(), e, "B");
            Missing attempt = store.missingDue(2000, 10).get(0); // the fetcher starts an attempt from B
            store.addMissing(l.id(), e, "A"); // meanwhile a pull from A announces the same asset
            store.retryLater(HASH, l.id(), 2000 + 60_000, attempt.sources()); // B failed

            Missing now = store.missing(l.id()).get(0);
            assertEquals(List.of("A", "B"), now.sources(), "A, learnt during the attempt and never tried, comes first");
            assertEquals(1, now.attempts());
            assertEquals(1, store.missingDue(2001, 10).size(), "due at once: A deserves a try without B's backoff");

            store.retryLater(HASH, l.id(), 3000 + 60_000, now.sources()); // both failed
            assertTrue(store.missingDue(3001, 10).isEmpty(), "with nothing untried, the backoff holds");
            assertEquals(List.of("A", "B"), store.missing(l.id()).get(0).sources());
        }
    }

    @Test
    void aNewSourceForAnAssetWaitingOutItsBackoffMakesItDueAtOnce() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry e = new Entry(HASH, 10, "text/plain", null, List.of(), null, "x", 1, false, 1, 1);
            store.addMissing(l.id(), e, "B");
            store.retryLater(HASH, l.id(), 60_000, List.of("B"));
            assertTrue(store.missingDue(2000, 10).isEmpty());
            store.addMissing(l.id(), e, "B"); // the same source again changes nothing
            assertTrue(store.missingDue(2000, 10).isEmpty());
            store.addMissing(l.id(), e, "C");
            assertEquals(1, store.missingDue(2000, 10).size());
        }
    }
}
