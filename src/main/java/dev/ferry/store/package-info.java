/**
 * The content-addressed asset store: blobs named by their SHA-256 under {@code <data_dir>/store/blobs},
 * metadata and the change log in SQLite ({@code <data_dir>/store/index.db}, WAL). {@link dev.ferry.store.AssetStore}
 * is the whole public face; it streams every ingest through a hashing temp file, fsyncs and renames, so a
 * blob is visible only when complete. Every change gets the next sequence number and is published on the
 * event bus in that order. This package knows nothing of HTTP, peers or libraries.
 */
package dev.ferry.store;
