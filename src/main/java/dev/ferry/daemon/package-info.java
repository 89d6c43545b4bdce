/**
 * The running node: opens the data directory (one daemon per directory, enforced by a lock file),
 * the store and the API token, starts the HTTP listeners, and shuts them down in the order that leaves
 * no torn write: listeners first, then open streams, then the store once its last commit is done.
 * Owns process lifecycle only; it holds no business logic.
 */
package dev.ferry.daemon;
