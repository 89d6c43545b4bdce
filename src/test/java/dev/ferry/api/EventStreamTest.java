package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventStreamTest {
    @TempDir
    Path dir;

    /** One parsed SSE event. */
    record Event(long id, JsonNode data) {}

    /** Reads an SSE stream on its own thread into a queue; close() drops the connection. */
    static final class Subscriber implements AutoCloseable {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final HttpResponse<java.io.InputStream> response;
        private final Thread reader;

        Subscriber(Http http, String query, String... headers) throws Exception {
            this("/sync/events" + query, http, headers);
        }

        /** The sync API's folder event stream ({@code GET /events}). */
        static Subscriber folderEvents(Http sync, String query, String... headers) throws Exception {
            return new Subscriber("/events" + query, sync, headers);
        }

        private Subscriber(String pathAndQuery, Http http, String... headers) throws Exception {
            response = http.stream(pathAndQuery, headers);
            assertEquals(200, response.statusCode());
            reader = Thread.ofVirtual().start(this::read);
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                long id = -1;
                String data = null;
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("id: ")) {
                        id = Long.parseLong(line.substring(4));
                    } else if (line.startsWith("data: ")) {
                        data = line.substring(6);
                    } else if (line.isEmpty() && data != null) {
                        events.add(new Event(id, Http.JSON.readTree(data)));
                        data = null;
                    }
                }
            } catch (Exception closed) {
                // the test closed the stream
            }
        }

        Event next() throws InterruptedException {
            Event e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no event within 10 s");
            }
            return e;
        }

        @Override
        public void close() throws Exception {
            response.body().close();
            reader.join(5000);
        }
    }

    @Test
    void ingestReachesASubscriberWithinMilliseconds() throws Exception {
        try (TestNode node = TestNode.start(dir); Subscriber sub = new Subscriber(node.http, "")) {
            waitForSubscriber(node);
            long t0 = System.nanoTime();
            String hash = node.http.ingest(Bytes.random(1, 1000), "a.txt", "mime_type", "text/plain").data().path("hash").asText();
            Event e = sub.next();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(hash, e.data().path("hash").asText());
            assertEquals("ingest", e.data().path("type").asText());
            assertEquals(1, e.id());
            assertEquals("a.txt", e.data().path("asset").path("file_name").asText());
            // Generous bound for a loaded CI machine; the figure in practice is a few ms.
            assertTrue(ms < 2000, "event took " + ms + " ms");
        }
    }

    @Test
    void reconnectWithLastEventIdDeliversExactlyWhatWasMissed() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            long lastSeen;
            try (Subscriber sub = new Subscriber(node.http, "")) {
                waitForSubscriber(node);
                node.http.ingest(Bytes.random(1, 10), "1", "mime_type", "text/plain");
                node.http.ingest(Bytes.random(2, 10), "2", "mime_type", "text/plain");
                sub.next();
                lastSeen = sub.next().id();
            }
            assertEquals(2, lastSeen);
            // While disconnected: an ingest, a metadata update, a delete.
            String h3 = node.http.ingest(Bytes.random(3, 10), "3", "mime_type", "text/plain").data().path("hash").asText();
            node.http.ingest(Bytes.random(3, 10), "3", "mime_type", "text/plain", "tags", "late");
            node.http.delete("/assets/" + h3);
            try (Subscriber again = new Subscriber(node.http, "", "Last-Event-ID", String.valueOf(lastSeen))) {
                List<String> types = new ArrayList<>();
                List<Long> ids = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Event e = again.next();
                    types.add(e.data().path("type").asText());
                    ids.add(e.id());
                }
                assertEquals(List.of("ingest", "update", "delete"), types);
                assertEquals(List.of(3L, 4L, 5L), ids);
                // And live events continue after the replay, without duplicates.
                node.http.ingest(Bytes.random(4, 10), "4", "mime_type", "text/plain");
                assertEquals(6, again.next().id());
                assertTrue(again.events.poll(300, TimeUnit.MILLISECONDS) == null, "no duplicate events");
            }
            try (Subscriber viaQuery = new Subscriber(node.http, "?since=4")) {
                assertEquals(5, viaQuery.next().id());
                assertEquals(6, viaQuery.next().id());
            }
        }
    }

    @Test
    void manyEventsWhileConnectedArriveInOrderWithNoGaps() throws Exception {
        try (TestNode node = TestNode.start(dir); Subscriber sub = new Subscriber(node.http, "")) {
            waitForSubscriber(node);
            int n = 200;
            Thread[] writers = new Thread[4];
            for (int w = 0; w < writers.length; w++) {
                int base = w;
                writers[w] = Thread.ofVirtual().start(() -> {
                    for (int i = base; i < n; i += 4) {
                        node.http.ingest(Bytes.random(1000 + i, 32), "f" + i, "mime_type", "text/plain");
                    }
                });
            }
            for (Thread t : writers) {
                t.join();
            }
            for (long expected = 1; expected <= n; expected++) {
                assertEquals(expected, sub.next().id());
            }
        }
    }

    @Test
    void streamNeedsNoAcceptHeaderAndStartsWithRetryHint() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            HttpResponse<java.io.InputStream> r = node.http.stream("/sync/events");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            BufferedReader br = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertEquals("retry: 1000", br.readLine());
            r.body().close();
        }
    }

    @Test
    void badLastEventIdIsRefused() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            Http.Reply r = node.http.get("/sync/events", "Last-Event-ID", "abc");
            assertEquals(400, r.status());
            assertTrue(r.error().contains("Last-Event-ID"), r.error());
            assertEquals(400, node.http.get("/sync/events?since=x").status());
        }
    }

    private static void waitForSubscriber(TestNode node) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (node.daemon.store().events().subscriberCount() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
    }
}
