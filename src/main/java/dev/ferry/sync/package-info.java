/**
 * The sync engine of asset libraries: turns store changes into library index entries, tells members about new
 * revisions, pulls their changes since the last revision it applied from each, fetches missing bytes from any
 * member that has them (verifying SHA-256 before anything becomes visible) and serves the same requests to its
 * members. It speaks the library methods of docs/protocol.md over {@link dev.ferry.peer.PeerLink}s and never
 * serves anything to a peer that is not a member of the library asked about.
 */
package dev.ferry.sync;
