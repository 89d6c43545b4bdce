package dev.ferry.db;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * SQLite the way Ferry's state databases use it: WAL with synchronous=NORMAL (a commit survives a killed process;
 * a power cut may lose the last commits, never corrupt the file), the schema applied at open, and autocommit off
 * so that every change is one explicit transaction, and prepared statements kept for reuse ({@link StatementCache}). Stateless.
 */
public final class Sqlite {
    private Sqlite() {}

    /** Database work; SQL and I/O failures are both reported as IOException naming the database. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws SQLException, IOException;
    }

    /**
     * A connection to {@code file} that keeps its prepared statements ({@link StatementCache}). The driver's
     * generated-keys support is off: it compiles a {@code SELECT last_insert_rowid()} after every INSERT whether or
     * not anyone asks, so an insert whose row id is wanted says {@code RETURNING} and is run with executeQuery.
     */
    public static Connection connect(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setGetGeneratedKeys(false);
        config.setReadOnly(readOnly);
        return StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties()));
    }

    /** Opens {@code file}, creating it with {@code schema} (statements separated by ';', '--' comments allowed). */
    public static Connection open(Path file, String schema, String what) throws IOException {
        try {
            Connection db = connect(file, false);
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=NORMAL");
                for (String s : schema.split(";")) {
                    if (!s.replaceAll("(?m)--.*$", "").isBlank()) {
                        st.execute(s);
                    }
                }
            }
            db.setAutoCommit(false);
            db.commit();
            return db;
        } catch (SQLException e) {
            throw new IOException("cannot open the " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} as one transaction: committed if it returns, rolled back if it throws. */
    public static <T> T tx(Connection db, String what, Work<T> work) throws IOException {
        try {
            T result = work.run();
            db.commit();
            return result;
        } catch (SQLException | IOException | RuntimeException e) {
            rollbackQuietly(db);
            throw e instanceof IOException io ? io : new IOException(what + ": " + e.getMessage(), e);
        } catch (Error e) {
            rollbackQuietly(db); // never leave the half-done work open for the next transaction's commit
            throw e;
        }
    }

    private static void rollbackQuietly(Connection db) {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the original failure says why
        }
    }

    /** A prepared statement with {@code params} bound in order; the caller closes it. */
    public static PreparedStatement statement(Connection db, String sql, Object... params) throws SQLException {
        PreparedStatement ps = db.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
        return ps;
    }

    /** Runs an update with {@code params}; returns the rows changed. */
    public static int execute(Connection db, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = statement(db, sql, params)) {
            return ps.executeUpdate();
        }
    }

    /** The first column of the first row of a query, or 0 when there is no row. */
    public static long queryLong(Connection db, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = statement(db, sql, params); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Runs reading {@code work}, reporting an SQL failure as an IOException naming the database. */
    public static <T> T read(String what, Work<T> work) throws IOException {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }
}
