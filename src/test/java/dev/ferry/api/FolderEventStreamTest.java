package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.EventStreamTest.Event;
import dev.ferry.api.EventStreamTest.Subscriber;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync API's folder event stream: ids keep rising across a restart, and a client resuming after events it
 * can no longer get is told so ({@code events.lost}) instead of silently missing them.
 */
class FolderEventStreamTest {
    @TempDir
    Path dir;

    @Test
    void idsRiseAcrossARestartAndAResumeFromBeforeItReportsLostEvents() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(root.resolve("a.txt"), "a\n");
        long lastBefore;
        try (TestNode n = Trees.node(dir.resolve("n"))) {
            long started = System.currentTimeMillis();
            Trees.createFolder(n, "work", root);
            try (Subscriber all = Subscriber.folderEvents(n.sync(), "?since=0")) {
                Event first = all.next();
                assertNotEquals("events.lost", first.data().path("type").asText(), "since=0 asks for everything kept");
                assertTrue(first.id() >= (started - 60_000) * 1000, "ids start from the run's start time: " + first.id());
                lastBefore = first.id();
                Event e;
                while ((e = all.events.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
                    assertEquals(lastBefore + 1, e.id(), "ids rise by one");
                    lastBefore = e.id();
                }
            }
            try (Subscriber behind = Subscriber.folderEvents(n.sync(), "", "Last-Event-ID", "5")) {
                Event lost = behind.next();
                assertEquals("events.lost", lost.data().path("type").asText());
                assertEquals(5, lost.data().path("after").asLong());
                assertTrue(behind.next().id() > lost.id(), "then the kept events follow");
            }
        }
        try (TestNode n = Trees.node(dir.resolve("n"))) {
            try (Subscriber resumed = Subscriber.folderEvents(n.sync(), "", "Last-Event-ID", String.valueOf(lastBefore))) {
                Event lost = resumed.next();
                assertEquals("events.lost", lost.data().path("type").asText(), "what happened while it was away is unknown");
                assertEquals(lastBefore, lost.data().path("after").asLong());
                Files.writeString(root.resolve("b.txt"), "b\n");
                Event e;
                do {
                    e = resumed.next();
                } while (!"b.txt".equals(e.data().path("path").asText()));
                assertTrue(e.id() > lastBefore, "the new run's ids are above the old run's");
            }
            long last = n.daemon.peering().engine().folders().events().lastId();
            try (Subscriber current = Subscriber.folderEvents(n.sync(), "", "Last-Event-ID", String.valueOf(last))) {
                Files.writeString(root.resolve("c.txt"), "c\n");
                Event e = current.next();
                assertNotEquals("events.lost", e.data().path("type").asText(), "an up-to-date client lost nothing");
                assertEquals(last + 1, e.id());
            }
        }
    }
}
