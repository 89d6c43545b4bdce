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
 * thread in batches, at most four a second (a burst of thousands costs a few commits, not one each), so a daemon
 * that is killed may not have stored its last quarter of a second; the next run then knows that events before its
 * first id may be missing ({@link #lostBefore()}) and the stream reports {@code events.lost} to a client resuming
 * from before it. A clean stop ({@link #close()}) stores everything first. Thread-safe.
 */
public final class FolderEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FolderEvents.class);
    static final int KEEP = 10_000;
    /** How long events wait to be stored together; a killed daemon may not have stored its last this many ms. */
    static final long BATCH_MS = 250;
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
    private final long firstOfRun;
    private volatile boolean closing;
    private volatile boolean storeFailed;
    private long next;

    /** Events in memory only (they are gone at a restart). */
    public FolderEvents() {
        this.db = null;
        this.writer = null;
        this.lostBefore = 0;
        this.next = System.currentTimeMillis() * 1000;
        this.firstOfRun = next;
    }

    private FolderEvents(Connection db, long next, long lostBefore, List<Event> kept) {
        this.db = db;
        this.next = next;
        this.lostBefore = lostBefore;
        this.firstOfRun = next;
        this.recent.addAll(kept);
        this.writer = Thread.ofPlatform().daemon().name("folder-events").start(this::storeLoop);
    }

    /** Events kept in {@code file} across restarts; this run's events follow the stored ones. */
    public static FolderEvents open(Path file) throws IOException {
        Connection db = Sqlite.open(file, SCHEMA, "folder event log");
        try {
            long[] state = Sqlite.tx(db, "folder event log", () -> {
                long maxId = Sqlite.queryLong(db, "SELECT COALESCE(MAX(id), 0) FROM events");
                boolean killed = Sqlite.queryLong(db, "SELECT COUNT(*) FROM meta WHERE key = 'running'") > 0;
                long lost = Sqlite.queryLong(db, "SELECT COALESCE(MAX(value), 0) FROM meta WHERE key = 'lost_before'");
                long first = Math.max(System.currentTimeMillis() * 1000, maxId + 1);
                if (killed) {
                    lost = first;
                    setMeta(db, "lost_before", lost);
                }
                return new long[] {first, lost};
            });
            // The mark that this run is on must outlast a power cut (a plain commit here is not fsynced), or a run
            // whose events all went would leave no trace.
            try (java.sql.Statement st = db.createStatement()) {
                db.setAutoCommit(true); // the safety level can change only outside a transaction
                st.execute("PRAGMA synchronous=FULL");
                setMeta(db, "running", 1);
                st.execute("PRAGMA synchronous=NORMAL");
                db.setAutoCommit(false);
            } catch (java.sql.SQLException e) {
                throw new IOException("folder event log: " + e.getMessage(), e);
            }
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

    /**
     * True if events after {@code id} may be missing for good: an earlier run was killed, lost power, or failed to
     * store some events, and {@code id} is from before the run that followed it. (The mark that a run is on is
     * written with a full sync, so a power cut cannot lose it; the daemon closes this log last, so nothing is
     * published after the final store.)
     */
    public boolean mayHaveLostAfter(long id) {
        // A client told of a loss resumes from the id just below the run after it: that one is not told again.
        return id < lostBefore - 1;
    }

    /** The first id of this run. */
    public long firstOfRun() {
        return firstOfRun;
    }

    /** The first id of the run after the last one that may have lost events (0 if none may have). */
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
            if (writer.isAlive()) { // a stalled disk: leave the database to the writer, and the run marked unclean
                log.warn("could not store the last folder events: the writer is stuck; clients resuming are told");
                return;
            }
            Sqlite.tx(db, "folder event log", () -> {
                store(drain());
                if (!storeFailed) { // after a failed batch, the next run must know events are missing
                    Sqlite.execute(db, "DELETE FROM meta WHERE key = 'running'");
                }
                return null;
            });
        } catch (IOException e) {
            log.warn("could not store the last folder events: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            db.close();
        } catch (java.sql.SQLException ignored) {
            // closing a connection whose work is committed
        }
    }

    /**
     * Writes events in batches, at most one transaction per {@value #BATCH_MS} ms (each costs SQLite some page
     * writes whatever its size), and trims the table to the kept events only after half as many again were added
     * (deleting in bulk instead of a few rows per batch). Live subscribers do not wait for this.
     */
    private void storeLoop() {
        int sinceTrim = 0;
        while (!closing) {
            try {
                Event first = unstored.poll(BATCH_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BATCH_MS);
                while (!closing && unstored.size() < 1000 && System.nanoTime() < until) {
                    Thread.sleep(10);
                }
                List<Event> drained = drain();
                drained.addFirst(first);
                // Only the last KEEP are kept anyway (a first scan publishes one event per file).
                List<Event> batch = drained.size() > KEEP ? drained.subList(drained.size() - KEEP, drained.size()) : drained;
                sinceTrim += batch.size();
                long oldest = sinceTrim > KEEP / 2 ? oldestKept() : Long.MIN_VALUE;
                Sqlite.tx(db, "folder event log", () -> {
                    store(batch);
                    if (oldest != Long.MIN_VALUE) {
                        Sqlite.execute(db, "DELETE FROM events WHERE id < ?", oldest);
                    }
                    return null;
                });
                if (oldest != Long.MIN_VALUE) {
                    sinceTrim = 0;
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                storeFailed = true;
                log.warn("could not store folder events (clients resuming from before them will be told): {}", e.getMessage());
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

    private static void setMeta(Connection db, String key, long value) throws java.sql.SQLException {
        Sqlite.execute(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
    }
}
