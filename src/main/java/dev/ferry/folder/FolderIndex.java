package dev.ferry.folder;

import dev.ferry.db.Sqlite;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The persistent index of one folder library in {@code <data_dir>/folders/<library id>.db} (SQLite, WAL): every
 * path this node knows (live or tombstone) with its block list, version vector and the revision of its last
 * change; where each block can be read locally; the revision applied last from each peer; what is still needed
 * from peers; and the intent log of multi-step file operations. One connection; every method is synchronized, and
 * a change to a path updates the path, the index revision and the digest in one transaction. Thread-safe.
 */
public final class FolderIndex implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS files (
                path TEXT PRIMARY KEY, parent TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL,
                modified_ns INTEGER NOT NULL, mode INTEGER NOT NULL, target TEXT, blocks_hash BLOB,
                block_count INTEGER NOT NULL, blocks BLOB, version TEXT NOT NULL, deleted INTEGER NOT NULL,
                rev INTEGER NOT NULL, modified_by TEXT, inode INTEGER,
                recorded_ns INTEGER NOT NULL DEFAULT 0 -- wall clock when this row was written (local only)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS files_rev ON files(rev);
            CREATE INDEX IF NOT EXISTS files_parent ON files(parent);
            CREATE INDEX IF NOT EXISTS files_content ON files(blocks_hash);
            CREATE INDEX IF NOT EXISTS files_inode ON files(inode);
            -- Where a block with a given hash (first 8 bytes) can be read in this folder.
            CREATE TABLE IF NOT EXISTS block_at (
                hash8 INTEGER NOT NULL, path TEXT NOT NULL, offset INTEGER NOT NULL, size INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS block_at_hash ON block_at(hash8);
            CREATE INDEX IF NOT EXISTS block_at_path ON block_at(path);
            -- The content of files moved into the version store, so a member can still be served it: the losing
            -- version of a conflict that a peer wants as its conflict copy may be there and nowhere else.
            CREATE TABLE IF NOT EXISTS kept (path TEXT PRIMARY KEY, blocks_hash BLOB NOT NULL, blocks BLOB NOT NULL) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS kept_content ON kept(blocks_hash);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS cursors (peer TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
            -- Peers' versions this node still has to apply (survives restarts).
            CREATE TABLE IF NOT EXISTS needs (
                path TEXT PRIMARY KEY, entry TEXT NOT NULL, sources TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0, error TEXT
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS intents (
                id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, path TEXT NOT NULL,
                temp TEXT, aside TEXT, at INTEGER NOT NULL
            );
            """;
    private static final String COLUMNS =
            "path, type, size, modified_ns, mode, target, blocks_hash, block_count, version, deleted, rev, modified_by, inode, recorded_ns";

    private final Connection db;
    /**
     * A second, read-only connection for what the API shows (counts, conflicts): WAL lets it read beside the
     * writer, so a client polling a folder's state never holds up a scan or a transfer.
     */
    private final Connection viewDb;
    private final Object viewLock = new Object();
    private long revision;
    private byte[] digest;

    public FolderIndex(Path file) throws IOException {
        db = Sqlite.open(file, SCHEMA, "folder index");
        try {
            viewDb = Sqlite.connect(file, true);
        } catch (SQLException e) {
            throw new IOException("cannot open the folder index " + file + " for reading: " + e.getMessage(), e);
        }
        revision = read(() -> metaLong("revision"));
        byte[] d = read(() -> meta("digest"));
        digest = d != null ? d : new byte[32];
    }

    /**
     * A path as the index holds it: the exchanged entry plus the local file key and when the row was written
     * (wall clock, ns), which tells whether its modification time can still be trusted (see {@link DiskState}).
     */
    public record Local(FileEntry entry, long inode, long recordedNs) {}

    // ---- files ---------------------------------------------------------------------------------------

    public synchronized Optional<FileEntry> get(String path) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE path = ?")) {
                ps.setString(1, path);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(entry(rs)) : Optional.<FileEntry>empty();
                }
            }
        });
    }

    /** What a scan compares with the disk: a row without its version vector and blocks (cheap to read). */
    public record Stat(String path, String type, long size, long modifiedNs, int mode, boolean deleted, long inode,
            long recordedNs) {}

    /** The rows directly inside directory {@code parent} ("" for the root), as the scanner compares them. */
    public synchronized List<Stat> childStats(String parent) throws IOException {
        return read(() -> {
            List<Stat> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT path, type, size, modified_ns, mode, deleted, inode, recorded_ns FROM files WHERE parent = ?")) {
                ps.setString(1, parent);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Stat(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getInt(5),
                                rs.getInt(6) != 0, rs.getLong(7), rs.getLong(8)));
                    }
                }
            }
            return out;
        });
    }

    /** A path with its local file key. */
    public synchronized Optional<Local> local(String path) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE path = ?")) {
                ps.setString(1, path);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Local(entry(rs), rs.getLong(13), rs.getLong(14))) : Optional.<Local>empty();
                }
            }
        });
    }

    /** The entries directly inside directory {@code parent} ("" for the root), with their file keys. */
    public synchronized List<Local> children(String parent) throws IOException {
        return read(() -> {
            List<Local> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE parent = ?")) {
                ps.setString(1, parent);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Local(entry(rs), rs.getLong(13), rs.getLong(14)));
                    }
                }
            }
            return out;
        });
    }

    /** Live entries at or under {@code dir} (not {@code dir} itself), deepest first. */
    public synchronized List<FileEntry> liveUnder(String dir) throws IOException {
        return read(() -> {
            List<FileEntry> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT " + COLUMNS + " FROM files WHERE deleted = 0 AND path > ? AND path < ? ORDER BY length(path) DESC")) {
                ps.setString(1, dir + "/");
                ps.setString(2, dir + "0"); // '0' follows '/' in code point order
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        });
    }

    /** True if a block list is recorded for the path: without reading it (block lists of large files are big). */
    public synchronized boolean hasBlocks(String path) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT blocks IS NOT NULL FROM files WHERE path = ?")) {
                ps.setString(1, path);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    /** The block list recorded for a path (a tombstone keeps the one it had). */
    public synchronized Optional<BlockList> blocks(String path) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT blocks FROM files WHERE path = ?")) {
                ps.setString(1, path);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getBytes(1) == null) {
                        return Optional.<BlockList>empty();
                    }
                    try {
                        return Optional.of(BlockList.decode(rs.getBytes(1)));
                    } catch (IOException e) {
                        throw new SQLException(e.getMessage());
                    }
                }
            }
        });
    }

    /** The live files whose content identity is {@code blocksHash}. */
    public synchronized List<FileEntry> withContent(byte[] blocksHash) throws IOException {
        return read(() -> {
            List<FileEntry> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT " + COLUMNS + " FROM files WHERE blocks_hash = ? AND deleted = 0 AND type = 'file'")) {
                ps.setBytes(1, blocksHash);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        });
    }

    /** Files (live or just deleted) with this file key (inode): the old name of a file that was renamed. */
    public synchronized List<Local> withInode(long inode) throws IOException {
        return read(() -> {
            List<Local> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT " + COLUMNS + " FROM files WHERE inode = ? AND type = 'file' AND blocks IS NOT NULL")) {
                ps.setLong(1, inode);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Local(entry(rs), rs.getLong(13), rs.getLong(14)));
                    }
                }
            }
            return out;
        });
    }

    /** A place where a block with this hash can be read locally. */
    public record BlockAt(String path, long offset, int size) {}

    public synchronized List<BlockAt> findBlock(long hash8) throws IOException {
        return read(() -> {
            List<BlockAt> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT path, offset, size FROM block_at WHERE hash8 = ? ORDER BY path LIKE '.ferry/%' LIMIT 16")) {
                ps.setLong(1, hash8);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new BlockAt(rs.getString(1), rs.getLong(2), rs.getInt(3)));
                    }
                }
            }
            return out;
        });
    }

    /** One change to write: the entry (its rev is assigned here), its blocks if a file, its local file key. */
    public record Change(FileEntry entry, BlockList blocks, long inode) {}

    /** Writes the changes in one transaction, each at the next revision; returns them with their revisions. */
    public synchronized List<FileEntry> put(List<Change> changes) throws IOException {
        if (changes.isEmpty()) {
            return List.of();
        }
        return tx(() -> writeAll(changes));
    }

    /**
     * What applying peers' versions changed, in one transaction: the changes are recorded, the intent that
     * bracketed them is ended, and the needs they settle are removed (if still for those versions). One commit
     * instead of three per applied file.
     */
    public synchronized List<FileEntry> applied(List<Change> changes, long intent, List<FileEntry> settled) throws IOException {
        return tx(() -> {
            List<FileEntry> out = changes.isEmpty() ? List.of() : writeAll(changes);
            if (intent > 0) { // 0: a change that needed no intent
                deleteIntent(intent);
            }
            for (FileEntry e : settled) {
                deleteNeedIfFor(e);
            }
            return out;
        });
    }

    private List<FileEntry> writeAll(List<Change> changes) throws SQLException {
        List<FileEntry> out = new ArrayList<>(changes.size());
        for (Change c : changes) {
            out.add(write(c));
        }
        setMeta("revision", revision);
        setMeta("digest", digest);
        return out;
    }

    public FileEntry put(Change c) throws IOException {
        return put(List.of(c)).get(0);
    }

    /**
     * Forgets tombstones recorded before {@code beforeNs} (local wall clock, ns): the index stops growing with
     * every path ever deleted. The revision does not move (nothing is announced); the digest drops them, so
     * members that forgot the same tombstones agree again. Returns how many were forgotten.
     */
    public synchronized int forgetTombstones(long beforeNs) throws IOException {
        return tx(() -> {
            List<FileEntry> old = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE deleted = 1 AND recorded_ns < ?")) {
                ps.setLong(1, beforeNs);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        old.add(entry(rs));
                    }
                }
            }
            for (FileEntry e : old) {
                execute("DELETE FROM files WHERE path = ?", e.path());
                xor(stateHash(e));
            }
            if (!old.isEmpty()) {
                setMeta("digest", digest);
            }
            return old.size();
        });
    }

    /** Updates only the local file key and time of a path whose content is unchanged (no new revision). */
    public synchronized void touch(String path, long modifiedNs, long inode) throws IOException {
        update("UPDATE files SET modified_ns = ?, inode = ?, recorded_ns = ? WHERE path = ?", modifiedNs, inode, nowNs(), path);
    }

    private FileEntry write(Change c) throws SQLException {
        FileEntry old = null;
        byte[] oldBlocks = null;
        long oldInode = 0;
        try (PreparedStatement ps = db.prepareStatement("SELECT " + COLUMNS + ", blocks FROM files WHERE path = ?")) {
            ps.setString(1, c.entry().path());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    old = entry(rs);
                    oldInode = rs.getLong(13);
                    oldBlocks = rs.getBytes(15);
                }
            }
        }
        if (old != null) {
            xor(stateHash(old));
        }
        FileEntry e = c.entry().withRev(++revision);
        xor(stateHash(e));
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO files(" + COLUMNS
                + ", parent, blocks) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, e.path());
            ps.setString(2, e.type());
            ps.setLong(3, e.size());
            ps.setLong(4, e.modifiedNs());
            ps.setInt(5, e.mode());
            ps.setString(6, e.target());
            ps.setBytes(7, e.blocksHash());
            ps.setInt(8, e.blockCount());
            ps.setString(9, json(e.version().counters()));
            ps.setInt(10, e.deleted() ? 1 : 0);
            ps.setLong(11, e.rev());
            ps.setString(12, e.modifiedBy());
            // A tombstone keeps the file key and blocks of what was there, so a rename seen as delete-then-create
            // still finds the old block list whichever half the scan meets first.
            boolean keepOld = e.deleted() && c.blocks() == null;
            ps.setLong(13, keepOld ? oldInode : c.inode());
            ps.setLong(14, nowNs());
            ps.setString(15, parentOf(e.path()));
            ps.setBytes(16, keepOld ? oldBlocks : c.blocks() == null ? null : c.blocks().encoded());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM block_at WHERE path = ?")) {
            ps.setString(1, e.path());
            ps.executeUpdate();
        }
        if (!e.deleted() && c.blocks() != null && c.blocks().count() > 0) {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO block_at(hash8, path, offset, size) VALUES (?,?,?,?)")) {
                for (BlockList.Block b : c.blocks().blocks()) {
                    ps.setLong(1, b.key());
                    ps.setString(2, e.path());
                    ps.setLong(3, b.offset());
                    ps.setInt(4, b.size());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        return e;
    }

    /**
     * The blocks recorded at {@code from} can now be read at {@code to} (a replaced file moved into the version
     * store): a later version that needs them again finds them locally instead of fetching them.
     */
    public synchronized void moveBlocks(String from, String to) throws IOException {
        tx(() -> {
            execute("UPDATE block_at SET path = ? WHERE path = ?", to, from);
            execute("DELETE FROM kept WHERE path IN (?, ?)", from, to);
            if (to.startsWith(Versions.DIR + "/")) {
                // The file's block list goes with it, so its content can still be served whole (see keptWithContent).
                execute("INSERT INTO kept (path, blocks_hash, blocks) SELECT ?, blocks_hash, blocks FROM files WHERE path = ?"
                        + " AND type = 'file' AND deleted = 0 AND blocks IS NOT NULL AND blocks_hash IS NOT NULL", to, from);
            }
            return null;
        });
    }

    /** Forgets where blocks of {@code path} were (a kept version that was pruned or taken back). */
    public synchronized void dropBlocks(String path) throws IOException {
        tx(() -> {
            execute("DELETE FROM block_at WHERE path = ?", path);
            execute("DELETE FROM kept WHERE path = ?", path);
            return null;
        });
    }

    /** A file in the version store with this content: its path there and its block list. */
    public record Kept(String path, BlockList blocks) {}

    /** The version store's files whose content identity is {@code blocksHash} (see {@link #moveBlocks}). */
    public synchronized List<Kept> keptWithContent(byte[] blocksHash) throws IOException {
        return read(() -> {
            List<Kept> out = new ArrayList<>();
            try (PreparedStatement ps = Sqlite.statement(db, "SELECT path, blocks FROM kept WHERE blocks_hash = ? LIMIT 16", blocksHash);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Kept(rs.getString(1), BlockList.decode(rs.getBytes(2))));
                }
            }
            return out;
        });
    }

    /** Entries changed after revision {@code since}, in revision order. */
    public synchronized List<FileEntry> changesSince(long since, int limit) throws IOException {
        return read(() -> {
            List<FileEntry> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT " + COLUMNS + " FROM files WHERE rev > ? ORDER BY rev LIMIT ?")) {
                ps.setLong(1, since);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        });
    }

    public synchronized long revision() {
        return revision;
    }

    public synchronized byte[] digest() {
        return digest.clone();
    }

    public record Counts(long files, long dirs, long symlinks, long bytes, long deleted) {}

    public Counts counts() throws IOException {
        synchronized (viewLock) {
            return read(() -> countsFrom(viewDb));
        }
    }

    private static Counts countsFrom(Connection c) throws SQLException {
        {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT sum(deleted = 0 AND type = 'file'), sum(deleted = 0 AND type = 'dir'),
                           sum(deleted = 0 AND type = 'symlink'), sum(CASE WHEN deleted = 0 THEN size ELSE 0 END), sum(deleted)
                    FROM files""")) {
                rs.next();
                return new Counts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
            }
        }
    }

    /** Live entries whose name marks them as conflict copies. */
    public List<FileEntry> conflicts() throws IOException {
        synchronized (viewLock) {
            return read(() -> conflictsFrom(viewDb));
        }
    }

    private List<FileEntry> conflictsFrom(Connection c) throws SQLException {
        {
            List<FileEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM files WHERE deleted = 0 AND path LIKE '%.sync-conflict-%' ORDER BY path")) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        }
    }

    // ---- cursors -----------------------------------------------------------------------------------------

    public synchronized long cursor(String peer) throws IOException {
        return read(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT rev FROM cursors WHERE peer = ?")) {
                ps.setString(1, peer);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    public synchronized void setCursor(String peer, long rev) throws IOException {
        update("INSERT OR REPLACE INTO cursors(peer, rev) VALUES (?,?)", peer, rev);
    }

    // ---- needs ---------------------------------------------------------------------------------------------

    /** A peer's version of a path that this node still has to apply, and the peers that announced it. */
    public record Need(FileEntry entry, List<String> sources, int attempts, long nextTry, String error) {}

    /**
     * Records (or replaces) what is needed for a path; sources accumulate for one version and content. A version
     * older than the one already needed is not recorded: it would be found done and dropped, and the newer lost.
     */
    public synchronized void need(FileEntry e, String source) throws IOException {
        tx(() -> {
            Need old = needRow(e.path());
            if (old != null && Conflicts.order(e, old.entry()) == VersionVector.Order.LESSER) {
                return null; // a newer version of this path is already needed
            }
            List<String> sources = new ArrayList<>();
            if (old != null && old.entry().version().equals(e.version()) && old.entry().sameContent(e)) {
                sources.addAll(old.sources());
            }
            if (source != null && !sources.contains(source)) {
                sources.add(source);
            }
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT OR REPLACE INTO needs(path, entry, sources, attempts, next_try, error) VALUES (?,?,?,0,0,NULL)")) {
                ps.setString(1, e.path());
                ps.setString(2, json(e));
                ps.setString(3, json(sources));
                ps.executeUpdate();
            }
            return null;
        });
    }

    public synchronized Optional<Need> needFor(String path) throws IOException {
        return read(() -> Optional.ofNullable(needRow(path)));
    }

    private Need needRow(String path) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT entry, sources, attempts, next_try, error FROM needs WHERE path = ?")) {
            ps.setString(1, path);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? need(rs) : null;
            }
        }
    }

    public synchronized List<Need> needs(long now, int limit) throws IOException {
        return read(() -> {
            List<Need> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT entry, sources, attempts, next_try, error FROM needs WHERE next_try <= ? LIMIT ?")) {
                ps.setLong(1, now);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(need(rs));
                    }
                }
            }
            return out;
        });
    }

    public synchronized long needCount() throws IOException {
        return read(() -> {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM needs")) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /** Removes the need for a path if it is still for this version. */
    public synchronized void satisfied(FileEntry e) throws IOException {
        tx(() -> {
            deleteNeedIfFor(e);
            return null;
        });
    }

    private void deleteNeedIfFor(FileEntry e) throws SQLException {
        Need old = needRow(e.path());
        if (old != null && old.entry().version().equals(e.version()) && old.entry().sameContent(e)) {
            execute("DELETE FROM needs WHERE path = ?", e.path());
        }
    }

    public synchronized void retryLater(String path, long nextTry, String error) throws IOException {
        update("UPDATE needs SET attempts = attempts + 1, next_try = ?, error = ? WHERE path = ?", nextTry, error, path);
    }

    private Need need(ResultSet rs) throws SQLException {
        try {
            FileEntry e = JSON.readValue(rs.getString(1), FileEntry.class);
            List<String> sources = JSON.readValue(rs.getString(2), new TypeReference<List<String>>() {});
            return new Need(e, sources, rs.getInt(3), rs.getLong(4), rs.getString(5));
        } catch (IOException ex) {
            throw new SQLException("corrupt need row: " + ex.getMessage());
        }
    }

    // ---- intents -------------------------------------------------------------------------------------------

    /** A multi-step change in flight: {@code temp} holds the new content, {@code aside} the old one's new place. */
    public record Intent(long id, String kind, String path, String temp, String aside) {}

    public synchronized long beginIntent(String kind, String path, String temp, String aside) throws IOException {
        return tx(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO intents(kind, path, temp, aside, at) VALUES (?,?,?,?,?) RETURNING id")) {
                ps.setString(1, kind);
                ps.setString(2, path);
                ps.setString(3, temp);
                ps.setString(4, aside);
                ps.setLong(5, System.currentTimeMillis());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    public synchronized void endIntent(long id) throws IOException {
        tx(() -> {
            deleteIntent(id);
            return null;
        });
    }

    private void deleteIntent(long id) throws SQLException {
        execute("DELETE FROM intents WHERE id = ?", id);
    }

    /** One statement with its parameters, in a transaction of its own. */
    private void update(String sql, Object... params) throws IOException {
        tx(() -> {
            execute(sql, params);
            return null;
        });
    }

    private void execute(String sql, Object... params) throws SQLException {
        Sqlite.execute(db, sql, params);
    }

    public synchronized List<Intent> intents() throws IOException {
        return read(() -> {
            List<Intent> out = new ArrayList<>();
            try (Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id, kind, path, temp, aside FROM intents ORDER BY id")) {
                while (rs.next()) {
                    out.add(new Intent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
            return out;
        });
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    static long nowNs() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static byte[] stateHash(FileEntry e) {
        MessageDigest md = BlockList.sha256();
        md.update(e.path().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(json(e.version().counters()).getBytes(StandardCharsets.UTF_8));
        md.update((byte) (e.deleted() ? 1 : 0));
        return md.digest();
    }

    private void xor(byte[] h) {
        for (int i = 0; i < digest.length; i++) {
            digest[i] ^= h[i];
        }
    }

    private FileEntry entry(ResultSet rs) throws SQLException {
        try {
            Map<String, Long> v = JSON.readValue(rs.getString(9), new TypeReference<Map<String, Long>>() {});
            return new FileEntry(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getString(6),
                    rs.getBytes(7), rs.getInt(8), new VersionVector(v), rs.getInt(10) != 0, rs.getLong(11), rs.getString(12));
        } catch (IOException e) {
            throw new SQLException("corrupt version vector: " + e.getMessage());
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private long metaLong(String key) throws SQLException {
        byte[] v = meta(key);
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.UTF_8));
    }

    private byte[] meta(String key) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }
    }

    private void setMeta(String key, Object value) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)")) {
            ps.setString(1, key);
            ps.setBytes(2, value instanceof byte[] b ? b : String.valueOf(value).getBytes(StandardCharsets.UTF_8));
            ps.executeUpdate();
        }
    }

    private <T> T read(Sqlite.Work<T> body) throws IOException {
        return Sqlite.read("folder index", body);
    }

    /** One transaction (see {@link Sqlite}); the in-memory revision and digest go back with it when it fails. */
    private <T> T tx(Sqlite.Work<T> body) throws IOException {
        long revBefore = revision;
        byte[] digestBefore = digest.clone();
        try {
            return Sqlite.tx(db, "folder index", body);
        } catch (IOException e) {
            revision = revBefore;
            digest = digestBefore;
            throw e;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            synchronized (viewLock) {
                viewDb.close();
            }
            db.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
