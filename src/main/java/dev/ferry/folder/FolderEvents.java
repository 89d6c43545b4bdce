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
 * reconnects with {@code Last-Event-ID} misses nothing recent. Thread-safe.
 */
public final class FolderEvents {
    static final int KEEP = 10_000;

    /** One event: id (rising from 1), type, library, path (or null), further fields, time in ms. */
    public record Event(long id, String type, String libraryId, String path, Map<String, Object> data, long at) {}

    private final Deque<Event> recent = new ArrayDeque<>();
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private long next = 1;

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

    public AutoCloseable subscribe(Consumer<Event> s) {
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }
}
