/**
 * Every SQLite connection Ferry makes ({@link dev.ferry.db.Sqlite#connect}: prepared statements kept for reuse by
 * {@link dev.ferry.db.StatementCache}), and opening and transacting on its state databases (the library store, each
 * folder's index): one place for the journal mode, durability setting, schema application and commit-or-rollback.
 * Depends on nothing else in Ferry.
 */
package dev.ferry.db;
