package dev.ferry.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.ferry.config.HostPort;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener with Ferry's common behaviour: virtual threads, the access guard in front of every
 * route, JSON errors for everything (unknown routes, bad methods, exceptions), and no stack trace ever
 * sent. The store API and, later, the sync API each run on one.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Request attribute marking a response already written as a JSON error, so the status handlers leave it alone. */
    private static final String ANSWERED = "ferry.answered";
    private final Javalin app;
    private final String name;

    private ApiServer(Javalin app, String name) {
        this.app = app;
        this.name = name;
    }

    /**
     * Starts a server on {@code addr} (port 0 picks a free one) with the routes {@code routes} registers.
     *
     * @param maxBodyBytes the largest request body accepted; larger ones get 413 before they are read
     */
    public static ApiServer start(String name, HostPort addr, ApiToken token, boolean requireToken, long maxBodyBytes,
            Consumer<Javalin> routes) throws IOException {
        int[] port = {addr.port()};
        Javalin app = Javalin.create(cfg -> {
            cfg.useVirtualThreads = true;
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.disableCompression();
            cfg.http.maxRequestSize = 16L << 20; // JSON bodies; uploads stream and are limited separately
            cfg.http.prefer405over404 = true;
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER.copy()
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES), false));
        });
        AccessGuard guard = new AccessGuard(token, requireToken, () -> port[0]);
        app.before(guard);
        app.before(ctx -> {
            long declared = ctx.req().getContentLengthLong();
            if (declared > maxBodyBytes) {
                throw new ApiException(413, "request body of " + declared + " bytes exceeds the limit of "
                        + maxBodyBytes + " bytes (max_upload_bytes plus 1 MiB for the form fields)");
            }
        });
        app.exception(ApiException.class, (e, ctx) -> {
            ctx.attribute(ANSWERED, true);
            ctx.status(e.status()).json(Json.error(e.getMessage()));
        });
        app.error(413, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                ctx.json(Json.error("request body is too large for this endpoint"));
            }
        });
        app.exception(Exception.class, (e, ctx) -> {
            log.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.toString());
            ctx.attribute(ANSWERED, true);
            ctx.status(500).json(Json.error("internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        });
        app.error(404, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                ctx.json(Json.error("no such endpoint: " + ctx.method() + " " + ctx.path()));
            }
        });
        app.error(405, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                ctx.json(Json.error("method " + ctx.method() + " is not allowed on " + ctx.path()));
            }
        });
        routes.accept(app);
        try {
            app.start(addr.host(), addr.port());
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + addr + " for the " + name + ": " + rootMessage(e), e);
        }
        port[0] = app.port();
        return new ApiServer(app, name);
    }

    public int port() {
        return app.port();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        app.stop();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
