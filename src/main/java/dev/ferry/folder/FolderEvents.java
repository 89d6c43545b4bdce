package dev.ferry.folder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.db.Sqlite;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens in folder libraries, as numbered events for the sync API's SSE stream: scans, local changes,
 * changes applied from peers, conflicts, transfers, errors. The last {@value #KEEP} are kept, in memory and (when
 * opened on a file) in SQLite, so a client that reconnects with {@code Last-Event-ID}, even across a restart of the
 * daemon, misses nothing recent, as with the store's change log.
 *
 * <p>Ids rise by one per event and keep rising across restarts: a run numbers its events from its start time in
 * milliseconds times 1,000, or from above the last stored id if that is higher. Events are written by a background
 * thread in batches (a burst of thousands costs a few commits, not one each), so a daemon that is killed may not
 * have stored its last few; the next run then knows that events before its first id may be missing
 * ({@link #lostBefore()}) and the stream reports {@code events.lost} to a client resuming from before it. A clean
 * stop ({@link #close()}) stores everything first. Thread-safe.
 */
public final class FolderEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FolderEvents.class);
    static final int KEEP = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT NOT NULL, library_id TEXT, path TEXT,
                data TEXT NOT NULL, at INTEGER NOT NULL);
            -- 'running': set while a run is on, so the next one knows whether it stopped cleanly;
            -- 'lost_before': events below this id may be missing (a run before it was killed)
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)
            """;

    /** One event: id (rising by one; see the class comment), type, library, path (or null), further fields, time in ms. */
    public record Event(long id, String type, String libraryId, String path, Map<String, Object> data, long at) {}

    private final Deque<Event> recent = new ArrayDeque<>();
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private final Connection db;
    private final BlockingQueue<Event> unstored = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final long lostBefore;
    private volatile boolean closing;
    private long next;

    /** Events in memory only (they are gone at a restart). */
    public FolderEvents() {
        this.db = null;
        this.writer = null;
        this.lostBefore = 0;
        this.next = System.currentTimeMillis() * 1000;
    }

    private FolderEvents(Connection db, long next, long lostBefore, List<Event> kept) {
        this.db = db;
        this.next = next;
        this.lostBefore = lostBefore;
        this.recent.addAll(kept);
        this.writer = Thread.ofPlatform().daemon().name("folder-events").start(this::storeLoop);
    }

    /** Events kept in {@code file} across restarts; this run's events follow the stored ones. */
    public static FolderEvents open(Path file) throws IOException {
        Connection db = Sqlite.open(file, SCHEMA, "folder event log");
        try {
            long[] state = Sqlite.tx(db, "folder event log", () -> {
                long maxId = queryLong(db, "SELECT COALESCE(MAX(id), 0) FROM events");
                boolean killed = queryLong(db, "SELECT COUNT(*) FROM meta WHERE key = 'running'") > 0;
                long lost = queryLong(db, "SELECT COALESCE(MAX(value), 0) FROM meta WHERE key = 'lost_before'");
                long first = Math.max(System.currentTimeMillis() * 1000, maxId + 1);
                if (killed) {
                    lost = first;
                    setMeta(db, "lost_before", lost);
                }
                setMeta(db, "running", 1);
                return new long[] {first, lost};
            });
            if (state[1] == state[0]) {
                log.info("the last run stopped without storing all its folder events; clients resuming from before it are told");
            }
            return new FolderEvents(db, state[0], state[1], load(db));
        } catch (IOException | RuntimeException e) {
            try {
                db.close();
            } catch (java.sql.SQLException ignored) {
                // the original failure says why
            }
            throw e;
        }
    }

    public void publish(String type, String libraryId, String path, Map<String, Object> data) {
        Event e;
        synchronized (this) {
            e = new Event(next++, type, libraryId, path, data == null ? Map.of() : data, System.currentTimeMillis());
            recent.addLast(e);
            if (recent.size() > KEEP) {
                recent.removeFirst();
            }
            if (db != null && !closing) {
                unstored.add(e);
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

    /** Events with smaller ids may be missing (an earlier run was killed before storing them); 0 if none may be. */
    public long lostBefore() {
        return lostBefore;
    }

    public AutoCloseable subscribe(Consumer<Event> s) {
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }

    /** Stores every event published so far and marks the run as stopped cleanly. */
    @Override
    public void close() {
        synchronized (this) { // a publish either queued its event before this, or sees closing and does not
            if (db == null || closing) {
                return;
            }
            closing = true;
        }
        try {
            writer.join(10_000);
            Sqlite.tx(db, "folder event log", () -> {
                store(drain());
                try (PreparedStatement st = db.prepareStatement("DELETE FROM meta WHERE key = 'running'")) {
                    st.executeUpdate();
                }
                return null;
            });
        } catch (IOException e) {
            log.warn("could not store the last folder events: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                db.close();
            } catch (java.sql.SQLException ignored) {
                // closing a connection whose work is committed
            }
        }
    }

    /** Writes events in batches: whatever arrived while the last batch was written goes in the next transaction. */
    private void storeLoop() {
        while (!closing) {
            try {
                Event first = unstored.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Event> batch = drain();
                batch.addFirst(first);
                long oldest = oldestKept();
                Sqlite.tx(db, "folder event log", () -> {
                    store(batch);
                    try (PreparedStatement st = db.prepareStatement("DELETE FROM events WHERE id < ?")) {
                        st.setLong(1, oldest);
                        st.executeUpdate();
                    }
                    return null;
                });
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.warn("could not store folder events (they stay in memory): {}", e.getMessage());
            }
        }
    }

    private List<Event> drain() {
        List<Event> out = new ArrayList<>();
        unstored.drainTo(out);
        return out;
    }

    private void store(List<Event> batch) throws java.sql.SQLException, IOException {
        try (PreparedStatement st = db.prepareStatement(
                "INSERT OR REPLACE INTO events (id, type, library_id, path, data, at) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Event e : batch) {
                st.setLong(1, e.id());
                st.setString(2, e.type());
                st.setString(3, e.libraryId());
                st.setString(4, e.path());
                st.setString(5, JSON.writeValueAsString(e.data()));
                st.setLong(6, e.at());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private static List<Event> load(Connection db) throws IOException {
        return Sqlite.read("folder event log", () -> {
            List<Event> out = new ArrayList<>();
            try (PreparedStatement st = db.prepareStatement(
                    "SELECT id, type, library_id, path, data, at FROM (SELECT * FROM events ORDER BY id DESC LIMIT ?) ORDER BY id")) {
                st.setInt(1, KEEP);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> data = JSON.readValue(rs.getString(5), new TypeReference<LinkedHashMap<String, Object>>() {});
                        out.add(new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), data, rs.getLong(6)));
                    }
                }
            }
            return out;
        });
    }

    private static long queryLong(Connection db, String sql) throws java.sql.SQLException {
        try (PreparedStatement st = db.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static void setMeta(Connection db, String key, long value) throws java.sql.SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            st.setString(1, key);
            st.setLong(2, value);
            st.executeUpdate();
        }
    }
}
