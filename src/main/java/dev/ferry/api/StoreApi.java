package dev.ferry.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.Version;
import dev.ferry.io.DirectReader;
import dev.ferry.store.Asset;
import dev.ferry.store.AssetFilter;
import dev.ferry.store.AssetStore;
import dev.ferry.store.BlobWriter;
import dev.ferry.store.HashMismatchException;
import dev.ferry.store.StoreEvent;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CAN-compatible store API, mounted under {@link #BASE}. Endpoint reference: docs/api.md; machine
 * readable: {@code GET /api/v1/can/0/openapi.json}. Thread-safe; each request runs on its own virtual thread.
 */
public final class StoreApi {
    public static final String BASE = "/api/v1/can/0";
    private static final Logger log = LoggerFactory.getLogger(StoreApi.class);
    private static final Set<String> FILTER_PARAMS = Set.of("application", "tag", "tags", "user", "mime_prefix", "hash");

    private final AssetStore store;
    private final EventStream events;
    private final long startedAt = System.currentTimeMillis();
    private final AtomicInteger uploadsInFlight = new AtomicInteger();

    public StoreApi(AssetStore store) {
        this.store = store;
        this.events = new EventStream(store);
    }

    public void register(Javalin app) {
        app.post(BASE + "/ingest", ctx -> receive(ctx, false));
        app.post(BASE + "/sync/push", ctx -> receive(ctx, true));
        app.get(BASE + "/list", this::list);
        app.get(BASE + "/search", this::list);
        app.post(BASE + "/search", this::search);
        app.get(BASE + "/assets/{hash}", this::meta);
        app.get(BASE + "/assets/{hash}/content", this::content);
        app.head(BASE + "/assets/{hash}/content", this::content);
        app.head(BASE + "/assets/{hash}", this::meta);
        app.delete(BASE + "/assets/{hash}", this::delete);
        app.post(BASE + "/sync/hashes", this::hashes);
        app.get(BASE + "/sync/events", events::handle);
        app.get(BASE + "/health", this::health);
        app.get(BASE + "/openapi.json", ctx -> {
            try (InputStream in = StoreApi.class.getResourceAsStream("openapi.json")) {
                ctx.contentType("application/json").result(in.readAllBytes());
            }
        });
    }

    /** Stops open event streams; uploads in flight either finish or leave nothing (their temp files are deleted). */
    public void shutdown() {
        events.closeAll();
    }

    public int uploadsInFlight() {
        return uploadsInFlight.get();
    }

    private void receive(Context ctx, boolean push) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        uploadsInFlight.incrementAndGet();
        try (BlobWriter writer = store.newWriter()) {
            // The body's length bounds the file part's: enough to tell a large upload from a small one.
            long bodyBytes = ctx.req().getContentLengthLong();
            if (bodyBytes > 0) {
                writer.expectAtMost(bodyBytes);
            }
            IngestForm form = IngestForm.read(ctx.req(), writer, push);
            String expected = form.expectedHash();
            if (push && expected == null) {
                throw ApiException.badRequest("missing field 'hash': a push names the hash its bytes must have");
            }
            AssetStore.Committed c;
            try {
                c = store.commit(writer, form.metadata(), push ? StoreEvent.Type.PUSH : StoreEvent.Type.INGEST, expected);
            } catch (HashMismatchException e) {
                throw new ApiException(422, e.getMessage());
            }
            if (c.newContent()) {
                log.info("{} {} ({} bytes, {})", push ? "pushed" : "ingested", c.asset().hash(), c.asset().size(),
                        c.asset().mimeType());
            }
            ObjectNode data = Json.MAPPER.valueToTree(c.asset());
            data.put("duplicate", !c.newContent());
            ctx.status(c.newContent() ? 201 : 200).json(Json.success(data));
        } finally {
            uploadsInFlight.decrementAndGet();
        }
    }

    private void list(Context ctx) throws IOException {
        Set<String> known = new java.util.HashSet<>(FILTER_PARAMS);
        known.add("limit");
        known.add("offset");
        Params.onlyKnown(ctx, known);
        page(ctx, Params.filter(ctx), Params.limit(ctx, Params.DEFAULT_LIMIT, Params.MAX_LIMIT), Params.offset(ctx));
    }

    /** Body of {@code POST /search}: the library filter of can-sync.txt plus paging. */
    record SearchRequest(String application, List<String> tags, String user, String mimePrefix, List<String> hashes,
            Integer limit, Long offset) {}

    private void search(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        SearchRequest req = body(ctx, SearchRequest.class, new SearchRequest(null, null, null, null, null, null, null));
        int limit = req.limit() == null ? Params.DEFAULT_LIMIT : req.limit();
        long offset = req.offset() == null ? 0 : req.offset();
        if (limit < 1 || limit > Params.MAX_LIMIT) {
            throw ApiException.badRequest("'limit' must be from 1 to " + Params.MAX_LIMIT + ", got " + limit);
        }
        if (offset < 0) {
            throw ApiException.badRequest("'offset' must be 0 or more, got " + offset);
        }
        page(ctx, filterOf(req.application(), req.tags(), req.user(), req.mimePrefix(), req.hashes()), limit, offset);
    }

    private void page(Context ctx, AssetFilter filter, int limit, long offset) throws IOException {
        AssetStore.Page p = store.list(filter, limit, offset);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("assets", p.items());
        data.put("total", p.total());
        data.put("limit", limit);
        data.put("offset", offset);
        ctx.json(Json.success(data));
    }

    private void meta(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        ctx.json(Json.success(live(ctx)));
    }

    private Asset live(Context ctx) throws IOException {
        String hash = Params.hash(ctx.pathParam("hash"), "asset hash in the path");
        Asset a = store.get(hash).orElseThrow(() -> ApiException.notFound("no asset with hash " + hash));
        if (a.deleted()) {
            throw new ApiException(410, "asset " + hash + " was deleted (at " + a.deletedAt() + " ms since the epoch)");
        }
        return a;
    }

    private void content(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        Asset a = live(ctx);
        String inm = ctx.header("If-None-Match");
        boolean notModified = inm != null && (inm.contains(a.hash()) || inm.trim().equals("*"));
        ByteRange range = null;
        if (!notModified) {
            try {
                range = ByteRange.parse(ctx.header("Range"), a.size());
            } catch (ApiException e) {
                ctx.header("Content-Range", "bytes */" + a.size());
                throw e;
            }
        }
        ctx.header("ETag", "\"" + a.hash() + "\"");
        ctx.header("Accept-Ranges", "bytes");
        // Stored bytes are data, never a page of this origin: an HTML asset opened in a browser must not be able
        // to call the API (the sandbox gives it an opaque origin, which the access guard refuses).
        ctx.header("Content-Security-Policy", "sandbox");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "private, max-age=31536000, immutable");
        if (notModified) {
            ctx.status(304);
            return;
        }
        String ifRange = ctx.header("If-Range");
        if (range != null && ifRange != null && !ifRange.contains(a.hash())) {
            range = null; // the client's partial copy is of other bytes: send them all
        }
        long first = range == null ? 0 : range.first();
        long length = range == null ? a.size() : range.length();
        var res = ctx.res();
        if (range != null) {
            res.setStatus(206);
            res.setHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + a.size());
        } else {
            res.setStatus(200);
        }
        res.setContentType(a.mimeType());
        res.setContentLengthLong(length);
        if (a.fileName() != null) {
            res.setHeader("Content-Disposition", "inline; filename*=UTF-8''" + encodeRfc5987(a.fileName()));
        }
        if (ctx.method() == io.javalin.http.HandlerType.HEAD) {
            return;
        }
        try (InputStream in = DirectReader.open(store.blobPath(a.hash()), first, length)) {
            OutputStream out = res.getOutputStream();
            byte[] piece = new byte[64 * 1024];
            for (long left = length; left > 0; ) {
                int n = in.read(piece, 0, (int) Math.min(piece.length, left));
                if (n < 0) {
                    throw new IOException("blob of " + a.hash() + " ended " + left + " bytes early");
                }
                out.write(piece, 0, n);
                left -= n;
            }
            out.flush();
        } catch (NoSuchFileException e) {
            throw new ApiException(410, "asset " + a.hash() + " was deleted while being read");
        }
    }

    private void delete(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        String hash = Params.hash(ctx.pathParam("hash"), "asset hash in the path");
        boolean wasLive = store.get(hash).map(a -> !a.deleted()).orElse(false);
        Asset tomb = store.delete(hash).orElseThrow(() -> ApiException.notFound("no asset with hash " + hash));
        if (wasLive) {
            log.info("deleted {}", hash);
        }
        ctx.json(Json.success(tomb));
    }

    /** Body of {@code POST /sync/hashes}: an optional filter, as a library's. */
    record HashesRequest(String application, List<String> tags, String user, String mimePrefix, List<String> hashes) {}

    private void hashes(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of("since", "limit"));
        long since = Params.since(ctx);
        int limit = Params.limit(ctx, 10_000, 100_000);
        HashesRequest req = body(ctx, HashesRequest.class, new HashesRequest(null, null, null, null, null));
        AssetFilter filter = filterOf(req.application(), req.tags(), req.user(), req.mimePrefix(), req.hashes());
        long latest = store.latestSeq();
        Params.requireNotAhead(since, latest, "since");
        List<Asset> changed = store.changedSince(filter, since, limit);
        List<String> live = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        List<Map<String, Object>> changes = new ArrayList<>();
        long next = since;
        for (Asset a : changed) {
            (a.deleted() ? deleted : live).add(a.hash());
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("hash", a.hash());
            c.put("seq", a.seq());
            c.put("deleted", a.deleted());
            changes.add(c);
            next = a.seq();
        }
        boolean more = changed.size() == limit;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("hashes", live);
        data.put("deleted", deleted);
        data.put("changes", changes);
        data.put("since", since);
        data.put("next_since", more ? next : Math.max(next, latest));
        data.put("latest_seq", latest);
        data.put("more", more);
        ctx.json(Json.success(data));
    }

    private void health(Context ctx) throws IOException {
        AssetStore.Stats s = store.stats();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("service", "ferry-store");
        data.put("version", Version.current());
        data.put("uptime_secs", (System.currentTimeMillis() - startedAt) / 1000);
        data.put("assets", s.assets());
        data.put("bytes", s.bytes());
        data.put("tombstones", s.tombstones());
        data.put("latest_seq", s.latestSeq());
        data.put("uploads_in_flight", uploadsInFlight.get());
        data.put("event_streams", events.openStreams());
        ctx.json(Json.success(data));
    }

    private static AssetFilter filterOf(String application, List<String> tags, String user, String mimePrefix,
            List<String> hashes) {
        nonEmpty("application", application);
        nonEmpty("user", user);
        nonEmpty("mime_prefix", mimePrefix);
        if (tags != null) {
            tags.forEach(t -> nonEmpty("tags", t));
        }
        try {
            return new AssetFilter(application, tags, user, mimePrefix, hashes);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'hashes': " + e.getMessage());
        }
    }

    private static void nonEmpty(String field, String value) {
        if (value != null && value.isBlank()) {
            throw ApiException.badRequest("field '" + field + "' is empty; leave it out instead");
        }
        if (value == null && field.equals("tags")) {
            throw ApiException.badRequest("field 'tags' contains null");
        }
    }

    /** Parses a JSON body strictly; an empty body means {@code dflt}. */
    static <T> T body(Context ctx, Class<T> type, T dflt) {
        String text = ctx.body();
        if (text.isBlank()) {
            return dflt;
        }
        try {
            T v = Json.MAPPER.readValue(text, type);
            return v == null ? dflt : v;
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw ApiException.badRequest("unknown field '" + e.getPropertyName() + "' in the JSON body");
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw ApiException.badRequest("the body must be a JSON object");
            }
            throw ApiException.badRequest("field '" + e.getPath().get(0).getFieldName() + "' must be " + describe(e.getTargetType()));
        } catch (com.fasterxml.jackson.core.exc.InputCoercionException e) {
            throw ApiException.badRequest("a number in the body is out of range");
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String field = e.getPath().isEmpty() ? "a value" : "field '" + e.getPath().get(0).getFieldName() + "'";
            throw ApiException.badRequest(field + (e.getCause() instanceof com.fasterxml.jackson.core.exc.InputCoercionException
                    ? " is out of range" : " cannot be read"));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type == String.class) {
            return "a text";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a whole number";
        }
        return "a JSON object";
    }

    private static String encodeRfc5987(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
