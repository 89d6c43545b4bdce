/**
 * Opening and transacting on Ferry's SQLite state databases (the library store, each folder's index): one place
 * for the journal mode, durability setting, schema application, commit-or-rollback and the reuse of prepared
 * statements ({@link dev.ferry.db.StatementCache}, also used by the store's and the peer table's connections). Depends on nothing else
 * in Ferry.
 */
package dev.ferry.db;
