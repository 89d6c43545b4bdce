package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.TestNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinceQueryTest {
    @TempDir
    Path dir;

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void sinceReturnsExactlyTheChangesAfterASequenceNumber() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            String a = node.http.ingest(Bytes.random(1, 100), "a", "mime_type", "text/plain").data().path("hash").asText();
            String b = node.http.ingest(Bytes.random(2, 100), "b", "mime_type", "text/plain").data().path("hash").asText();
            JsonNode before = node.http.postJson("/sync/hashes", "").data();
            assertEquals(List.of(a, b), texts(before.path("hashes")));
            long cursor = before.path("next_since").asLong();
            assertEquals(2, cursor);

            String c = node.http.ingest(Bytes.random(3, 100), "c", "mime_type", "text/plain").data().path("hash").asText();
            node.http.delete("/assets/" + a);

            JsonNode after = node.http.postJson("/sync/hashes?since=" + cursor, "").data();
            assertEquals(List.of(c), texts(after.path("hashes")));
            assertEquals(List.of(a), texts(after.path("deleted")));
            assertEquals(4, after.path("next_since").asLong());
            assertFalse(after.path("more").asBoolean());

            JsonNode nothing = node.http.postJson("/sync/hashes?since=4", "").data();
            assertTrue(nothing.path("changes").isEmpty());
            assertEquals(4, nothing.path("next_since").asLong());
        }
    }

    @Test
    void tagFilteredSinceReportsDeletes() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            String h = node.http.ingest(Bytes.random(7, 100), "t", "tags", "holiday").data().path("hash").asText();
            node.http.delete("/assets/" + h);
            JsonNode d = node.http.postJson("/sync/hashes?since=1", "{\"tags\":[\"holiday\"]}").data();
            assertEquals(List.of(h), texts(d.path("deleted")));
        }
    }

    @Test
    void sinceQueriesPageWithoutSkippingAndHonourTheFilter() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            List<String> images = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                String mime = i % 2 == 0 ? "image/png" : "text/plain";
                String h = node.http.ingest(Bytes.random(100 + i, 64), "f" + i, "mime_type", mime).data().path("hash").asText();
                if (i % 2 == 0) {
                    images.add(h);
                }
            }
            List<String> seen = new ArrayList<>();
            long since = 0;
            boolean more = true;
            while (more) {
                JsonNode d = node.http.postJson("/sync/hashes?limit=2&since=" + since, "{\"mime_prefix\":\"image/\"}").data();
                seen.addAll(texts(d.path("hashes")));
                since = d.path("next_since").asLong();
                more = d.path("more").asBoolean();
            }
            assertEquals(images, seen);
        }
    }
}
