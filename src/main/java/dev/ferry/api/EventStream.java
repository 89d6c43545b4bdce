package dev.ferry.api;

import dev.ferry.store.AssetStore;
import dev.ferry.store.StoreEvent;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /sync/events}: the store's changes as Server-Sent Events, one event per change with
 * {@code id:} set to its sequence number. A client that reconnects with {@code Last-Event-ID} (or
 * {@code ?since=}) first receives every logged event it missed, from the store, then live ones; live
 * events arrive through a bounded queue, and a client too slow for it is switched back to reading the
 * log, so no event is lost and a slow client costs bounded memory. Writes go straight to the socket, so
 * any client streams, including {@code curl -N} without {@code Accept: text/event-stream}.
 *
 * <p>Each open stream occupies one (virtual) thread for its lifetime. Thread-safe.
 */
final class EventStream {
    private static final int QUEUE = 4096;
    private static final int REPLAY_BATCH = 500;
    private static final long KEEPALIVE_MS = 15_000;

    private final AssetStore store;
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    EventStream(AssetStore store) {
        this.store = store;
    }

    int openStreams() {
        return open.size();
    }

    /** Ends every open stream; called on shutdown so their threads finish promptly. */
    void closeAll() {
        closing = true;
        open.forEach(Stream::wake);
    }

    void handle(Context ctx) throws Exception {
        Params.onlyKnown(ctx, Set.of("since"));
        long resume = resumePoint(ctx);
        // Read the starting point before subscribing: anything committed in between is then found by the replay below.
        long latest = store.latestSeq();
        if (resume >= 0) {
            Params.requireNotAhead(resume, latest, ctx.header("Last-Event-ID") != null ? "Last-Event-ID" : "since");
        }
        long cursor = resume >= 0 ? resume : latest; // a fresh client wants only what happens from now on
        Stream s = new Stream();
        try (AutoCloseable sub = store.events().subscribe(s::offer)) {
            open.add(s);
            var res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream; charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            res.setHeader("X-Accel-Buffering", "no");
            OutputStream out = res.getOutputStream();
            write(out, "retry: 1000\n: ferry event stream, resuming after " + cursor + "\n\n");
            cursor = replay(out, cursor);
            long lastWrite = System.currentTimeMillis();
            while (!closing) {
                StoreEvent e = s.queue.poll(1, TimeUnit.SECONDS);
                if (s.lagged.getAndSet(false)) {
                    s.queue.clear();
                    cursor = replay(out, cursor);
                    lastWrite = System.currentTimeMillis();
                    continue;
                }
                if (e == null || e == Stream.WAKE) {
                    if (System.currentTimeMillis() - lastWrite >= KEEPALIVE_MS) {
                        write(out, ": keepalive\n\n");
                        lastWrite = System.currentTimeMillis();
                    }
                    continue;
                }
                if (e.id() <= cursor) {
                    continue; // already sent during replay
                }
                if (e.id() != cursor + 1) {
                    cursor = replay(out, cursor); // defensive: fill any gap from the log
                    continue;
                }
                send(out, e);
                cursor = e.id();
                lastWrite = System.currentTimeMillis();
            }
        } catch (IOException clientGone) {
            // The client closed the stream; it resumes with Last-Event-ID when it returns.
        } finally {
            open.remove(s);
        }
    }

    private long resumePoint(Context ctx) {
        String lastId = ctx.header("Last-Event-ID");
        if (lastId != null && !lastId.isBlank()) {
            try {
                long v = Long.parseLong(lastId.trim());
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw ApiException.badRequest("header Last-Event-ID must be an event id (a whole number >= 0), got '" + lastId + "'");
        }
        return ctx.queryParam("since") != null ? Params.since(ctx) : -1;
    }

    private long replay(OutputStream out, long cursor) throws IOException {
        while (true) {
            List<StoreEvent> batch = store.eventsAfter(cursor, REPLAY_BATCH);
            for (StoreEvent e : batch) {
                send(out, e);
                cursor = e.id();
            }
            if (batch.size() < REPLAY_BATCH) {
                return cursor;
            }
        }
    }

    private static void send(OutputStream out, StoreEvent e) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", e.id());
        data.put("type", e.type().wireName());
        data.put("at", e.at());
        data.put("hash", e.asset().hash());
        data.put("asset", e.asset());
        write(out, "id: " + e.id() + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One subscriber's mailbox. Offer never blocks; overflow sets {@code lagged} and the stream re-reads the log. */
    private static final class Stream {
        static final StoreEvent WAKE = new StoreEvent(-1, StoreEvent.Type.INGEST, 0, null);
        final BlockingQueue<StoreEvent> queue = new ArrayBlockingQueue<>(QUEUE);
        final AtomicBoolean lagged = new AtomicBoolean();

        void offer(StoreEvent e) {
            if (!queue.offer(e)) {
                lagged.set(true);
            }
        }

        void wake() {
            queue.offer(WAKE);
        }
    }
}
