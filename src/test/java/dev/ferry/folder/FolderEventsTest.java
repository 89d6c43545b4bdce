package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder event log on a real SQLite file: what survives a clean stop, and what a next run knows may be missing. */
class FolderEventsTest {
    @TempDir
    Path dir;

    @Test
    void aCleanStopKeepsEveryEventAndNothingCountsAsLost() throws Exception {
        Path file = dir.resolve("events.db");
        FolderEvents first = FolderEvents.open(file);
        for (int i = 0; i < 3; i++) {
            first.publish("local.changed", "lib", "f" + i, Map.of("size", i));
        }
        long stored = first.lastId();
        first.close();

        FolderEvents second = FolderEvents.open(file);
        try {
            List<FolderEvents.Event> kept = second.since(0);
            assertEquals(3, kept.size());
            assertEquals(List.of("f0", "f1", "f2"), kept.stream().map(FolderEvents.Event::path).toList());
            assertEquals(Map.of("size", 2), kept.get(2).data());
            assertTrue(second.firstOfRun() > stored, "ids keep rising");
            assertFalse(second.mayHaveLostAfter(stored), "nothing after the last event went missing");
            assertFalse(second.mayHaveLostAfter(stored - 2));
        } finally {
            second.close();
        }
    }

    @Test
    void aRunThatNeverStoppedCleanlyMakesTheNextOneReportALossBeforeItsFirstEvent() throws Exception {
        Path file = dir.resolve("events.db");
        FolderEvents killed = FolderEvents.open(file);
        killed.publish("local.changed", "lib", "a", Map.of());
        Thread.sleep(4 * FolderEvents.BATCH_MS); // stored by now; then the process "dies" without close()
        long seen = killed.lastId();

        FolderEvents next = FolderEvents.open(file);
        try {
            assertEquals(1, next.since(0).size(), "what the killed run stored is there");
            assertTrue(next.mayHaveLostAfter(seen), "but what it published later may be gone");
            assertFalse(next.mayHaveLostAfter(next.firstOfRun() - 1));
        } finally {
            next.close();
        }
        FolderEvents third = FolderEvents.open(file);
        try {
            assertTrue(third.mayHaveLostAfter(seen), "the loss stays known after later clean runs");
            assertFalse(third.mayHaveLostAfter(next.firstOfRun() - 1), "but nothing since");
        } finally {
            third.close();
        }
    }
}
