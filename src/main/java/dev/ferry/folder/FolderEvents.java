package dev.ferry.folder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What happens in folder libraries, as numbered events for the sync API's SSE stream: scans, local changes,
 * changes applied from peers, conflicts, transfers, errors. The last {@value #KEEP} are kept so a client that
 * reconnects with {@code Last-Event-ID} misses nothing recent. Events live in memory only, but their ids rise
 * across restarts: a run numbers its events from its start time in milliseconds times 1,000, above every id an
 * earlier run gave (unless that run averaged 1,000 events per millisecond), so an id from before a restart is
 * recognisably older than everything kept and the stream can say that events were lost. Thread-safe.
 */
public final class FolderEvents {
    static final int KEEP = 10_000;

    /** One event: id (rising by one; see the class comment), type, library, path (or null), further fields, time in ms. */
    public record Event(long id, String type, String libraryId, String path, Map<String, Object> data, long at) {}

    private final Deque<Event> recent = new ArrayDeque<>();
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private long next = System.currentTimeMillis() * 1000;

    public void publish(String type, String libraryId, String path, Map<String, Object> data) {
        Event e;
        synchronized (this) {
            e = new Event(next++, type, libraryId, path, data == null ? Map.of() : data, System.currentTimeMillis());
            recent.addLast(e);
            if (recent.size() > KEEP) {
                recent.removeFirst();
            }
        }
        for (Consumer<Event> s : subscribers) {
            try {
                s.accept(e);
            } catch (RuntimeException ex) {
                // one broken subscriber must not stop the others
            }
        }
    }

    /** Events after {@code since} still kept. */
    public synchronized List<Event> since(long since) {
        List<Event> out = new ArrayList<>();
        for (Event e : recent) {
            if (e.id() > since) {
                out.add(e);
            }
        }
        return out;
    }

    public synchronized long lastId() {
        return next - 1;
    }

    /** The id of the oldest event still kept ({@link #lastId()} + 1 when none is). */
    public synchronized long oldestKept() {
        return recent.isEmpty() ? next : recent.peekFirst().id();
    }

    public AutoCloseable subscribe(Consumer<Event> s) {
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }
}
