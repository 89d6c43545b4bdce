package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.FerryException;
import dev.ferry.api.ApiToken;
import dev.ferry.config.FerryConfig;
import dev.ferry.daemon.Daemon;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The CLI's client of the sync API ({@code /status}, {@code /peers}); finds it like {@link StoreClient} finds the store. */
final class SyncClient {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    private SyncClient(String base, String token) {
        this.base = base;
        this.token = token;
    }

    static SyncClient connect(FerryConfig config) throws IOException {
        Path dataDir = config.dataDir().toAbsolutePath();
        Path urlFile = dataDir.resolve(Daemon.SYNC_URL_FILE);
        String url = Files.exists(urlFile) ? Files.readString(urlFile, StandardCharsets.UTF_8).trim()
                : "http://" + config.listenAddr().host() + ":" + config.listenAddr().port();
        return new SyncClient(url, ApiToken.read(dataDir));
    }

    String base() {
        return base;
    }

    JsonNode postFile(String path, java.nio.file.Path file) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/vnd.ipld.car")
                .POST(HttpRequest.BodyPublishers.ofFile(file)));
    }

    JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /**
     * Follows a Server-Sent Events stream of the sync API, handing each event's {@code data:} JSON to {@code sink}
     * until the sink returns false or the stream ends.
     */
    void events(String pathAndQuery, java.util.function.Predicate<JsonNode> sink) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<java.util.stream.Stream<String>> r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
            try (java.util.stream.Stream<String> lines = r.body()) {
                if (r.statusCode() != 200) {
                    String body = String.join("\n", (Iterable<String>) lines::iterator);
                    throw new FerryException(dev.ferry.api.Json.MAPPER.readTree(body).path("error").asText("HTTP " + r.statusCode()));
                }
                var it = lines.iterator();
                while (it.hasNext()) {
                    String line = it.next();
                    if (line.startsWith("data: ") && !sink.test(dev.ferry.api.Json.MAPPER.readTree(line.substring(6)))) {
                        return;
                    }
                }
            }
        } catch (ConnectException e) {
            throw new FerryException("no Ferry daemon answers at " + base + "; start one with ./ferry start");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    JsonNode delete(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    JsonNode post(String path, String json) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private JsonNode send(HttpRequest.Builder b) throws IOException {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode root = dev.ferry.api.Json.MAPPER.readTree(r.body());
            if (r.statusCode() >= 300 || !"success".equals(root.path("status").asText())) {
                throw new FerryException(root.path("error").asText("HTTP " + r.statusCode()));
            }
            return root.path("data");
        } catch (ConnectException e) {
            throw new FerryException("no Ferry daemon answers at " + base + "; start one with ./ferry start");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
