package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.EventStreamTest.Event;
import dev.ferry.api.EventStreamTest.Subscriber;
import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync API's folder event stream: ids keep rising across a restart, events are kept across a clean restart,
 * and a client resuming after events it can no longer get (fallen behind, or from before a killed run) is told so
 * ({@code events.lost}) instead of silently missing them.
 */
class FolderEventStreamTest {
    @TempDir
    Path dir;

    /** Every event the stream has now, read until it stays quiet for half a second. */
    private static List<Event> drain(Subscriber s) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = s.events.poll(500, TimeUnit.MILLISECONDS)) != null) {
            out.add(e);
        }
        return out;
    }

    @Test
    void idsRiseAcrossARestartAndACleanRestartKeepsTheEvents() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(root.resolve("a.txt"), "a\n");
        List<Event> before;
        try (TestNode n = Trees.node(dir.resolve("n"))) {
            long started = System.currentTimeMillis();
            Trees.createFolder(n, "work", root);
            try (Subscriber all = Subscriber.folderEvents(n.sync(), "?since=0")) {
                before = drain(all);
            }
            assertTrue(before.size() >= 3, "a scan's events at least: " + before);
            assertNotEquals("events.lost", before.get(0).data().path("type").asText(), "since=0 asks for everything kept");
            assertTrue(before.get(0).id() >= (started - 60_000) * 1000, "ids start from the run's start time: " + before.get(0).id());
            for (int i = 1; i < before.size(); i++) {
                assertEquals(before.get(i - 1).id() + 1, before.get(i).id(), "ids rise by one");
            }
            try (Subscriber behind = Subscriber.folderEvents(n.sync(), "", "Last-Event-ID", "5")) {
                Event lost = behind.next();
                assertEquals("events.lost", lost.data().path("type").asText());
                assertEquals(5, lost.data().path("after").asLong());
                assertEquals(before.get(0).id(), behind.next().id(), "then the kept events follow");
            }
        }
        long lastBefore = before.get(before.size() - 1).id();
        try (TestNode n = Trees.node(dir.resolve("n"))) {
            try (Subscriber resumed = Subscriber.folderEvents(n.sync(), "", "Last-Event-ID", String.valueOf(before.get(0).id()))) {
                for (Event want : before.subList(1, before.size())) {
                    Event got = resumed.next();
                    assertEquals(want.id(), got.id(), "the events after the resume point, kept across the restart");
                    assertEquals(want.data(), got.data());
                }
                Files.writeString(root.resolve("b.txt"), "b\n");
                Event e;
                do {
                    e = resumed.next();
                    assertNotEquals("events.lost", e.data().path("type").asText(), "a clean restart loses nothing");
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

    @Test
    void aClientResumingFromBeforeAKilledRunIsToldEventsMayBeLost() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(root.resolve("a.txt"), "a\n");
        Path data = dir.resolve("child");
        List<Event> before;
        try (ChildNode c = ChildNode.start(data)) {
            Http.Reply r = c.sync().postJson("/libraries",
                    "{\"name\": \"work\", \"kind\": \"folder\", \"path\": \"" + root + "\"}");
            assertEquals(201, r.status(), r.toString());
            try (Subscriber all = Subscriber.folderEvents(c.sync(), "?since=0")) {
                before = drain(all);
            }
            Thread.sleep(1000); // events are stored in batches at most 250 ms apart: these are stored by now
            c.kill();
        }
        long last = before.get(before.size() - 1).id();
        long resumeAt;
        try (ChildNode c = ChildNode.start(data)) {
            try (Subscriber resumed = Subscriber.folderEvents(c.sync(), "", "Last-Event-ID", String.valueOf(last))) {
                Event lost = resumed.next();
                assertEquals("events.lost", lost.data().path("type").asText(), "its last events may not have been stored");
                assertEquals(last, lost.data().path("after").asLong());
                resumeAt = lost.id();
            }
            try (Subscriber again = Subscriber.folderEvents(c.sync(), "", "Last-Event-ID", String.valueOf(resumeAt))) {
                Files.writeString(root.resolve("b.txt"), "b\n");
                Event e = again.next();
                assertNotEquals("events.lost", e.data().path("type").asText(), "told once: resuming from that id is past the loss");
                assertTrue(e.id() > last);
            }
            try (Subscriber all = Subscriber.folderEvents(c.sync(), "?since=0")) {
                Event first = all.next();
                assertEquals(before.get(0).id(), first.id(), "what the killed run had stored is still there");
                assertEquals(before.get(0).data(), first.data());
            }
        }
    }
}
