package dev.ferry.library;

import dev.ferry.db.Sqlite;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ferry.store.AssetFilter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Libraries, members, invites, each library's index, the revision received last from each peer, and the queue of
 * assets still to fetch, in {@code <data_dir>/libraries.db} (SQLite, WAL). One connection; every method is
 * synchronized, and a change to an entry updates the entry, the library's revision and its digest in one
 * transaction, so the index never disagrees with its revision. Thread-safe.
 */
public final class LibraryStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LibraryStore.class);
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS libraries (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, filter TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revision INTEGER NOT NULL DEFAULT 0,   -- rises by one with every entry change
                digest BLOB NOT NULL                   -- XOR of SHA-256 of every live entry's state
            );
            CREATE TABLE IF NOT EXISTS members (
                library_id TEXT NOT NULL, peer_id TEXT NOT NULL, joined_at INTEGER NOT NULL,
                PRIMARY KEY (library_id, peer_id)
            ) WITHOUT ROWID;
            -- Members this node did not admit or join itself: another member listed them (library.members).
            -- A member without a row here is direct. The introducer's list stays authoritative for them.
            CREATE TABLE IF NOT EXISTS introductions (
                library_id TEXT NOT NULL, peer_id TEXT NOT NULL, introduced_by TEXT NOT NULL,
                PRIMARY KEY (library_id, peer_id)
            ) WITHOUT ROWID;
            -- Members a person removed here: no introduction brings them back, only joining again through an invite.
            CREATE TABLE IF NOT EXISTS removed_members (
                library_id TEXT NOT NULL, peer_id TEXT NOT NULL, removed_at INTEGER NOT NULL,
                PRIMARY KEY (library_id, peer_id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS invites (
                id TEXT PRIMARY KEY, library_id TEXT NOT NULL, secret BLOB NOT NULL, created_at INTEGER NOT NULL,
                expires_at INTEGER, revoked INTEGER NOT NULL DEFAULT 0
            );
            -- One row per asset ever in a library, deleted ones kept as tombstones so deletes propagate.
            CREATE TABLE IF NOT EXISTS entries (
                library_id TEXT NOT NULL, hash TEXT NOT NULL, rev INTEGER NOT NULL, deleted INTEGER NOT NULL,
                state TEXT NOT NULL,                   -- the Entry as JSON
                PRIMARY KEY (library_id, hash)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS entries_by_rev ON entries(library_id, rev);
            -- The highest revision of a peer's index of a library that this node has applied.
            CREATE TABLE IF NOT EXISTS cursors (
                library_id TEXT NOT NULL, peer_id TEXT NOT NULL, rev INTEGER NOT NULL,
                PRIMARY KEY (library_id, peer_id)
            ) WITHOUT ROWID;
            -- Where each folder library lives on this node (a local choice, never exchanged).
            CREATE TABLE IF NOT EXISTS folder_paths (library_id TEXT PRIMARY KEY, path TEXT NOT NULL) WITHOUT ROWID;
            -- Assets whose metadata arrived but whose bytes did not yet (survives restarts).
            CREATE TABLE IF NOT EXISTS missing (
                hash TEXT NOT NULL, library_id TEXT NOT NULL, entry TEXT NOT NULL, sources TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (hash, library_id)   -- per library: its members are the sources that may serve it
            ) WITHOUT ROWID;
            -- The fetcher asks for the earliest due rows many times while a backlog drains: without this index
            -- each ask scanned and sorted the whole queue (38 ms at 100,000 rows, 0.13 ms with it).
            CREATE INDEX IF NOT EXISTS missing_by_next_try ON missing(next_try);
            """;

    private final Connection db;
    /**
     * Per library: live assets, their bytes and tombstones, kept in step with every committed entry change so that a
     * library's status ({@code GET /libraries/{id}}) need not read and parse every entry: at 34,000 entries that scan
     * took 100-190 ms per call (now microseconds). Filled per library on first use, changed after a commit only.
     */
    private final Map<String, Counts> totals = new HashMap<>();

    public LibraryStore(Path file) throws IOException {
        db = Sqlite.open(file, SCHEMA, "library database");
    }

    // ---- libraries ------------------------------------------------------------------------------------

    /** Creates a library; {@code id} null makes a new one here, non-null records one joined from a peer. */
    public synchronized Library create(String id, String name, String kind, AssetFilter filter, long now) throws IOException {
        String libId = id != null ? id : UUID.randomUUID().toString();
        return tx(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO libraries(id, name, kind, filter, created_at, digest) VALUES (?,?,?,?,?,?)")) {
                ps.setString(1, libId);
                ps.setString(2, name);
                ps.setString(3, kind);
                ps.setString(4, JSON.writeValueAsString(filter));
                ps.setLong(5, now);
                ps.setBytes(6, new byte[32]);
                ps.executeUpdate();
            }
            return get(libId).orElseThrow();
        });
    }

    /** Records the local directory of a folder library. */
    public synchronized void setFolderPath(String libraryId, String path) throws IOException {
        tx(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO folder_paths(library_id, path) VALUES (?,?)")) {
                ps.setString(1, libraryId);
                ps.setString(2, path);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public synchronized Optional<String> folderPath(String libraryId) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT path FROM folder_paths WHERE library_id = ?")) {
                ps.setString(1, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    public synchronized Optional<Library> get(String id) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT id, name, kind, filter, created_at, revision, digest FROM libraries WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(library(rs)) : Optional.<Library>empty();
                }
            }
        });
    }

    public synchronized List<Library> all() throws IOException {
        return read(() -> {
            List<Library> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT id, name, kind, filter, created_at, revision, digest FROM libraries ORDER BY created_at");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(library(rs));
                }
            }
            return out;
        });
    }

    /** Removes the library and everything about it; the assets stay in the store. */
    public synchronized boolean delete(String id) throws IOException {
        totals.remove(id);
        return tx(() -> {
            int n;
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM libraries WHERE id = ?")) {
                ps.setString(1, id);
                n = ps.executeUpdate();
            }
            for (String table : List.of("members", "introductions", "removed_members", "invites", "entries", "cursors", "missing", "folder_paths")) {
                try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + table + " WHERE library_id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            return n > 0;
        });
    }

    private static Library library(ResultSet rs) throws SQLException, IOException {
        return new Library(rs.getString(1), rs.getString(2), rs.getString(3),
                JSON.readValue(rs.getString(4), AssetFilter.class), rs.getLong(5), rs.getLong(6), rs.getBytes(7));
    }

    // ---- members --------------------------------------------------------------------------------------

    /** A member of a library; {@code introducedBy} is the member that listed it, null if this node admitted or joined it. */
    public record Member(String peerId, long joinedAt, String introducedBy) {}

    /**
     * Records a member this node admitted or joined through: a member it knew by introduction becomes direct, and
     * one a person removed here is a member again (it proved an invite).
     */
    public synchronized void addMember(String libraryId, String peerId, long now) throws IOException {
        tx(() -> {
            insertMember(libraryId, peerId, now);
            deleteIntroduction(libraryId, peerId);
            execute("DELETE FROM removed_members WHERE library_id = ? AND peer_id = ?", libraryId, peerId);
            return null;
        });
    }

    /** What taking in one member's list changed: members added (introduced by it) and members withdrawn. */
    public record Introduced(List<String> added, List<String> withdrawn) {
        public boolean changed() {
            return !added.isEmpty() || !withdrawn.isEmpty();
        }
    }

    /**
     * Takes in member {@code by}'s list of the library's members, in one transaction: each listed peer that is not
     * a member yet, not {@code self}, not {@code by} and not removed here by a person becomes a member introduced
     * by {@code by}; each member {@code by} introduced and no longer lists is withdrawn (with what it introduced in
     * turn). Nothing happens if the library is gone or {@code by} is no longer a member.
     */
    public synchronized Introduced introduce(String libraryId, String by, String self, java.util.Collection<String> listed,
            long now) throws IOException {
        return tx(() -> {
            List<String> added = new ArrayList<>();
            List<String> withdrawn = new ArrayList<>();
            if (!exists(libraryId) || !memberRow(libraryId, by)) {
                return new Introduced(added, withdrawn);
            }
            for (String peer : listed) {
                if (peer.equals(self) || peer.equals(by) || removedHere(libraryId, peer) || !insertMember(libraryId, peer, now)) {
                    continue;
                }
                execute("INSERT OR REPLACE INTO introductions(library_id, peer_id, introduced_by) VALUES (?,?,?)", libraryId, peer, by);
                added.add(peer);
            }
            for (String peer : introducedBy(libraryId, by)) {
                if (!listed.contains(peer)) {
                    withdrawn.addAll(deleteMember(libraryId, peer));
                }
            }
            return new Introduced(added, withdrawn);
        });
    }

    private boolean insertMember(String libraryId, String peerId, long now) throws SQLException {
        return execute("INSERT OR IGNORE INTO members(library_id, peer_id, joined_at) VALUES (?,?,?)", libraryId, peerId, now) > 0;
    }

    private boolean exists(String libraryId) throws SQLException {
        return anyRow("SELECT 1 FROM libraries WHERE id = ?", libraryId);
    }

    private boolean memberRow(String libraryId, String peerId) throws SQLException {
        return anyRow("SELECT 1 FROM members WHERE library_id = ? AND peer_id = ?", libraryId, peerId);
    }

    private boolean removedHere(String libraryId, String peerId) throws SQLException {
        return anyRow("SELECT 1 FROM removed_members WHERE library_id = ? AND peer_id = ?", libraryId, peerId);
    }

    private boolean anyRow(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = statement(sql, params); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /** One statement with its parameters, inside the caller's transaction; returns the rows it changed. */
    private int execute(String sql, Object... params) throws SQLException {
        return Sqlite.execute(db, sql, params);
    }

    private PreparedStatement statement(String sql, Object... params) throws SQLException {
        return Sqlite.statement(db, sql, params);
    }

    private List<String> introducedBy(String libraryId, String by) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = statement("SELECT peer_id FROM introductions WHERE library_id = ? AND introduced_by = ?",
                libraryId, by)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private void deleteIntroduction(String libraryId, String peerId) throws SQLException {
        execute("DELETE FROM introductions WHERE library_id = ? AND peer_id = ?", libraryId, peerId);
    }

    /**
     * A person removes a member here: it and the members only it introduced go, and no introduction brings it back
     * (until it joins again through an invite). Returns every peer that stopped being a member, empty if
     * {@code peerId} was not one.
     */
    public synchronized List<String> removeMember(String libraryId, String peerId, long now) throws IOException {
        return tx(() -> {
            List<String> gone = deleteMember(libraryId, peerId);
            if (!gone.isEmpty()) {
                execute("INSERT OR REPLACE INTO removed_members(library_id, peer_id, removed_at) VALUES (?,?,?)", libraryId, peerId, now);
            }
            return gone;
        });
    }

    /**
     * Deletes a member with its cursor, then the members it introduced, and theirs in turn: an introduction is only
     * as good as its introducer. Returns the peers deleted (empty if {@code peerId} was not a member).
     */
    private List<String> deleteMember(String libraryId, String peerId) throws SQLException {
        List<String> gone = new ArrayList<>();
        java.util.ArrayDeque<String> work = new java.util.ArrayDeque<>(List.of(peerId));
        while (!work.isEmpty()) {
            String peer = work.poll();
            if (execute("DELETE FROM members WHERE library_id = ? AND peer_id = ?", libraryId, peer) == 0) {
                continue;
            }
            gone.add(peer);
            execute("DELETE FROM cursors WHERE library_id = ? AND peer_id = ?", libraryId, peer);
            deleteIntroduction(libraryId, peer);
            work.addAll(introducedBy(libraryId, peer));
        }
        return gone;
    }

    public synchronized List<Member> members(String libraryId) throws IOException {
        return read(() -> {
            List<Member> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT m.peer_id, m.joined_at, i.introduced_by FROM members m LEFT JOIN introductions i"
                    + " ON i.library_id = m.library_id AND i.peer_id = m.peer_id WHERE m.library_id = ? ORDER BY m.joined_at")) {
                ps.setString(1, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Member(rs.getString(1), rs.getLong(2), rs.getString(3)));
                    }
                }
            }
            return out;
        });
    }

    public synchronized boolean isMember(String libraryId, String peerId) throws IOException {
        return read(() -> memberRow(libraryId, peerId));
    }

    /** The libraries this node shares with the peer. */
    public synchronized List<Library> sharedWith(String peerId) throws IOException {
        List<Library> out = new ArrayList<>();
        for (Library l : all()) {
            if (isMember(l.id(), peerId)) {
                out.add(l);
            }
        }
        return out;
    }

    // ---- invites --------------------------------------------------------------------------------------

    public synchronized Invite createInvite(String libraryId, byte[] secret, Long expiresAt, long now) throws IOException {
        String id = UUID.randomUUID().toString();
        tx(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO invites(id, library_id, secret, created_at, expires_at) VALUES (?,?,?,?,?)")) {
                ps.setString(1, id);
                ps.setString(2, libraryId);
                ps.setBytes(3, secret);
                ps.setLong(4, now);
                if (expiresAt == null) {
                    ps.setNull(5, java.sql.Types.INTEGER);
                } else {
                    ps.setLong(5, expiresAt);
                }
                ps.executeUpdate();
            }
            return null;
        });
        return new Invite(id, libraryId, secret, now, expiresAt, false);
    }

    public synchronized Optional<Invite> invite(String id) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT id, library_id, secret, created_at, expires_at, revoked FROM invites WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Invite>empty();
                    }
                    long exp = rs.getLong(5);
                    Long expiresAt = rs.wasNull() ? null : exp;
                    return Optional.of(new Invite(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getLong(4),
                            expiresAt, rs.getInt(6) != 0));
                }
            }
        });
    }

    public synchronized List<Invite> invites(String libraryId) throws IOException {
        return read(() -> {
            List<Invite> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT id FROM invites WHERE library_id = ? ORDER BY created_at")) {
                ps.setString(1, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(invite(rs.getString(1)).orElseThrow());
                    }
                }
            }
            return out;
        });
    }

    public synchronized boolean revokeInvite(String libraryId, String inviteId) throws IOException {
        return tx(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE invites SET revoked = 1 WHERE id = ? AND library_id = ?")) {
                ps.setString(1, inviteId);
                ps.setString(2, libraryId);
                return ps.executeUpdate() > 0;
            }
        });
    }

    // ---- the index ------------------------------------------------------------------------------------

    public synchronized Optional<Entry> entry(String libraryId, String hash) throws IOException {
        return read(() -> entryRow(libraryId, hash));
    }

    private Optional<Entry> entryRow(String libraryId, String hash) throws SQLException, IOException {
        try (PreparedStatement ps = db.prepareStatement("SELECT state FROM entries WHERE library_id = ? AND hash = ?")) {
            ps.setString(1, libraryId);
            ps.setString(2, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(JSON.readValue(rs.getString(1), Entry.class)) : Optional.empty();
            }
        }
    }

    /**
     * Records the assets' states in the library, in order, in one transaction (a batch of store changes costs one
     * commit and one revision update, not one per asset). A state that differs from what the index holds gets the
     * library's next revision; one that is the same changes nothing. A deleted state is recorded only over a live
     * entry: the index never gains a tombstone for an asset it did not hold (a store delete of an asset outside the
     * library), and a tombstone is not rewritten.
     * Returns the entries that changed, each with its new revision, in revision order.
     */
    public synchronized List<Entry> putAll(String libraryId, List<Entry> states) throws IOException {
        return countedChange(libraryId, counted -> putRows(libraryId, states, false, counted));
    }

    /**
     * A member deleted an asset of the library at {@code tombstone.changedAt()}, as one commit: its queued fetch is
     * dropped unless the queued announcement is newer (see {@link #notNeeded}), and if the index holds nothing of the
     * asset (this node never had it), the tombstone is recorded at the next revision, so that an older announcement
     * of it from another member is not queued again ({@link #addMissingAndSetCursor}). A live entry is left alone:
     * the store's delete turns it into a tombstone. Returns whether a queued fetch was dropped (one may be under way:
     * see {@link #fetched}).
     */
    public synchronized boolean remoteDelete(String libraryId, Entry tombstone) throws IOException {
        if (!tombstone.deleted()) {
            throw new IllegalArgumentException("not a tombstone: " + tombstone.hash());
        }
        return countedChange(libraryId, counted -> {
            boolean dropped = dropQueuedUnlessNewer(libraryId, tombstone.hash(), tombstone.changedAt());
            if (get(libraryId).isPresent() && entryRow(libraryId, tombstone.hash()).isEmpty()) {
                putRows(libraryId, List.of(tombstone), true, counted);
            }
            return dropped;
        });
    }

    /**
     * Runs {@code work} in one transaction with the library's counts (null: not counted yet) and keeps them only if it
     * commits: a commit that reports failure may still have written, so they are counted again when next asked for.
     */
    private <T> T countedChange(String libraryId, CountedWork<T> work) throws IOException {
        Counts[] counted = {totals.remove(libraryId)};
        T result = tx(() -> work.run(counted));
        if (counted[0] != null) {
            totals.put(libraryId, counted[0]);
        }
        return result;
    }

    private interface CountedWork<T> {
        T run(Counts[] counted) throws SQLException, IOException;
    }

    /** {@link #putAll}'s rows, inside the caller's transaction; {@code unheld}: tombstones over no entry are recorded too. */
    private List<Entry> putRows(String libraryId, List<Entry> states, boolean unheld, Counts[] counted)
            throws SQLException, IOException {
        Library lib = get(libraryId).orElseThrow(() -> new IOException("no library " + libraryId));
        long rev = lib.revision();
        byte[] digest = lib.digest().clone();
        List<Entry> changed = new ArrayList<>();
        for (Entry state : states) {
            Optional<Entry> old = entryRow(libraryId, state.hash());
            boolean live = old.isPresent() && !old.get().deleted();
            // A tombstone is never rewritten, and goes over no entry only when asked to.
            boolean skippedTombstone = state.deleted() && (old.isPresent() ? !live : !unheld);
            if (old.isPresent() && old.get().sameState(state) || skippedTombstone) {
                continue;
            }
            if (live) {
                xor(digest, stateHash(old.get()));
            }
            if (!state.deleted()) {
                xor(digest, stateHash(state));
            }
            if (counted[0] != null) {
                counted[0] = counted[0].after(old.orElse(null), state);
            }
            Entry stored = state.withRev(++rev);
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT OR REPLACE INTO entries(library_id, hash, rev, deleted, state) VALUES (?,?,?,?,?)")) {
                ps.setString(1, libraryId);
                ps.setString(2, state.hash());
                ps.setLong(3, rev);
                ps.setInt(4, state.deleted() ? 1 : 0);
                ps.setString(5, JSON.writeValueAsString(stored));
                ps.executeUpdate();
            }
            changed.add(stored);
        }
        if (!changed.isEmpty()) {
            try (PreparedStatement ps = db.prepareStatement("UPDATE libraries SET revision = ?, digest = ? WHERE id = ?")) {
                ps.setLong(1, rev);
                ps.setBytes(2, digest);
                ps.setString(3, libraryId);
                ps.executeUpdate();
            }
        }
        return changed;
    }

    /** Entries changed after revision {@code since}, in revision order. */
    public synchronized List<Entry> changesSince(String libraryId, long since, int limit) throws IOException {
        return read(() -> {
            List<Entry> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT state FROM entries WHERE library_id = ? AND rev > ? ORDER BY rev LIMIT ?")) {
                ps.setString(1, libraryId);
                ps.setLong(2, since);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(JSON.readValue(rs.getString(1), Entry.class));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Forgets the library's tombstones whose deletion happened before {@code beforeMs}, so the index does not grow
     * with every asset ever deleted. Neither the revision nor the digest (live entries only) changes. Returns how
     * many were forgotten.
     */
    public synchronized int forgetTombstones(String libraryId, long beforeMs) throws IOException {
        Counts known = totals.remove(libraryId); // counted again when next asked for if this fails (see putAll)
        int forgotten = tx(() -> {
            List<String> old = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT hash, state FROM entries WHERE library_id = ? AND deleted = 1")) {
                ps.setString(1, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (JSON.readValue(rs.getString(2), Entry.class).changedAt() < beforeMs) {
                            old.add(rs.getString(1));
                        }
                    }
                }
            }
            for (String hash : old) {
                execute("DELETE FROM entries WHERE library_id = ? AND hash = ?", libraryId, hash);
            }
            return old.size();
        });
        if (known != null) {
            totals.put(libraryId, new Counts(known.assets(), known.bytes(), known.deleted() - forgotten));
        }
        return forgotten;
    }

    public record Counts(long assets, long bytes, long deleted) {
        /** These counts once the entry {@code before} (null: none yet) has become {@code now}. */
        Counts after(Entry before, Entry now) {
            long a = assets;
            long b = bytes;
            long d = deleted;
            if (before != null && before.deleted()) {
                d--;
            } else if (before != null) {
                a--;
                b -= before.size();
            }
            if (now.deleted()) {
                d++;
            } else {
                a++;
                b += now.size();
            }
            return new Counts(a, b, d);
        }
    }

    /** Live assets, their bytes and tombstones; counted from the entries once, then kept in step (see {@link #totals}). */
    public synchronized Counts counts(String libraryId) throws IOException {
        Counts known = totals.get(libraryId);
        if (known == null) {
            known = countEntries(libraryId);
            if (get(libraryId).isPresent()) { // a library asked about just after its deletion is not remembered
                totals.put(libraryId, known);
            }
        }
        return known;
    }

    private Counts countEntries(String libraryId) throws IOException {
        return read(() -> {
            Counts counts = new Counts(0, 0, 0);
            try (PreparedStatement ps = db.prepareStatement("SELECT state FROM entries WHERE library_id = ?")) {
                ps.setString(1, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        counts = counts.after(null, JSON.readValue(rs.getString(1), Entry.class));
                    }
                }
            }
            return counts;
        });
    }

    // ---- cursors --------------------------------------------------------------------------------------

    public synchronized long cursor(String libraryId, String peerId) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT rev FROM cursors WHERE library_id = ? AND peer_id = ?")) {
                ps.setString(1, libraryId);
                ps.setString(2, peerId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    public synchronized void setCursor(String libraryId, String peerId, long rev) throws IOException {
        tx(() -> {
            cursorRow(libraryId, peerId, rev);
            return null;
        });
    }

    private void cursorRow(String libraryId, String peerId, long rev) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR REPLACE INTO cursors(library_id, peer_id, rev) VALUES (?,?,?)")) {
            ps.setString(1, libraryId);
            ps.setString(2, peerId);
            ps.setLong(3, rev);
            ps.executeUpdate();
        }
    }

    // ---- the fetch queue ------------------------------------------------------------------------------

    /**
     * One page of a member's changes applied, in one commit: the assets the member has and this node lacks are
     * queued, or get the member as one more source (and are due at once) if queued already, and the member's cursor
     * moves to {@code rev}. An asset this library deleted at or after the entry's change is not queued: the delete
     * wins, no resurrection. The rule is checked here, inside the commit, so that a delete made while the caller
     * applied the page counts too. One fetched meanwhile is queued and then found present by the fetcher.
     */
    public synchronized void addMissingAndSetCursor(String libraryId, List<Entry> entries, String peerId, long rev)
            throws IOException {
        tx(() -> {
            for (Entry e : entries) {
                Optional<Entry> mine = entryRow(libraryId, e.hash());
                boolean deletedSince = mine.isPresent() && mine.get().deleted() && mine.get().changedAt() >= e.changedAt();
                if (!deletedSince) {
                    queueRow(libraryId, e, peerId);
                }
            }
            cursorRow(libraryId, peerId, rev);
            return null;
        });
    }

    private void queueRow(String libraryId, Entry entry, String source) throws SQLException, IOException {
        List<String> sources = new ArrayList<>();
        long queuedChange = Long.MIN_VALUE;
        try (PreparedStatement ps = db.prepareStatement("SELECT sources, entry FROM missing WHERE hash = ? AND library_id = ?")) {
            ps.setString(1, entry.hash());
            ps.setString(2, libraryId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    sources.addAll(JSON.readValue(rs.getString(1), new TypeReference<List<String>>() {}));
                    queuedChange = JSON.readValue(rs.getString(2), Entry.class).changedAt();
                }
            }
        }
        if (!sources.isEmpty() && entry.changedAt() > queuedChange) {
            // The newest announcement is the one a delete must be weighed against (notNeeded).
            try (PreparedStatement ps = db.prepareStatement("UPDATE missing SET entry = ? WHERE hash = ? AND library_id = ?")) {
                ps.setString(1, JSON.writeValueAsString(entry));
                ps.setString(2, entry.hash());
                ps.setString(3, libraryId);
                ps.executeUpdate();
            }
        }
        LinkedHashSet<String> all = new LinkedHashSet<>(sources);
        all.add(source);
        if (sources.isEmpty()) {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT OR REPLACE INTO missing(hash, library_id, entry, sources) VALUES (?,?,?,?)")) {
                ps.setString(1, entry.hash());
                ps.setString(2, libraryId);
                ps.setString(3, JSON.writeValueAsString(entry));
                ps.setString(4, JSON.writeValueAsString(List.copyOf(all)));
                ps.executeUpdate();
            }
        } else if (all.size() > sources.size()) {
            // A new source is worth trying now, whatever the backoff the old ones earned.
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE missing SET sources = ?, next_try = 0 WHERE hash = ? AND library_id = ?")) {
                ps.setString(1, JSON.writeValueAsString(List.copyOf(all)));
                ps.setString(2, entry.hash());
                ps.setString(3, libraryId);
                ps.executeUpdate();
            }
        }
    }

    /** The fetcher's query for the earliest due assets; served by the index {@code missing_by_next_try}. */
    private static final String MISSING_ROWS = "SELECT hash, library_id, entry, sources, attempts, next_try FROM missing";
    static final String MISSING_DUE = MISSING_ROWS + " WHERE next_try <= ? ORDER BY next_try LIMIT ?";

    /** How long a queue row that cannot be read is set aside: it is logged each time, and must not stall the rest. */
    static final long UNREADABLE_ROW_WAIT = 3_600_000;

    /**
     * The earliest due assets, at most {@code limit}. A row that cannot be decoded (written by another version, or
     * damaged) is skipped, logged and set aside for {@link #UNREADABLE_ROW_WAIT}: being due first, it would otherwise
     * make every look at the queue fail, and no asset behind it would ever be fetched.
     */
    public synchronized List<Missing> missingDue(long now, int limit) throws IOException {
        List<String[]> unreadable = new ArrayList<>();
        List<Missing> due = read(() -> missingRows(unreadable, MISSING_DUE, now, limit));
        if (!unreadable.isEmpty()) {
            tx(() -> {
                for (String[] row : unreadable) {
                    log.warn("fetch queue: the row of {} in library {} cannot be read ({}); set aside for an hour",
                            row[0], row[1], row[2]);
                    execute("UPDATE missing SET next_try = ? WHERE hash = ? AND library_id = ?", now + UNREADABLE_ROW_WAIT,
                            row[0], row[1]);
                }
                return null;
            });
        }
        return due;
    }

    /**
     * Makes due now every queued asset whose next try is more than {@code longestBackoff} away: no backoff is that
     * long, so this node's clock went back (corrected, or set by hand) after the try was scheduled, and without this
     * the asset would wait out the jump. Returns how many were made due.
     */
    public synchronized int undoBackoffBeyond(long now, long longestBackoff) throws IOException {
        return tx(() -> execute("UPDATE missing SET next_try = ? WHERE next_try > ?", now, now + longestBackoff));
    }

    /**
     * The queue rows a query over {@link #MISSING_ROWS} finds, in its order; a row that cannot be decoded is left out
     * and added to {@code unreadable} as its hash, library and the problem.
     */
    private List<Missing> missingRows(List<String[]> unreadable, String sql, Object... params) throws SQLException {
        List<Missing> out = new ArrayList<>();
        try (PreparedStatement ps = statement(sql, params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                try {
                    out.add(missingRow(rs));
                } catch (IOException | RuntimeException e) {
                    unreadable.add(new String[] {rs.getString(1), rs.getString(2), e.getMessage()});
                }
            }
        }
        return out;
    }

    private static Missing missingRow(ResultSet rs) throws SQLException, IOException {
        return new Missing(rs.getString(1), rs.getString(2), JSON.readValue(rs.getString(3), Entry.class),
                JSON.readValue(rs.getString(4), new TypeReference<List<String>>() {}), rs.getInt(5), rs.getLong(6));
    }

    public synchronized long missingCount(String libraryId) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT count(*) FROM missing WHERE library_id = ?")) {
                ps.setString(1, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    public synchronized List<Missing> missing(String libraryId) throws IOException {
        // An unreadable row is left out (missingDue logs it): a library's status must still answer.
        return read(() -> missingRows(new ArrayList<>(), MISSING_ROWS + " WHERE library_id = ? ORDER BY next_try LIMIT 1000",
                libraryId));
    }


    /**
     * Records a failed attempt: the asset is due again at {@code nextTry}, with the sources the attempt started with in
     * the order {@code tried} (the order to try them next).
     * A source added while the attempt ran (by a pull from another member) was not tried: it goes first and the
     * asset is due at once.
     */
    public synchronized void retryLater(String hash, String libraryId, long nextTry, List<String> tried) throws IOException {
        tx(() -> {
            List<String> current = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT sources FROM missing WHERE hash = ? AND library_id = ?")) {
                ps.setString(1, hash);
                ps.setString(2, libraryId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null; // fetched or dropped meanwhile
                    }
                    current.addAll(JSON.readValue(rs.getString(1), new TypeReference<List<String>>() {}));
                }
            }
            List<String> order = new ArrayList<>(current);
            order.removeAll(tried);
            boolean untried = !order.isEmpty();
            for (String t : tried) {
                if (current.contains(t)) {
                    order.add(t);
                }
            }
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE missing SET attempts = attempts + 1, next_try = ?, sources = ? WHERE hash = ? AND library_id = ?")) {
                ps.setLong(1, untried ? 0 : nextTry);
                ps.setString(2, JSON.writeValueAsString(order));
                ps.setString(3, hash);
                ps.setString(4, libraryId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * The asset is in the store now: no library needs to fetch it any more. Returns the entry {@code libraryId}, the
     * library it was fetched for, still had queued for it: empty if a member's delete dropped it while it was
     * fetched ({@link #remoteDelete}); newer than the one fetched if a member announced a newer version meanwhile.
     */
    public synchronized Optional<Entry> fetched(String hash, String libraryId) throws IOException {
        return tx(() -> {
            Optional<Entry> queued = queuedRow(hash, libraryId).map(Missing::entry);
            execute("DELETE FROM missing WHERE hash = ?", hash);
            return queued;
        });
    }

    /**
     * The asset's row in the library's fetch queue, as it is now, its sources narrowed to the peers that are members
     * still (a member removed after announcing the asset is not asked for it); empty if it is not queued (any more).
     */
    public synchronized Optional<Missing> queued(String hash, String libraryId) throws IOException {
        return read(() -> {
            Optional<Missing> row = queuedRow(hash, libraryId);
            if (row.isEmpty()) {
                return row;
            }
            Missing m = row.get();
            List<String> members = new ArrayList<>();
            for (String source : m.sources()) {
                if (memberRow(libraryId, source)) {
                    members.add(source);
                }
            }
            return Optional.of(new Missing(m.hash(), m.libraryId(), m.entry(), members, m.attempts(), m.nextTry()));
        });
    }

    private Optional<Missing> queuedRow(String hash, String libraryId) throws SQLException, IOException {
        try (PreparedStatement ps = statement(MISSING_ROWS + " WHERE hash = ? AND library_id = ?", hash, libraryId);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(missingRow(rs)) : Optional.empty();
        }
    }

    /**
     * One library no longer needs the asset: a member deleted it there at {@code deletedAt}. A queued entry newer than
     * that delete (the asset was added again on another member after it) stays queued, as a delete at or after an
     * entry's change keeps it from being queued ({@link #addMissingAndSetCursor}). Other libraries may still need it.
     * Returns whether a queued fetch was dropped (one may be under way: see {@link #fetched}).
     */
    public synchronized boolean notNeeded(String libraryId, String hash, long deletedAt) throws IOException {
        return tx(() -> dropQueuedUnlessNewer(libraryId, hash, deletedAt));
    }

    /** Whether a queued fetch was dropped. */
    private boolean dropQueuedUnlessNewer(String libraryId, String hash, long deletedAt) throws SQLException, IOException {
        Optional<Missing> queued = queuedRow(hash, libraryId);
        if (queued.isEmpty() || queued.get().entry().changedAt() > deletedAt) {
            return false;
        }
        execute("DELETE FROM missing WHERE hash = ? AND library_id = ?", hash, libraryId);
        return true;
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    private <T> T tx(Sqlite.Work<T> work) throws IOException {
        return Sqlite.tx(db, "library database", work);
    }

    private <T> T read(Sqlite.Work<T> work) throws IOException {
        return Sqlite.read("library database", work);
    }

    private static byte[] stateHash(Entry e) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            // The asset's state only: revision and change time are local facts, and must not make equal sets differ.
            Entry state = new Entry(e.hash(), e.size(), e.mimeType(), e.application(), e.tags(), e.user(), e.fileName(),
                    e.createdAt(), e.deleted(), 0, 0);
            md.update(JSON.writeValueAsString(state).getBytes(StandardCharsets.UTF_8));
            return md.digest();
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void xor(byte[] acc, byte[] x) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] ^= x[i];
        }
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
