package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.TestNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListAndSearchTest {
    TestNode node;
    final List<String> hashes = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        node = TestNode.start(dir);
        // 0: paste/text alice [a]   1: paste/image bob [b]   2: notes/image alice [a,c]   3: notes/text - []
        hashes.add(node.http.ingest(Bytes.random(10, 100), "0.txt", "mime_type", "text/plain", "application", "paste",
                "user", "alice", "tags", "a").data().path("hash").asText());
        hashes.add(node.http.ingest(Bytes.random(11, 100), "1.png", "mime_type", "image/png", "application", "paste",
                "user", "bob", "tags", "b").data().path("hash").asText());
        hashes.add(node.http.ingest(Bytes.random(12, 100), "2.jpg", "mime_type", "image/jpeg", "application", "notes",
                "user", "alice", "tags", "a,c").data().path("hash").asText());
        hashes.add(node.http.ingest(Bytes.random(13, 100), "3.txt", "mime_type", "text/plain", "application", "notes")
                .data().path("hash").asText());
    }

    @AfterAll
    void stop() {
        node.close();
    }

    private List<String> names(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.path("assets").forEach(a -> out.add(a.path("file_name").asText()));
        return out;
    }

    @Test
    void listIsNewestFirstAndPages() {
        assertEquals(List.of("3.txt", "2.jpg", "1.png", "0.txt"), names(node.http.get("/list").data()));
        JsonNode page = node.http.get("/list?limit=2&offset=1").data();
        assertEquals(List.of("2.jpg", "1.png"), names(page));
        assertEquals(4, page.path("total").asLong());
    }

    @Test
    void filtersCombineWithAnd() {
        assertEquals(List.of("1.png", "0.txt"), names(node.http.get("/list?application=paste").data()));
        assertEquals(List.of("2.jpg", "0.txt"), names(node.http.get("/list?user=alice").data()));
        assertEquals(List.of("2.jpg", "1.png"), names(node.http.get("/list?mime_prefix=image/").data()));
        assertEquals(List.of("2.jpg"), names(node.http.get("/list?mime_prefix=image/&user=alice").data()));
        assertEquals(List.of("2.jpg", "1.png"), names(node.http.get("/search?tag=b&tag=c").data()));
        assertEquals(List.of("2.jpg", "0.txt"), names(node.http.get("/search?tag=a").data()));
    }

    @Test
    void postSearchTakesTheLibraryFilter() {
        JsonNode d = node.http.postJson("/search",
                "{\"tags\":[\"a\",\"b\"],\"mime_prefix\":\"image/\",\"limit\":10}").data();
        assertEquals(List.of("2.jpg", "1.png"), names(d));
        JsonNode byHash = node.http.postJson("/search", "{\"hashes\":[\"" + hashes.get(3) + "\"]}").data();
        assertEquals(List.of("3.txt"), names(byHash));
    }

    @Test
    void sqlMetacharactersInFiltersAreJustText() {
        for (String evil : List.of("paste' OR '1'='1", "%", "_", "paste\"; DROP TABLE assets; --")) {
            var r = node.http.get("/list?application=" + java.net.URLEncoder.encode(evil, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(200, r.status(), r.toString());
            assertEquals(0, r.data().path("total").asLong(), evil);
        }
        var r = node.http.get("/list?mime_prefix=%25");
        assertEquals(0, r.data().path("total").asLong());
        assertEquals(4, node.http.get("/list").data().path("total").asLong());
    }
}
