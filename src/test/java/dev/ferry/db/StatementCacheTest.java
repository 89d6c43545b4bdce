package dev.ferry.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StatementCache over a real SQLite file: reuse, isolation between concurrent callers, and clean hand-backs. */
class StatementCacheTest {
    @TempDir
    Path dir;
    Connection db;

    @BeforeEach
    void open() throws SQLException {
        db = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db")));
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER)");
        }
        db.setAutoCommit(false);
        for (int i = 0; i < 10; i++) {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO t(k, v) VALUES (?, ?)")) {
                ps.setString(1, "k" + i);
                ps.setInt(2, i);
                ps.executeUpdate();
            }
        }
        db.commit();
    }

    @AfterEach
    void close() throws SQLException {
        db.close();
    }

    private long value(String key) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT v FROM t WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    @Test
    void aClosedStatementIsHandedOutAgainAndAnswersNewParameters() throws SQLException {
        PreparedStatement first = db.prepareStatement("SELECT v FROM t WHERE k = ?");
        PreparedStatement compiled = first.unwrap(PreparedStatement.class);
        first.setString(1, "k3");
        try (ResultSet rs = first.executeQuery()) {
            assertTrue(rs.next());
            assertEquals(3, rs.getLong(1));
        }
        first.close();
        assertTrue(first.isClosed());
        assertThrows(SQLException.class, first::executeQuery, "a statement handed back must not be usable by its old holder");

        try (PreparedStatement second = db.prepareStatement("SELECT v FROM t WHERE k = ?")) {
            assertSame(compiled, second.unwrap(PreparedStatement.class), "the same SQL reuses the compiled statement");
            assertFalse(compiled.isClosed());
            second.setString(1, "k7");
            try (ResultSet rs = second.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(7, rs.getLong(1));
            }
        }
        try (PreparedStatement third = db.prepareStatement("SELECT v FROM t WHERE k = ?")) {
            try (ResultSet rs = third.executeQuery()) {
                assertFalse(rs.next(), "parameters were cleared: an unbound parameter is NULL and matches nothing");
            }
        }
    }

    @Test
    void statementsInUseAtOnceAreDistinct() throws SQLException {
        try (PreparedStatement outer = db.prepareStatement("SELECT k FROM t WHERE v >= ? ORDER BY v");
                PreparedStatement inner = db.prepareStatement("SELECT k FROM t WHERE v >= ? ORDER BY v")) {
            assertNotSame(outer.unwrap(PreparedStatement.class), inner.unwrap(PreparedStatement.class));
            outer.setInt(1, 8);
            inner.setInt(1, 0);
            List<String> seen = new ArrayList<>();
            try (ResultSet a = outer.executeQuery(); ResultSet b = inner.executeQuery()) {
                while (a.next()) {
                    assertTrue(b.next());
                    seen.add(a.getString(1) + "/" + b.getString(1));
                }
            }
            assertEquals(List.of("k8/k0", "k9/k1"), seen);
        }
    }

    @Test
    void aResultSetLeftOpenIsClosedOnHandBackSoTheWalCanBeCheckpointed() throws SQLException {
        PreparedStatement ps = db.prepareStatement("SELECT k FROM t ORDER BY v");
        ResultSet rs = ps.executeQuery();
        assertTrue(rs.next()); // mid-way through the rows: the statement holds a read transaction
        ps.close();
        assertTrue(rs.isClosed());
        db.commit(); // a statement still stepping would keep its read snapshot past this commit

        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
                Statement st = other.createStatement()) {
            st.executeUpdate("UPDATE t SET v = v + 100");
            try (ResultSet cp = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                assertTrue(cp.next());
                assertEquals(0, cp.getInt(1), "checkpoint blocked by a reader: the kept statement was not reset");
            }
        }
        assertEquals(105, value("k5"));
    }

    @Test
    void updatesAndBatchesReuseTheirStatements() throws SQLException {
        for (int round = 0; round < 3; round++) {
            try (PreparedStatement ps = db.prepareStatement("UPDATE t SET v = v + ? WHERE k = ?")) {
                ps.setInt(1, 10);
                ps.setString(2, "k1");
                ps.addBatch();
                ps.setInt(1, 1);
                ps.setString(2, "k2");
                ps.addBatch();
                ps.executeBatch();
            }
        }
        db.commit();
        assertEquals(31, value("k1"));
        assertEquals(5, value("k2"));
    }

    @Test
    void generatedKeysStillWork() throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("CREATE TABLE log(id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT)");
        }
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO log(what) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, "e" + i);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertTrue(keys.next());
                    ids.add(keys.getLong(1));
                }
            }
        }
        db.commit();
        assertEquals(List.of(1L, 2L, 3L), ids);
    }

    @Test
    void theLeastRecentlyUsedTextsAreFinalizedBeyondTheBound() throws SQLException {
        PreparedStatement first = db.prepareStatement("SELECT v FROM t WHERE k = 'k0'");
        PreparedStatement compiled = first.unwrap(PreparedStatement.class);
        first.close();
        for (int i = 0; i < StatementCache.MAX_SQL; i++) {
            try (PreparedStatement ps = db.prepareStatement("SELECT v + " + i + " FROM t WHERE k = 'k1'");
                    ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(1 + i, rs.getLong(1));
            }
        }
        assertTrue(compiled.isClosed(), "the oldest text should have been dropped and its statement finalized");
        assertEquals(4, value("k4"));
    }

    @Test
    void closingTheConnectionFinalizesKeptStatements() throws SQLException {
        PreparedStatement ps = db.prepareStatement("SELECT v FROM t WHERE k = ?");
        PreparedStatement compiled = ps.unwrap(PreparedStatement.class);
        ps.close();
        assertFalse(compiled.isClosed());
        db.close();
        assertTrue(compiled.isClosed());
    }
}
