package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.FerryException;
import dev.ferry.api.ApiToken;
import dev.ferry.api.StoreApi;
import dev.ferry.config.FerryConfig;
import dev.ferry.daemon.Daemon;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * The CLI's connection to a running daemon's store API. Finds the daemon through the URL file it
 * publishes in the data directory (so an ephemeral port works), else the configured address; sends the
 * token from the data directory when there is one. Not thread-safe; one per command.
 */
final class StoreClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CloseableHttpClient http;
    final String baseUrl;
    private final String token;

    private StoreClient(String baseUrl, String token, int parallel) {
        var pool = org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(parallel).setMaxConnTotal(parallel).build();
        this.http = HttpClients.custom().setConnectionManager(pool).disableAutomaticRetries().build();
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    static StoreClient connect(FerryConfig config, String urlOverride, int parallel) throws IOException {
        Path dataDir = config.dataDir().toAbsolutePath();
        String url = urlOverride;
        Path urlFile = dataDir.resolve(Daemon.STORE_URL_FILE);
        if (url == null && Files.exists(urlFile)) {
            url = Files.readString(urlFile, StandardCharsets.UTF_8).trim();
        }
        if (url == null) {
            String host = config.storeListenAddr().host();
            host = host.equals("0.0.0.0") ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
            url = "http://" + host + ":" + config.storeListenAddr().port() + StoreApi.BASE;
        }
        return new StoreClient(url, ApiToken.read(dataDir), parallel);
    }

    /** Sends the request and returns the envelope's {@code data}; a non-success answer becomes a FerryException. */
    JsonNode call(HttpUriRequestBase request) throws IOException {
        authorize(request);
        try {
            return http.execute(request, response -> {
                String body = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                JsonNode root;
                try {
                    root = JSON.readTree(body);
                } catch (IOException e) {
                    throw new FerryException("unexpected answer from " + request.getRequestUri() + " (HTTP " + response.getCode() + ")");
                }
                if (response.getCode() >= 300 || !"success".equals(root.path("status").asText())) {
                    throw new FerryException(root.path("error").asText("HTTP " + response.getCode()) + " (HTTP " + response.getCode() + ")");
                }
                return root.path("data");
            });
        } catch (ConnectException e) {
            throw notRunning();
        }
    }

    JsonNode get(String path) throws IOException {
        return call(new HttpGet(baseUrl + path));
    }

    JsonNode postMultipart(String path, HttpEntity entity) throws IOException {
        HttpPost post = new HttpPost(baseUrl + path);
        post.setEntity(entity);
        return call(post);
    }

    /** Streams a download to {@code sink}; returns the HTTP status handling to the caller through the sink. */
    <T> T download(String path, DownloadSink<T> sink) throws IOException {
        HttpGet get = new HttpGet(baseUrl + path);
        authorize(get);
        try {
            return http.execute(get, response -> {
                if (response.getCode() != 200) {
                    String body = EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                    String msg;
                    try {
                        msg = JSON.readTree(body).path("error").asText(body);
                    } catch (IOException e) {
                        msg = body;
                    }
                    throw new FerryException(msg + " (HTTP " + response.getCode() + ")");
                }
                try (InputStream in = response.getEntity().getContent()) {
                    return sink.accept(response, in);
                }
            });
        } catch (ConnectException e) {
            throw notRunning();
        }
    }

    interface DownloadSink<T> {
        T accept(ClassicHttpResponse response, InputStream body) throws IOException;
    }

    private void authorize(HttpUriRequestBase request) {
        if (token != null) {
            request.setHeader("Authorization", "Bearer " + token);
        }
    }

    private FerryException notRunning() {
        return new FerryException("no Ferry daemon answers at " + baseUrl + "; start one with ./ferry start");
    }

    @Override
    public void close() throws IOException {
        http.close();
    }
}
