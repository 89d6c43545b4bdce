package dev.ferry.api;

import dev.ferry.folder.FolderEvents;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /events} on the sync API: folder libraries' events (scans, local and remote changes, conflicts,
 * errors) as Server-Sent Events, each with {@code id:}, {@code event:} (its type) and a JSON {@code data:} line.
 * A client resumes with {@code Last-Event-ID} or {@code ?since=} from the last {@value FolderEvents#KEEP} events;
 * {@code ?library=ID} narrows the stream to one library. Works with {@code curl -N}. Thread-safe.
 */
final class FolderEventStream {
    private static final long KEEPALIVE_MS = 15_000;
    private final FolderEvents events;
    private volatile boolean closing;

    FolderEventStream(FolderEvents events) {
        this.events = events;
    }

    void closeAll() {
        closing = true;
    }

    void handle(Context ctx) throws Exception {
        Params.onlyKnown(ctx, Set.of("since", "library"));
        long cursor = events.lastId();
        String lastId = ctx.header("Last-Event-ID");
        try {
            if (lastId != null && !lastId.isBlank()) {
                cursor = Long.parseLong(lastId.trim());
            } else if (ctx.queryParam("since") != null) {
                cursor = Params.since(ctx);
            }
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("header Last-Event-ID must be an event id (a whole number >= 0), got '" + lastId + "'");
        }
        String library = ctx.queryParam("library");
        LinkedBlockingQueue<FolderEvents.Event> queue = new LinkedBlockingQueue<>(10_000);
        try (AutoCloseable sub = events.subscribe(queue::offer)) {
            var res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream; charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            OutputStream out = res.getOutputStream();
            write(out, "retry: 1000\n: ferry folder events, resuming after " + cursor + "\n\n");
            cursor = reportLost(out, cursor);
            for (FolderEvents.Event e : events.since(cursor)) {
                cursor = send(out, e, library, cursor);
            }
            long lastWrite = System.currentTimeMillis();
            while (!closing) {
                FolderEvents.Event e = queue.poll(1, TimeUnit.SECONDS);
                if (e == null) {
                    if (System.currentTimeMillis() - lastWrite >= KEEPALIVE_MS) {
                        write(out, ": keepalive\n\n");
                        lastWrite = System.currentTimeMillis();
                    }
                    continue;
                }
                if (e.id() > cursor) {
                    cursor = send(out, e, library, cursor);
                    lastWrite = System.currentTimeMillis();
                }
            }
        } catch (IOException clientGone) {
            // the client resumes with Last-Event-ID
        }
    }

    /**
     * A client resuming after an id that is no longer kept (it fell more than {@value FolderEvents#KEEP} events
     * behind), that was never given, or after which events may be missing for good (a run of the daemon was killed
     * before storing its last ones; {@link FolderEvents#mayHaveLostAfter}) gets one {@code events.lost} event first:
     * what happened in between is unknown, so it should read the state it keeps again; the kept events after the
     * returned cursor follow. After a loss at a restart that cursor is just past the loss (the last id before
     * the run that followed it), so a client that reconnects is not told again. Resuming from 0 means "everything kept" and loses
     * nothing.
     */
    private long reportLost(OutputStream out, long cursor) throws IOException {
        long oldest = events.oldestKept();
        long last = events.lastId();
        boolean kept = cursor >= oldest - 1 && cursor <= last;
        boolean lostAtRestart = events.mayHaveLostAfter(cursor);
        if (cursor == 0 || (kept && !lostAtRestart)) {
            return cursor;
        }
        long resumeAt = cursor > last ? last
                : Math.max(Math.max(cursor, oldest - 1), lostAtRestart ? Math.min(events.lostBefore() - 1, last) : 0);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", resumeAt);
        data.put("type", "events.lost");
        data.put("library_id", null);
        data.put("path", null);
        data.put("at", System.currentTimeMillis());
        data.put("after", cursor);
        write(out, "id: " + resumeAt + "\nevent: events.lost\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n");
        return resumeAt;
    }

    private static long send(OutputStream out, FolderEvents.Event e, String library, long cursor) throws IOException {
        if (library != null && !library.equals(e.libraryId())) {
            return e.id();
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", e.id());
        data.put("type", e.type());
        data.put("library_id", e.libraryId());
        data.put("path", e.path());
        data.put("at", e.at());
        // The event's own type stays in "type"; an entry's kind (file, dir, symlink) travels as "entry_type".
        e.data().forEach((k, v) -> data.put(k.equals("type") ? "entry_type" : k, v));
        write(out, "id: " + e.id() + "\nevent: " + e.type() + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n");
        return e.id();
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
