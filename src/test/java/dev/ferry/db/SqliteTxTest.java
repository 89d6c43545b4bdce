package dev.ferry.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Sqlite#tx} on a real SQLite file: work that fails, however it fails, leaves nothing behind, so the next
 * transaction's commit cannot carry half of it to disk.
 */
class SqliteTxTest {
    @TempDir
    Path dir;

    @Test
    void failedWorkIsRolledBackWhateverItThrows() throws Exception {
        Connection db = Sqlite.open(dir.resolve("t.db"), "CREATE TABLE t(k TEXT PRIMARY KEY)", "test database");
        try {
            assertThrows(IOException.class, () -> Sqlite.tx(db, "insert", () -> {
                insert(db, "after-exception");
                throw new IllegalStateException("the work failed");
            }));
            assertThrows(StackOverflowError.class, () -> Sqlite.tx(db, "insert", () -> {
                insert(db, "after-error");
                throw new StackOverflowError("the work failed harder");
            }));
            Sqlite.tx(db, "insert", () -> {
                insert(db, "committed");
                return null;
            });
            assertEquals(List.of("committed"), keys(db), "only the transaction that returned was committed");
        } finally {
            db.close();
        }
        try (Connection again = Sqlite.connect(dir.resolve("t.db"), true)) {
            assertEquals(List.of("committed"), keys(again), "and only it is on disk");
        }
    }

    private static void insert(Connection db, String key) throws java.sql.SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO t(k) VALUES (?)")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    private static List<String> keys(Connection db) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT k FROM t ORDER BY k"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
