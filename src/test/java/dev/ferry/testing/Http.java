package dev.ferry.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * Real HTTP clients against a node: the JDK client for plain requests, Apache's for multipart uploads.
 * Responses come back as status plus parsed JSON, so tests assert on what the API said.
 */
public final class Http {
    public static final ObjectMapper JSON = new ObjectMapper();
    public final String base;
    private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public Http(String base) {
        this.base = base;
    }

    public record Reply(int status, JsonNode json, Map<String, List<String>> headers) {
        public JsonNode data() {
            return json.path("data");
        }

        public String error() {
            return json.path("error").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + json;
        }
    }

    public Reply get(String path, String... headers) {
        return send(request(path, headers).GET().build());
    }

    public Reply delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Reply postJson(String path, String body) {
        return send(request(path, "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<byte[]> getBytes(String path, String... headers) {
        try {
            return jdk.send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<InputStream> stream(String path, String... headers) throws IOException, InterruptedException {
        return jdk.send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    public HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    public Reply send(HttpRequest req) {
        try {
            HttpResponse<String> r = jdk.send(req, HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), parse(r.body()), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Uploads {@code bytes} as the {@code file} part, then text fields given as name, value pairs. */
    public Reply ingest(byte[] bytes, String fileName, String... fields) {
        return upload("/ingest", bytes, fileName, fields);
    }

    /** A multipart upload to {@code path}: the {@code file} part, then text fields given as name, value pairs. */
    public Reply upload(String path, byte[] bytes, String fileName, String... fields) {
        MultipartEntityBuilder b = MultipartEntityBuilder.create()
                .addBinaryBody("file", bytes, ContentType.APPLICATION_OCTET_STREAM, fileName);
        for (int i = 0; i < fields.length; i += 2) {
            b.addTextBody(fields[i], fields[i + 1], ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8));
        }
        return multipart(path, b.build());
    }

    public Reply multipart(String path, HttpEntity entity, String... headers) {
        HttpPost post = new HttpPost(base + path);
        post.setEntity(entity);
        for (int i = 0; i < headers.length; i += 2) {
            post.setHeader(headers[i], headers[i + 1]);
        }
        try (CloseableHttpClient c = HttpClients.custom().disableAutomaticRetries().build()) {
            return c.execute(post, r -> new Reply(r.getCode(),
                    parse(r.getEntity() == null ? "" : EntityUtils.toString(r.getEntity(), StandardCharsets.UTF_8)), Map.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return body.isEmpty() ? JSON.nullNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("response is not JSON: " + body, e);
        }
    }
}
