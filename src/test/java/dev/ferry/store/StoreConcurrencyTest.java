package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestSeed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes of different hashes commit at once (only changes of one hash exclude each other): many threads ingesting,
 * re-ingesting, changing and deleting a small set of contents must leave every hash with its row and its blob file in
 * agreement, and subscribers must still see every change once, in sequence order, with no gaps (real files, real
 * SQLite).
 */
class StoreConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void concurrentChangesKeepRowsBlobsAndEventOrderInStep() throws Exception {
        long seed = TestSeed.seed("StoreConcurrencyTest");
        Path root = dir.resolve("store");
        List<byte[]> contents = new ArrayList<>();
        Random sizes = new Random(seed);
        for (int i = 0; i < 24; i++) {
            // Some past 256 KiB, so they are written past the page cache.
            byte[] b = new byte[1 + sizes.nextInt(i % 4 == 0 ? 400_000 : 5_000)];
            sizes.nextBytes(b);
            contents.add(b);
        }
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        try (AssetStore store = AssetStore.open(root, Long.MAX_VALUE, Clock.systemUTC())) {
            store.events().subscribe(e -> seen.add(e.id()));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Random random = new Random(seed + t);
                work.add(pool.submit(() -> {
                    for (int step = 0; step < 60; step++) {
                        byte[] bytes = contents.get(random.nextInt(contents.size()));
                        String hash = hashOf(bytes);
                        switch (random.nextInt(3)) {
                            case 0, 1 -> ingest(store, bytes, "app" + random.nextInt(3));
                            default -> store.delete(hash);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
            pool.shutdown();

            long latest = store.latestSeq();
            assertTrue(latest > 0, "seed " + seed);
            List<Long> expected = new ArrayList<>();
            for (long id = 1; id <= latest; id++) {
                expected.add(id);
            }
            assertEquals(expected, seen, "every change published once, in order, no gaps; seed " + seed);
            long live = 0;
            for (byte[] bytes : contents) {
                String hash = hashOf(bytes);
                var row = store.get(hash);
                boolean isLive = row.isPresent() && !row.get().deleted();
                Path blob = store.blobPath(hash);
                if (isLive) {
                    live++;
                    assertTrue(Files.isRegularFile(blob), "live row without its blob: " + hash + ", seed " + seed);
                    assertEquals(bytes.length, Files.size(blob));
                    assertEquals(hash, hashOf(Files.readAllBytes(blob)), "blob bytes, seed " + seed);
                } else {
                    assertTrue(!Files.exists(blob), "blob left behind a deleted or unknown asset: " + hash + ", seed " + seed);
                }
            }
            assertEquals(live, store.stats().assets(), "kept totals, seed " + seed);
        }
    }

    private static void ingest(AssetStore store, byte[] bytes, String application) throws Exception {
        try (BlobWriter w = store.newWriter()) {
            w.write(bytes, 0, bytes.length);
            store.commit(w, new AssetMetadata(null, application, List.of(), null, null, null), StoreEvent.Type.INGEST, null);
        }
    }

    private static String hashOf(byte[] bytes) throws Exception {
        return ContentHash.hex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
