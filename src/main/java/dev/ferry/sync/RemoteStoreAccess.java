package dev.ferry.sync;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ferry.library.Entry;
import dev.ferry.store.Asset;
import dev.ferry.store.AssetFilter;
import dev.ferry.store.AssetStore;
import dev.ferry.store.HashMismatchException;
import dev.ferry.store.StoreEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store reached only through its public HTTP API at {@code can_service_url}: changes arrive on its SSE stream
 * ({@code /sync/events}), which this class reconnects with {@code Last-Event-ID} after any interruption, so a store
 * that goes away and comes back loses the agent nothing; assets are read with {@code /list}, {@code /assets/{hash}}
 * and {@code /assets/{hash}/content}, and written with {@code /sync/push}, which verifies the hash. Thread-safe.
 */
public final class RemoteStoreAccess implements StoreAccess {
    private static final Logger log = LoggerFactory.getLogger(RemoteStoreAccess.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final CloseableHttpClient uploads = HttpClients.custom().disableAutomaticRetries().build();
    private volatile boolean closed;

    private final String token;

    /**
     * @param token the store's API token, or null: sent as {@code Authorization: Bearer} so that a store with
     *              {@code require_token: true} (or one reached over a non-loopback address) admits the agent
     */
    public RemoteStoreAccess(String baseUrl, String token) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    @Override
    public AutoCloseable subscribe(Consumer<StoreEvent> listener) throws IOException {
        long start = waitForStore().latestSeq();
        Thread t = Thread.ofVirtual().name("store-events").start(() -> follow(start, listener));
        return t::interrupt;
    }

    /** Follows the event stream from {@code cursor}, reconnecting (with backoff) for as long as this runs. */
    private void follow(long cursor, Consumer<StoreEvent> listener) {
        long backoff = 250;
        boolean reportedDown = false;
        while (!closed && !Thread.currentThread().isInterrupted()) {
            try {
                HttpResponse<InputStream> r = http.send(request("/sync/events")
                        .header("Last-Event-ID", Long.toString(cursor)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() == 409) {
                    r.body().close();
                    log.warn("store at {} was reset (event {} is ahead of it); following it from the start", base, cursor);
                    cursor = 0;
                    continue;
                }
                if (r.statusCode() != 200) {
                    r.body().close();
                    throw new IOException("HTTP " + r.statusCode());
                }
                if (reportedDown) {
                    log.info("store at {} is back; resuming after event {}", base, cursor);
                    reportedDown = false;
                }
                backoff = 250;
                cursor = read(r.body(), cursor, listener);
            } catch (IOException e) {
                if (!reportedDown && !closed) {
                    log.warn("store at {} unreachable ({}); waiting for it", base, e.getMessage());
                    reportedDown = true;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(5000, backoff * 2);
        }
    }

    private static long read(InputStream body, long cursor, Consumer<StoreEvent> listener) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    data = line.substring(6);
                } else if (line.isEmpty() && data != null) {
                    JsonNode n = JSON.readTree(data);
                    data = null;
                    long id = n.path("id").asLong();
                    if (id <= cursor) {
                        continue;
                    }
                    Asset a = JSON.treeToValue(n.path("asset"), Asset.class);
                    listener.accept(new StoreEvent(id, StoreEvent.Type.valueOf(n.path("type").asText().toUpperCase(Locale.ROOT)),
                            n.path("at").asLong(), a));
                    cursor = id;
                }
            }
        }
        return cursor;
    }

    private AssetStore.Stats waitForStore() throws IOException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                return stats();
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IOException("the store at " + base + " does not answer: " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }

    @Override
    public AssetStore.Page list(AssetFilter f, int limit, long offset) throws IOException {
        StringBuilder q = new StringBuilder("/list?limit=" + limit + "&offset=" + offset);
        param(q, "application", f.application());
        param(q, "user", f.user());
        param(q, "mime_prefix", f.mimePrefix());
        f.tags().forEach(t -> param(q, "tag", t));
        f.hashes().forEach(h -> param(q, "hash", h));
        JsonNode d = json("GET", q.toString(), 200);
        List<Asset> items = new ArrayList<>();
        for (JsonNode a : d.path("assets")) {
            items.add(JSON.treeToValue(a, Asset.class));
        }
        return new AssetStore.Page(items, d.path("total").asLong());
    }

    @Override
    public Optional<Asset> get(String hash) throws IOException {
        HttpResponse<String> r = send(request("/assets/" + hash).GET().build());
        return switch (r.statusCode()) {
            case 200 -> Optional.of(JSON.treeToValue(JSON.readTree(r.body()).path("data"), Asset.class));
            case 404 -> Optional.empty();
            case 410 -> Optional.of(new Asset(hash, 0, "application/octet-stream", null, List.of(), null, null, 0, 0, 0, 0, 0L));
            default -> throw new IOException("GET /assets/" + hash + ": HTTP " + r.statusCode() + " " + r.body());
        };
    }

    @Override
    public void delete(String hash) throws IOException {
        HttpResponse<String> r = send(request("/assets/" + hash).DELETE().build());
        if (r.statusCode() != 200 && r.statusCode() != 404) {
            throw new IOException("DELETE /assets/" + hash + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public InputStream open(String hash) throws IOException {
        try {
            HttpResponse<InputStream> r = http.send(request("/assets/" + hash + "/content").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw new java.nio.file.NoSuchFileException(hash, null, "store answered HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Override
    public boolean push(Entry e, InputStream bytes) throws IOException {
        MultipartEntityBuilder b = MultipartEntityBuilder.create()
                .addBinaryBody("file", bytes, ContentType.APPLICATION_OCTET_STREAM, e.fileName() == null ? e.hash() : e.fileName())
                .addTextBody("hash", e.hash())
                .addTextBody("mime_type", e.mimeType())
                .addTextBody("created_at", Long.toString(e.createdAt()))
                .addTextBody("updated_at", Long.toString(e.changedAt()));
        text(b, "application", e.application());
        text(b, "user", e.user());
        text(b, "file_name", e.fileName());
        if (!e.tags().isEmpty()) {
            b.addTextBody("tags", JSON.writeValueAsString(e.tags()), ContentType.APPLICATION_JSON);
        }
        HttpPost post = new HttpPost(base + "/sync/push");
        post.setEntity(b.build());
        if (token != null) {
            post.setHeader("Authorization", "Bearer " + token);
        }
        return uploads.execute(post, r -> {
            String body = r.getEntity() == null ? "" : EntityUtils.toString(r.getEntity(), StandardCharsets.UTF_8);
            if (r.getCode() == 422) {
                throw new HashMismatchException(e.hash(), "other bytes (" + body + ")");
            }
            if (r.getCode() != 200 && r.getCode() != 201) {
                throw new IOException("POST /sync/push: HTTP " + r.getCode() + " " + body);
            }
            return r.getCode() == 201; // 201: new bytes; 200: a duplicate, merged
        });
    }

    /** The store API changes metadata by a re-ingest of known bytes: push them again with the new metadata. */
    @Override
    public void updateMetadata(Entry e) throws IOException {
        try (InputStream in = open(e.hash())) {
            push(e, in);
        }
    }

    private static void text(MultipartEntityBuilder b, String name, String value) {
        if (value != null && !value.isBlank()) {
            b.addTextBody(name, value, ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8));
        }
    }

    @Override
    public AssetStore.Stats stats() throws IOException {
        JsonNode d = json("GET", "/health", 200);
        return new AssetStore.Stats(d.path("assets").asLong(), d.path("bytes").asLong(), d.path("tombstones").asLong(),
                d.path("latest_seq").asLong());
    }

    private JsonNode json(String method, String path, int expect) throws IOException {
        HttpResponse<String> r = send(request(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
        if (r.statusCode() != expect) {
            throw new IOException(method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("data");
    }

    private HttpResponse<String> send(HttpRequest req) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static void param(StringBuilder q, String name, String value) {
        if (value != null) {
            q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            uploads.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
