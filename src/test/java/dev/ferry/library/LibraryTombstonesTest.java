package dev.ferry.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.AssetFilter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An asset library forgets old tombstones (real SQLite) without touching its revision or digest. */
class LibraryTombstonesTest {
    @TempDir
    Path dir;

    private static Entry entry(char fill, boolean deleted, long changedAt) {
        return new Entry(String.valueOf(fill).repeat(64), 10, "text/plain", null, List.of(), null, "x", 1, deleted, changedAt, 0);
    }

    @Test
    void tombstonesOlderThanTheLimitAreForgottenAndNothingElseChanges() throws Exception {
        try (LibraryStore store = new LibraryStore(dir.resolve("libraries.db"))) {
            Library l = store.create(null, "all", Library.ASSETS, AssetFilter.ALL, 1000);
            store.putAll(l.id(), List.of(entry('a', false, 500)));
            store.putAll(l.id(), List.of(entry('a', true, 1_000)));   // deleted long ago
            store.putAll(l.id(), List.of(entry('b', false, 500)));
            store.putAll(l.id(), List.of(entry('b', true, 50_000)));  // deleted recently
            store.putAll(l.id(), List.of(entry('c', false, 500)));    // live, however old
            Library before = store.get(l.id()).orElseThrow();

            assertEquals(1, store.forgetTombstones(l.id(), 10_000));
            assertTrue(store.entry(l.id(), "a".repeat(64)).isEmpty());
            assertTrue(store.entry(l.id(), "b".repeat(64)).orElseThrow().deleted());
            assertTrue(store.entry(l.id(), "c".repeat(64)).isPresent());
            Library after = store.get(l.id()).orElseThrow();
            assertEquals(before.revision(), after.revision(), "nothing new to announce");
            assertArrayEquals(before.digest(), after.digest(), "the digest covers live entries only");
            assertEquals(0, store.forgetTombstones(l.id(), 10_000));
        }
    }
}
