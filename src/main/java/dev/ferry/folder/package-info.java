/**
 * Folder libraries: directory trees that every member maps to a path of its own and Ferry keeps identical.
 *
 * <p>Owns the per-folder index ({@link dev.ferry.folder.FolderIndex}, SQLite: files with block lists and version
 * vectors, cursors, needs, intents), the scanner that turns a tree into index entries (FastCDC blocks from
 * {@code dev.ferry.chunk}; ignore rules, change notification and path rules from {@code dev.ferry.scan}), the
 * applier that writes peers' versions crash-safely (temp file, fsync, rename, intent log, version store,
 * conflict copies), and {@link dev.ferry.folder.FolderSync}, which exchanges index deltas and blocks with members
 * over {@code dev.ferry.peer} links, including previews of new large files that members fetch while they are
 * still hashed ({@link dev.ferry.folder.Previews}, {@link dev.ferry.folder.Prefetcher}). Depends on {@code library}, {@code peer}, {@code protocol}, {@code chunk} and
 * {@code scan}; {@code sync} routes folder libraries here, {@code api} shows them.
 */
package dev.ferry.folder;
