package dev.ferry.peer;

import dev.ferry.db.Sqlite;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The persisted table of known peers, keyed by peer id, in {@code <data_dir>/peers.db}. A known peer is one
 * this node trusts enough to dial and to show itself to: added by configuration, by hand, or (later) by an
 * invite. Its addresses come only from those sources, from the listener addresses it announces in Hello, and
 * from discovery; never from a connection's source port. Thread-safe (synchronized; one connection).
 */
public final class PeerTable implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A peer keeps at most this many addresses, newest first; discovery and Hello cannot grow it without bound. */
    static final int MAX_ADDRESSES = 16;
    private final Connection db;
    /**
     * The ids in the table, in step with every committed insert and delete: each request a peer sends asks whether
     * the peer is known, and a query (with its JSON parse) per request was 1% of a busy daemon's CPU.
     */
    private final Set<PeerId> known = ConcurrentHashMap.newKeySet();

    /** One row. {@code addresses} newest first, each {@code HOST:PORT}. */
    public record Entry(PeerId id, String name, List<String> addresses, String source, long addedAt, long lastSeen) {}

    public PeerTable(Path file) throws IOException {
        try {
            db = Sqlite.connect(file, false);
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=NORMAL");
                // source: config | manual | invite. last_seen: ms since epoch of the last message heard, 0 = never.
                st.execute("""
                        CREATE TABLE IF NOT EXISTS peers (
                            peer_id   TEXT PRIMARY KEY,
                            name      TEXT NOT NULL DEFAULT '',
                            addresses TEXT NOT NULL DEFAULT '[]',
                            source    TEXT NOT NULL,
                            added_at  INTEGER NOT NULL,
                            last_seen INTEGER NOT NULL DEFAULT 0
                        ) WITHOUT ROWID""");
                try (ResultSet rs = st.executeQuery("SELECT peer_id FROM peers")) {
                    while (rs.next()) {
                        known.add(PeerId.parse(rs.getString(1)));
                    }
                }
            }
        } catch (SQLException | IllegalArgumentException e) {
            throw new IOException("cannot open the peer table " + file + ": " + e.getMessage(), e);
        }
    }

    /** Adds the peer if unknown; in any case puts {@code addresses} first in its address list. */
    public synchronized Entry remember(PeerId id, List<String> addresses, String source, long now) throws IOException {
        try {
            Optional<Entry> old = get(id);
            List<String> merged = merge(addresses, old.map(Entry::addresses).orElse(List.of()));
            if (old.isEmpty()) {
                try (PreparedStatement ps = db.prepareStatement(
                        "INSERT INTO peers(peer_id, addresses, source, added_at) VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, id.toString());
                    ps.setString(2, JSON.writeValueAsString(merged));
                    ps.setString(3, source);
                    ps.setLong(4, now);
                    ps.executeUpdate();
                }
                known.add(id);
            } else {
                setAddresses(id, merged);
            }
            return get(id).orElseThrow();
        } catch (SQLException e) {
            throw new IOException("peer table write failed: " + e.getMessage(), e);
        }
    }

    /** Records what a connected peer said about itself; no-op for peers not in the table. */
    public synchronized void heard(PeerId id, String name, List<String> listenAddresses, long now) throws IOException {
        try {
            Optional<Entry> old = get(id);
            if (old.isEmpty()) {
                return;
            }
            setAddresses(id, merge(listenAddresses, old.get().addresses()));
            try (PreparedStatement ps = db.prepareStatement("UPDATE peers SET name = ?, last_seen = ? WHERE peer_id = ?")) {
                ps.setString(1, name == null ? "" : name);
                ps.setLong(2, now);
                ps.setString(3, id.toString());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IOException("peer table write failed: " + e.getMessage(), e);
        }
    }

    public synchronized void touch(PeerId id, long lastSeen) throws IOException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE peers SET last_seen = max(last_seen, ?) WHERE peer_id = ?")) {
            ps.setLong(1, lastSeen);
            ps.setString(2, id.toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("peer table write failed: " + e.getMessage(), e);
        }
    }

    public synchronized boolean forget(PeerId id) throws IOException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM peers WHERE peer_id = ?")) {
            ps.setString(1, id.toString());
            boolean removed = ps.executeUpdate() > 0;
            known.remove(id);
            return removed;
        } catch (SQLException e) {
            throw new IOException("peer table write failed: " + e.getMessage(), e);
        }
    }

    /** Whether the peer is in the table; answered from memory. */
    public boolean knows(PeerId id) {
        return known.contains(id);
    }

    public synchronized Optional<Entry> get(PeerId id) throws IOException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT peer_id, name, addresses, source, added_at, last_seen FROM peers WHERE peer_id = ?")) {
            ps.setString(1, id.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IOException("peer table read failed: " + e.getMessage(), e);
        }
    }

    public synchronized List<Entry> all() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT peer_id, name, addresses, source, added_at, last_seen FROM peers ORDER BY added_at")) {
            while (rs.next()) {
                out.add(read(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IOException("peer table read failed: " + e.getMessage(), e);
        }
    }

    private void setAddresses(PeerId id, List<String> addresses) throws SQLException, IOException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE peers SET addresses = ? WHERE peer_id = ?")) {
            ps.setString(1, JSON.writeValueAsString(addresses));
            ps.setString(2, id.toString());
            ps.executeUpdate();
        }
    }

    private static List<String> merge(List<String> first, List<String> then) {
        LinkedHashSet<String> all = new LinkedHashSet<>(first);
        all.addAll(then);
        return all.stream().limit(MAX_ADDRESSES).toList();
    }

    private static Entry read(ResultSet rs) throws SQLException, IOException {
        return new Entry(PeerId.parse(rs.getString(1)), rs.getString(2),
                JSON.readValue(rs.getString(3), new TypeReference<List<String>>() {}), rs.getString(4), rs.getLong(5),
                rs.getLong(6));
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
