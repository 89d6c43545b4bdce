/**
 * Opening and transacting on Ferry's SQLite state databases (the library store, each folder's index): one place
 * for the journal mode, durability setting, schema application and commit-or-rollback. Depends on nothing else
 * in Ferry.
 */
package dev.ferry.db;
