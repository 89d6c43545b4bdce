package dev.ferry.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher reports changes in real temporary directories as the OS announces them. Waits are generous
 * ({@link Recorder#TIMEOUT_MS}) and only outcomes are asserted; the observed latency is printed. The OS watch
 * limit is covered by {@link TreeWatcherLimitTest}.
 */
class TreeWatcherTest {
    @TempDir
    Path root;

    @Test
    void createdModifiedAndDeletedFilesAreReported() throws Exception {
        Files.writeString(root.resolve("modify.txt"), "before");
        Files.writeString(root.resolve("delete.txt"), "doomed");
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(root, events, events)) {
            assertTrue(watcher.start());
            assertTrue(watcher.healthy());
            Files.writeString(root.resolve("create.txt"), "new");
            long created = events.await("create.txt");
            Files.writeString(root.resolve("modify.txt"), "after");
            long modified = events.await("modify.txt");
            Files.delete(root.resolve("delete.txt"));
            long deleted = events.await("delete.txt");
            System.out.println("reported after: create " + created + " ms, modify " + modified + " ms, delete "
                    + deleted + " ms");
            assertEquals(0, events.overflows.get());
        }
    }

    @Test
    void aFileInsideANewNestedDirectoryIsReported() throws Exception {
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(root, events, events)) {
            assertTrue(watcher.start());
            Path nested = Files.createDirectories(root.resolve("n1/n2/n3"));
            Files.writeString(nested.resolve("at-once.txt"), "written before the directory may be watched");
            events.await("n1/n2/n3/at-once.txt");
            // A file created later proves the new directory is watched, not just walked once.
            Thread.sleep(100);
            Files.writeString(nested.resolve("later.txt"), "x");
            events.await("n1/n2/n3/later.txt");
            assertTrue(watcher.healthy());
        }
    }

    @Test
    void startingOnFiveThousandFilesIsQuickAndHashesNothing() throws Exception {
        for (int d = 0; d < 50; d++) {
            Path dir = Files.createDirectories(root.resolve("d" + d / 10 + "/e" + d));
            for (int f = 0; f < 100; f++) {
                Files.writeString(dir.resolve("f" + f), "content " + d + "/" + f);
            }
        }
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(root, events, events)) {
            long start = System.nanoTime();
            assertTrue(watcher.start());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("start on 5,000 files in 56 directories took " + ms + " ms");
            assertTrue(ms < 30_000, "start took " + ms + " ms");
            assertEquals(0, watcher.hashedEntries(), "file hashing is off, so no file was read");
            Files.writeString(root.resolve("d4/e49/f7"), "changed");
            events.await("d4/e49/f7");
        }
    }

    @Test
    void nothingIsDeliveredAfterClose() throws Exception {
        Recorder events = new Recorder();
        TreeWatcher watcher = new TreeWatcher(root, events, events);
        assertTrue(watcher.start());
        Files.writeString(root.resolve("before"), "x");
        events.await("before");
        watcher.close();
        assertFalse(watcher.healthy());
        Files.writeString(root.resolve("after"), "x");
        Files.createDirectories(root.resolve("dir/sub"));
        Thread.sleep(500);
        assertFalse(events.all().contains("after"), "reported after close: " + events.all());
        assertFalse(events.all().contains("dir"), "reported after close: " + events.all());
        watcher.close(); // idempotent
    }

    @Test
    void ferrysOwnFilesProduceNoEvents() throws Exception {
        Files.createDirectories(root.resolve(".ferry/db"));
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(root, events, events)) {
            assertTrue(watcher.start());
            Files.writeString(root.resolve(".ferry/db/state"), "x");
            Files.createDirectories(root.resolve(".ferry/new/deeper"));
            Files.writeString(root.resolve(".ferry/new/deeper/f"), "x");
            Files.writeString(root.resolve(".ferry-tmp-123"), "partial");
            Files.createDirectories(root.resolve("a"));
            Files.writeString(root.resolve("a/.ferry-tmp-9"), "partial");
            Files.move(root.resolve("a/.ferry-tmp-9"), root.resolve("a/done.txt"));
            events.await("a/done.txt");
            Thread.sleep(300);
            List<String> all = events.all();
            assertTrue(all.stream().noneMatch(p -> p.startsWith(".ferry")), "Ferry's files reported: " + all);
            assertTrue(all.stream().noneMatch(p -> p.contains(".ferry-tmp-")), "temp files reported: " + all);
        }
    }

    @Test
    void eventsPiledUpBeyondTheOsBufferAreReportedAsOverflow() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(root, path -> {
            if (first.getAndSet(false)) {
                awaitQuietly(release); // a slow callback: the JDK keeps at most 512 events per directory meanwhile
            }
            events.accept(path);
        }, events)) {
            assertTrue(watcher.start());
            Files.writeString(root.resolve("first"), "x");
            Thread.sleep(200);
            for (int i = 0; i < 2_000; i++) {
                Files.createFile(root.resolve("burst-" + i));
            }
            release.countDown();
            // directory-watcher 0.19.1 delivers this overflow as a NullPointerException (see TreeWatcher).
            events.awaitOverflow();
            Files.writeString(root.resolve("after-overflow"), "x");
            events.await("after-overflow");
            assertTrue(watcher.healthy(), "an overflow asks for a rescan but the watcher goes on");
        }
    }

    @Test
    void aThrowingCallbackDoesNotStopTheWatcher() throws Exception {
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(root, path -> {
            events.accept(path);
            throw new IllegalStateException("callback bug for " + path);
        }, events)) {
            assertTrue(watcher.start());
            Files.writeString(root.resolve("one"), "x");
            events.await("one");
            Files.writeString(root.resolve("two"), "x");
            events.await("two");
            assertTrue(watcher.healthy());
        }
    }

    @Test
    void deletingTheRootStopsTheWatcherAndAsksForARescan(@TempDir Path dir) throws Exception {
        Path library = Files.createDirectories(dir.resolve("library/sub"));
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(library.getParent(), events, events)) {
            assertTrue(watcher.start());
            Files.delete(library);
            Files.delete(library.getParent());
            events.awaitOverflow();
            assertFalse(watcher.healthy());
        }
    }

    @Test
    void aRootThatIsASymlinkIsWatchedThroughIt(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), Files.createDirectories(root.resolve("real")));
        Recorder events = new Recorder();
        try (TreeWatcher watcher = new TreeWatcher(link, events, events)) {
            assertTrue(watcher.start());
            Files.createDirectories(root.resolve("real/sub"));
            Files.writeString(root.resolve("real/sub/f"), "x");
            events.await("sub/f");
        }
    }

    @Test
    void startingOnAMissingRootThrows() {
        TreeWatcher watcher = new TreeWatcher(root.resolve("missing"), p -> {}, () -> {});
        assertThrows(IOException.class, watcher::start);
        assertFalse(watcher.healthy());
        watcher.close();
    }

    @Test
    void startingTwiceIsABug() throws Exception {
        try (TreeWatcher watcher = new TreeWatcher(root, p -> {}, () -> {})) {
            assertTrue(watcher.start());
            assertThrows(IllegalStateException.class, watcher::start);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(Recorder.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
