/**
 * What a scan of a folder library may see, how it hears about changes, and which paths from peers may touch
 * the disk. {@link dev.ferry.scan.IgnoreRules} reads {@code .ferryignore} with git's gitignore semantics
 * (through JGit's matcher) and always hides Ferry's own {@code .ferry/} and {@code .ferry-tmp-*} files;
 * {@link dev.ferry.scan.TreeWatcher} turns OS change notification (inotify, FSEvents, Windows) into
 * root-relative paths within milliseconds, and says when events were lost or a watch limit was hit so the
 * caller rescans; {@link dev.ferry.scan.PathRules} validates paths and symlink targets that come from
 * untrusted peers and resolves them under a root without ever passing through a symlinked directory.
 * Every path crossing this package's face is a library path: relative to the root, {@code '/'}-separated,
 * no leading or trailing {@code '/'}.
 *
 * <p>This package depends on nothing else in Ferry. It never reads file contents, never writes a file other
 * than {@link dev.ferry.scan.PathRules#caseInsensitive}'s probe, and decides nothing about syncing: it answers
 * questions and reports events, and the caller acts on them.
 */
package dev.ferry.scan;
