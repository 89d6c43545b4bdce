package dev.ferry.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.db.Sqlite;
import dev.ferry.store.AssetFilter;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persisted queue of missing assets (real SQLite): sources learnt during a failed attempt are not lost. */
class FetchQueueTest {
    @TempDir
    Path dir;

    private static final String HASH = "4f458fab407acc667b39db687d96f02d75414090e718e644c0dc4c1396a3b772";

    /** The asset {@link #HASH} as a member announced it: live, changed at {@code changedAt}, at its revision {@code rev}. */
    private static Entry live(long changedAt, long rev) {
        return announced(false, changedAt, rev);
    }

    /** A member's tombstone of {@link #HASH}. */
    private static Entry deleted(long changedAt, long rev) {
        return announced(true, changedAt, rev);
    }

    private static Entry announced(boolean deleted, long changedAt, long rev) {
        return new Entry(HASH, 10, "text/plain", null, List.of(), null, "x", 1, deleted, changedAt, rev);
    }

    @Test
    void aSourceAddedWhileAnAttemptRunsIsKeptTriedFirstAndDueAtOnce() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry e = live(1, 1);
            store.addMissingAndSetCursor(l.id(), List.of(e), "B", 0);
            Missing attempt = store.missingDue(2000, 10).get(0); // the fetcher starts an attempt from B
            store.addMissingAndSetCursor(l.id(), List.of(e), "A", 0); // meanwhile a pull from A announces the same asset
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
    void aDeleteCancelsOnlyAQueuedEntryThatIsNotNewerThanIt() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry added = live(1000, 1);
            Entry addedAgain = new Entry(HASH, 10, "text/plain", null, List.of("again"), null, "x", 1, false, 3000, 7);
            store.addMissingAndSetCursor(l.id(), List.of(added), "C", 0);   // C added it at 1000 ...
            store.addMissingAndSetCursor(l.id(), List.of(addedAgain), "B", 0); // ... B added it again at 3000
            store.notNeeded(l.id(), HASH, 2000); // C's delete, made at 2000, arrives last
            assertEquals(1, store.missing(l.id()).size(), "an older delete leaves the newer announcement queued");
            assertEquals(3000, store.missing(l.id()).get(0).entry().changedAt());
            store.notNeeded(l.id(), HASH, 3000);
            assertTrue(store.missing(l.id()).isEmpty(), "a delete at or after the queued change removes it");
        }
    }

    @Test
    void aNewSourceForAnAssetWaitingOutItsBackoffMakesItDueAtOnce() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry e = live(1, 1);
            store.addMissingAndSetCursor(l.id(), List.of(e), "B", 0);
            store.retryLater(HASH, l.id(), 60_000, List.of("B"));
            assertTrue(store.missingDue(2000, 10).isEmpty());
            store.addMissingAndSetCursor(l.id(), List.of(e), "B", 0); // the same source again changes nothing
            assertTrue(store.missingDue(2000, 10).isEmpty());
            store.addMissingAndSetCursor(l.id(), List.of(e), "C", 0);
            assertEquals(1, store.missingDue(2000, 10).size());
        }
    }

    @Test
    void theEarliestDueComeFirstAndTheQueueIsReadThroughItsIndex() throws Exception {
        long seed = System.nanoTime();
        System.out.println("FetchQueueTest seed " + seed);
        Random rnd = new Random(seed);
        Path file = dir.resolve("libraries.db");
        try (LibraryStore store = new LibraryStore(file)) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            record Queued(String hash, long due) {}
            List<Queued> queued = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                byte[] b = new byte[32];
                rnd.nextBytes(b);
                String hash = HexFormat.of().formatHex(b);
                long due = 1 + rnd.nextInt(100_000);
                Entry e = new Entry(hash, 10, "text/plain", null, List.of(), null, "x", 1, false, 1, 1);
                store.addMissingAndSetCursor(l.id(), List.of(e), "B", 0);
                store.retryLater(hash, l.id(), due, List.of("B"));
                queued.add(new Queued(hash, due));
            }
            long now = 50_000;
            List<Queued> expected = queued.stream().filter(q -> q.due() <= now)
                    .sorted(Comparator.comparingLong(Queued::due)).limit(64).toList();
            List<Missing> due = store.missingDue(now, 64);
            assertEquals(expected.stream().map(Queued::due).toList(), due.stream().map(Missing::nextTry).toList(),
                    "the 64 earliest due, earliest first (seed " + seed + ")");
            assertTrue(due.stream().allMatch(m -> m.attempts() == 1));
        }
        // A scan would read the whole queue each time the fetcher asks: a backlog of 100,000 cost 38 ms per ask.
        try (Connection db = Sqlite.connect(file, true);
                PreparedStatement ps = db.prepareStatement("EXPLAIN QUERY PLAN " + LibraryStore.MISSING_DUE)) {
            ps.setLong(1, 1);
            ps.setInt(2, 64);
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(4)).append('\n');
                }
            }
            assertTrue(plan.toString().contains("USING INDEX missing_by_next_try"), plan.toString());
            assertTrue(!plan.toString().contains("TEMP B-TREE"), "no sort of the whole queue: " + plan);
        }
    }

    @Test
    void aPageQueuesItsMissingAssetsAndMovesTheCursorTogether() throws Exception {
        String other = "5f458fab407acc667b39db687d96f02d75414090e718e644c0dc4c1396a3b772";
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry known = live(1, 1);
            Entry fresh = new Entry(other, 20, "text/plain", null, List.of("t"), null, "y", 2, false, 2, 2);
            store.addMissingAndSetCursor(l.id(), List.of(known), "B", 0);
            store.retryLater(HASH, l.id(), 60_000, List.of("B")); // B failed: waits out a backoff

            store.addMissingAndSetCursor(l.id(), List.of(known, fresh), "C", 42);

            assertEquals(42, store.cursor(l.id(), "C"));
            assertEquals(0, store.cursor(l.id(), "B"));
            List<Missing> due = store.missingDue(2000, 10);
            assertEquals(2, due.size(), "C is a new source for the first (due at once) and the only one of the second");
            Missing first = due.stream().filter(m -> m.hash().equals(HASH)).findFirst().orElseThrow();
            Missing second = due.stream().filter(m -> m.hash().equals(other)).findFirst().orElseThrow();
            assertEquals(List.of("B", "C"), first.sources());
            assertEquals(List.of("C"), second.sources());
            assertEquals(fresh, second.entry());

            store.addMissingAndSetCursor(l.id(), List.of(), "C", 43); // a page with nothing missing moves only the cursor
            assertEquals(43, store.cursor(l.id(), "C"));
            assertEquals(2, store.missing(l.id()).size());
        }
    }

    @Test
    void aPageThatFailsPartwayQueuesNothingAndLeavesTheCursor() throws Exception {
        String other = "5f458fab407acc667b39db687d96f02d75414090e718e644c0dc4c1396a3b772";
        Path file = dir.resolve("libraries.db");
        try (LibraryStore store = new LibraryStore(file)) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry known = live(1, 1);
            Entry fresh = new Entry(other, 20, "text/plain", null, List.of(), null, "y", 2, false, 2, 2);
            store.addMissingAndSetCursor(l.id(), List.of(known), "B", 0);
            store.setCursor(l.id(), "C", 5);
            try (Connection raw = Sqlite.connect(file, false)) { // a damaged row: reading its sources fails
                raw.setAutoCommit(true);
                Sqlite.execute(raw, "UPDATE missing SET sources = 'not json' WHERE hash = ?", HASH);
            }

            assertThrows(IOException.class, () -> store.addMissingAndSetCursor(l.id(), List.of(fresh, known), "C", 42));

            assertEquals(5, store.cursor(l.id(), "C"), "the cursor stays where it was");
        }
        try (Connection raw = Sqlite.connect(file, true)) {
            assertEquals(0, Sqlite.queryLong(raw, "SELECT count(*) FROM missing WHERE hash = ?", other),
                    "the asset queued before the failure was rolled back with it");
        }
    }

    @Test
    void anAssetThisLibraryDeletedAfterTheEntrysChangeIsNotQueued() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            store.putAll(l.id(), List.of(live(5, 0)));
            store.putAll(l.id(), List.of(deleted(10, 0)));

            Entry older = live(8, 3);
            store.addMissingAndSetCursor(l.id(), List.of(older), "C", 3);
            assertTrue(store.missing(l.id()).isEmpty(), "deleted here at 10, after the member's version of 8");
            assertEquals(3, store.cursor(l.id(), "C"));

            Entry newer = live(12, 4);
            store.addMissingAndSetCursor(l.id(), List.of(newer), "C", 4);
            assertEquals(List.of(newer), store.missing(l.id()).stream().map(Missing::entry).toList(),
                    "a version after our delete is wanted again");
        }
    }

    /**
     * A member's delete of an asset this node never held is remembered as a tombstone: an older announcement of it
     * from another member (one that has not seen the delete yet) is not fetched, a newer one (added again) is.
     */
    @Test
    void aMembersDeleteOfAnAssetNeverHeldHereIsRemembered() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            store.remoteDelete(l.id(), deleted(2000, 9));
            Entry kept = store.entry(l.id(), HASH).orElseThrow();
            assertTrue(kept.deleted());
            assertEquals(2000, kept.changedAt());
            assertEquals(1, store.get(l.id()).orElseThrow().revision(), "recorded at this library's next revision");
            assertEquals(new LibraryStore.Counts(0, 0, 1), store.counts(l.id()));

            store.addMissingAndSetCursor(l.id(), List.of(live(1000, 4)), "C", 4);
            assertTrue(store.missing(l.id()).isEmpty(), "C's copy from before the delete is not fetched");
            Entry again = live(3000, 5);
            store.addMissingAndSetCursor(l.id(), List.of(again), "C", 5);
            assertEquals(List.of(again), store.missing(l.id()).stream().map(Missing::entry).toList());

            store.remoteDelete(l.id(), deleted(2500, 9));
            assertEquals(1, store.missing(l.id()).size(), "a delete older than the queued announcement leaves it");
            assertEquals(2000, store.entry(l.id(), HASH).orElseThrow().changedAt(), "and a tombstone is not rewritten");
            assertEquals(1, store.get(l.id()).orElseThrow().revision());
        }
    }

    /**
     * A member's delete reports whether it dropped a queued fetch (one may be under way, which must then undo its
     * copy), and a finished fetch what its library still had queued (a newer version queued after the delete keeps
     * the copy, with the newer version's metadata).
     */
    @Test
    void deletesAndFinishedFetchesSayWhatTheQueueHeld() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            Entry v1000 = live(1000, 1);
            store.addMissingAndSetCursor(l.id(), List.of(v1000), "A", 1);
            assertTrue(store.remoteDelete(l.id(), deleted(2000, 2)));
            assertTrue(store.fetched(HASH, l.id()).isEmpty(), "the delete dropped it while it was fetched");

            Entry v3000 = new Entry(HASH, 10, "text/plain", null, List.of("again"), null, "x", 1, false, 3000, 4);
            store.addMissingAndSetCursor(l.id(), List.of(v3000), "A", 4); // added again after the delete
            assertFalse(store.remoteDelete(l.id(), deleted(2500, 2)),
                    "an older delete drops nothing");
            assertEquals(Optional.of(v3000), store.fetched(HASH, l.id()), "the newest announcement, to be applied");
            assertTrue(store.missing(l.id()).isEmpty());
            assertFalse(store.notNeeded(l.id(), HASH, 4000), "nothing queued, nothing dropped");
        }
    }

    /**
     * After the clock went back (an hour here), an asset scheduled for a retry by the old clock would wait out the
     * jump: any wait longer than the longest backoff is undone, a genuine backoff is kept.
     */
    @Test
    void aClockThatWentBackDoesNotHoldUpTheQueue() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            String other = "6".repeat(64);
            Entry otherAsset = new Entry(other, 10, "text/plain", null, List.of(), null, "y", 1, false, 1000, 2);
            store.addMissingAndSetCursor(l.id(), List.of(live(1000, 1), otherAsset), "A", 2);
            long before = 10_000_000;
            store.retryLater(HASH, l.id(), before + 60_000, List.of("A")); // scheduled by the clock before the jump
            long after = before - 3_600_000;
            store.retryLater(other, l.id(), after + 30_000, List.of("A")); // scheduled after it
            assertTrue(store.missingDue(after, 10).isEmpty());

            assertEquals(1, store.undoBackoffBeyond(after, 60_000));
            assertEquals(List.of(HASH), store.missingDue(after, 10).stream().map(Missing::hash).toList());
            assertEquals(2, store.missingDue(after + 30_000, 10).size(), "the other kept its backoff of 30 s");
        }
    }

    /** A member removed after it announced an asset is no longer asked for it; the members that remain still are. */
    @Test
    void aRemovedMemberIsNoLongerASource() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            store.addMember(l.id(), "A", 1000);
            store.addMember(l.id(), "B", 1000);
            Entry e = live(1000, 1);
            store.addMissingAndSetCursor(l.id(), List.of(e), "A", 1);
            store.addMissingAndSetCursor(l.id(), List.of(e), "B", 1);
            assertEquals(List.of("A", "B"), store.queued(HASH, l.id()).orElseThrow().sources());
            store.removeMember(l.id(), "B", 2000);
            assertEquals(List.of("A"), store.queued(HASH, l.id()).orElseThrow().sources());
        }
    }

    /**
     * A queue row that cannot be decoded (another version wrote it, or it is damaged) is due first and used to make
     * every look at the queue fail, so nothing behind it was ever fetched. It is now skipped and set aside.
     */
    @Test
    void anUnreadableRowDoesNotHoldUpTheQueue() throws Exception {
        Path file = dir.resolve("libraries.db");
        String lib;
        Entry good = live(1000, 1);
        try (LibraryStore store = new LibraryStore(file)) {
            lib = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000).id();
            store.addMissingAndSetCursor(lib, List.of(good), "A", 1);
        }
        String bad = "7".repeat(64);
        try (Connection db = Sqlite.connect(file, false);
                PreparedStatement ps = db.prepareStatement(
                        "INSERT INTO missing(hash, library_id, entry, sources, next_try) VALUES (?,?,?,?,?)")) {
            ps.setString(1, bad);
            ps.setString(2, lib);
            ps.setString(3, "{\"hash\": 42, \"size\": \"not a number\"");
            ps.setString(4, "[\"A\"]");
            ps.setLong(5, -1); // due before the good one
            ps.executeUpdate();
        }
        try (LibraryStore store = new LibraryStore(file)) {
            List<Missing> due = store.missingDue(5000, 10);
            assertEquals(List.of(HASH), due.stream().map(Missing::hash).toList());
            assertEquals(List.of(HASH), store.missing(lib).stream().map(Missing::hash).toList(), "a status still answers");
            assertEquals(List.of(HASH), store.missingDue(5000, 10).stream().map(Missing::hash).toList());
            assertEquals(1, store.missingDue(5000 + LibraryStore.UNREADABLE_ROW_WAIT, 10).size(),
                    "set aside for an hour, then looked at (and set aside) again");
        }
    }
}
