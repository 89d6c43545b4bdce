package dev.ferry.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.db.Sqlite;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQLite side of the store: asset rows, tags and the change log (schema in {@code schema.sql}).
 * One connection, every method synchronized: SQLite allows one writer anyway, and the queries are short.
 * Writes that belong together (an event and the row it changes) run in one transaction.
 */
final class AssetIndex implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final String COLUMNS =
            "a.hash, a.size, a.mime_type, a.application, a.tags, a.user_id, a.file_name, "
            + "a.created_at, a.ingested_at, a.updated_at, a.seq, a.deleted_at";

    private final Connection db;
    /**
     * Live assets, their bytes and tombstones, kept in step with every committed row change so that listing
     * everything and {@link #counts()} need not count the table: that is a scan of every row (half a millisecond
     * at 6,000 assets), and clients poll {@code GET /list}. Null until first needed.
     */
    private Counts totals;
    /**
     * The id the next event gets: one above the highest ever given. Kept here so that an event is written with its
     * asset's state (which names the event's id) in one INSERT instead of an INSERT and an UPDATE; this connection is
     * the index's only writer (the daemon holds the data directory's {@code store.lock}).
     */
    private long nextEventId;

    AssetIndex(Path file) throws SQLException {
        db = Sqlite.connect(file, false);
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            // NORMAL in WAL mode survives a process crash; blobs themselves are fsynced before their row is written.
            st.execute("PRAGMA synchronous=NORMAL");
            st.execute("PRAGMA busy_timeout=5000");
            for (String stmt : schema()) {
                st.execute(stmt);
            }
        }
        db.setAutoCommit(false);
        db.commit();
        nextEventId = readNextEventId();
    }

    private long readNextEventId() throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                // AUTOINCREMENT's own record too: ids are never reused, even after the newest rows are gone.
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),"
                + " coalesce((SELECT max(id) FROM events), 0))")) {
            rs.next();
            return rs.getLong(1) + 1;
        }
    }

    private static List<String> schema() {
        try (InputStream in = AssetIndex.class.getResourceAsStream("schema.sql")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            for (String s : text.split("(?m)^;\\s*$")) {
                if (!s.replaceAll("(?m)--.*$", "").isBlank()) {
                    out.add(s);
                }
            }
            return out;
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("schema.sql missing from the build", e);
        }
    }

    synchronized Optional<Asset> get(String hash) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT " + COLUMNS + " FROM assets a WHERE a.hash = ?")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /**
     * Writes the asset's new state and logs the event, atomically, then hands the event to {@code publish}; returns
     * it. {@code before} is the row as the caller read it under its hash's lock (empty: no row yet), which the totals
     * need. Publishing here, under this index's monitor, is what keeps events in id order when changes of different
     * hashes commit at once; {@code publish} must only hand the event on.
     */
    synchronized StoreEvent record(StoreEvent.Type type, Optional<Asset> before, Asset state, long now,
            java.util.function.Consumer<StoreEvent> publish) throws SQLException {
        // A tombstone is fsynced with its commit: the blob's unlink that follows is made durable at once, and a power
        // cut must not keep the unlink but lose the tombstone (a live row without its bytes, which nothing refetches).
        boolean durable = type == StoreEvent.Type.DELETE;
        if (durable) {
            setSynchronous("FULL");
        }
        try {
            return recordAs(type, before, state, now, publish);
        } finally {
            if (durable) {
                try {
                    setSynchronous("NORMAL");
                } catch (SQLException e) {
                    // The delete is committed and must not be reported failed; commits stay fsynced, only slower.
                }
            }
        }
    }

    /** The safety level of the commits that follow; it can change only outside a transaction. */
    private void setSynchronous(String level) throws SQLException {
        db.setAutoCommit(true);
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA synchronous=" + level);
        } finally {
            db.setAutoCommit(false);
        }
    }

    private StoreEvent recordAs(StoreEvent.Type type, Optional<Asset> before, Asset state, long now,
            java.util.function.Consumer<StoreEvent> publish) throws SQLException {
        try {
            long id = nextEventId;
            Asset stored = new Asset(state.hash(), state.size(), state.mimeType(), state.application(), state.tags(),
                    state.user(), state.fileName(), state.createdAt(), state.ingestedAt(), state.updatedAt(), id,
                    state.deletedAt());
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO events(id, type, hash, at, asset) VALUES (?, ?, ?, ?, ?)")) {
                ps.setLong(1, id);
                ps.setString(2, type.wireName());
                ps.setString(3, state.hash());
                ps.setLong(4, now);
                ps.setString(5, toJson(stored));
                ps.executeUpdate();
            }
            Counts after = totals == null ? null : totals.after(before.orElse(null), stored);
            upsertRow(stored);
            db.commit();
            nextEventId = id + 1;
            totals = after;
            StoreEvent event = new StoreEvent(id, type, now, stored);
            publish.accept(event);
            return event;
        } catch (SQLException | RuntimeException | Error e) { // an Error too: nothing may stay open for the next commit
            totals = null; // recounted when next needed: a failed commit may still have written
            db.rollback();
            nextEventId = readNextEventId();
            throw e;
        }
    }

    private void upsertRow(Asset a) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR REPLACE INTO assets(hash, size, mime_type, application, tags, user_id, file_name,"
                + " created_at, ingested_at, updated_at, seq, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, a.hash());
            ps.setLong(2, a.size());
            ps.setString(3, a.mimeType());
            ps.setString(4, a.application());
            ps.setString(5, toJson(a.tags()));
            ps.setString(6, a.user());
            ps.setString(7, a.fileName());
            ps.setLong(8, a.createdAt());
            ps.setLong(9, a.ingestedAt());
            ps.setLong(10, a.updatedAt());
            ps.setLong(11, a.seq());
            if (a.deletedAt() == null) {
                ps.setNull(12, Types.INTEGER);
            } else {
                ps.setLong(12, a.deletedAt());
            }
            ps.executeUpdate();
        }
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM asset_tags WHERE hash = ?")) {
            ps.setString(1, a.hash());
            ps.executeUpdate();
        }
        if (!a.tags().isEmpty()) { // tombstones keep tags: a tag-filtered `since` must report their delete
            try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO asset_tags(hash, tag) VALUES (?, ?)")) {
                for (String tag : a.tags()) {
                    ps.setString(1, a.hash());
                    ps.setString(2, tag);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    /** Live assets matching the filter, newest first. */
    synchronized Page list(AssetFilter filter, int limit, long offset) throws SQLException {
        StringBuilder where = new StringBuilder(" FROM assets a WHERE a.deleted_at IS NULL");
        List<Object> params = new ArrayList<>();
        filter.appendWhere(where, params);
        long total;
        if (filter.matchesAll()) {
            total = counts().assets();
        } else {
            try (PreparedStatement ps = prepare("SELECT count(*)" + where, params)) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
        }
        List<Object> pageParams = new ArrayList<>(params);
        pageParams.add(limit);
        pageParams.add(offset);
        List<Asset> items = query("SELECT " + COLUMNS + where + " ORDER BY a.ingested_at DESC, a.seq DESC LIMIT ? OFFSET ?",
                pageParams);
        return new Page(items, total);
    }

    /** Assets (live and tombstones) whose last change has a sequence number above {@code since}, oldest change first. */
    synchronized List<Asset> changedSince(AssetFilter filter, long since, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM assets a WHERE a.seq > ?");
        List<Object> params = new ArrayList<>();
        params.add(since);
        filter.appendWhere(sql, params);
        sql.append(" ORDER BY a.seq LIMIT ?");
        params.add(limit);
        return query(sql.toString(), params);
    }

    /** Logged events with an id above {@code after}, in id order. */
    synchronized List<StoreEvent> eventsAfter(long after, int limit) throws SQLException {
        List<StoreEvent> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT id, type, at, asset FROM events WHERE id > ? ORDER BY id LIMIT ?")) {
            ps.setLong(1, after);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoreEvent(rs.getLong(1), StoreEvent.Type.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT)),
                            rs.getLong(3), fromJson(rs.getString(4), Asset.class)));
                }
            }
        }
        return out;
    }

    synchronized long latestSeq() {
        return nextEventId - 1;
    }

    synchronized Counts counts() throws SQLException {
        if (totals == null) {
            totals = countRows();
        }
        return totals;
    }

    private Counts countRows() throws SQLException {
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), coalesce(sum(size), 0) FROM assets WHERE deleted_at IS NULL")) {
            rs.next();
            long assets = rs.getLong(1);
            long bytes = rs.getLong(2);
            try (ResultSet t = st.executeQuery("SELECT count(*) FROM assets WHERE deleted_at IS NOT NULL")) {
                t.next();
                return new Counts(assets, bytes, t.getLong(1));
            }
        }
    }

    record Page(List<Asset> items, long total) {}

    record Counts(long assets, long bytes, long tombstones) {
        /** These totals once {@code before} (null: no row yet) has become {@code now}. */
        private Counts after(Asset before, Asset now) {
            long assets = this.assets;
            long bytes = this.bytes;
            long tombstones = this.tombstones;
            if (before != null) {
                if (before.deleted()) {
                    tombstones--;
                } else {
                    assets--;
                    bytes -= before.size();
                }
            }
            if (now.deleted()) {
                tombstones++;
            } else {
                assets++;
                bytes += now.size();
            }
            return new Counts(assets, bytes, tombstones);
        }
    }

    private PreparedStatement prepare(String sql, List<Object> params) throws SQLException {
        PreparedStatement ps = db.prepareStatement(sql);
        for (int i = 0; i < params.size(); i++) {
            ps.setObject(i + 1, params.get(i));
        }
        return ps;
    }

    private List<Asset> query(String sql, List<Object> params) throws SQLException {
        List<Asset> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(read(rs));
            }
        }
        return out;
    }

    private static Asset read(ResultSet rs) throws SQLException {
        long deleted = rs.getLong(12);
        Long deletedAt = rs.wasNull() ? null : deleted;
        return new Asset(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                fromJson(rs.getString(5), new TypeReference<List<String>>() {}), rs.getString(6), rs.getString(7),
                rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), deletedAt);
    }

    private static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T fromJson(String s, Class<T> type) {
        try {
            return JSON.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON in index: " + s, e);
        }
    }

    private static <T> T fromJson(String s, TypeReference<T> type) {
        try {
            return JSON.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON in index: " + s, e);
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        db.close();
    }
}
