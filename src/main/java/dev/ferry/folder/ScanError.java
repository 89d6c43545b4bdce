package dev.ferry.folder;

/**
 * Something a scan could not sync, and why: a name the path rules refuse, a directory or file that cannot be read.
 * {@code path} is relative to the folder's root ("" for the root itself); a later scan of that path or of a
 * directory above it replaces the error.
 */
record ScanError(String path, String message) {
    /** As the API shows it: {@code PATH: MESSAGE}, with "." for the root. */
    String text() {
        return (path.isEmpty() ? "." : path) + ": " + message;
    }

    /** True if a scan of {@code top} looks at {@code path} again. */
    boolean under(String top) {
        return top.isEmpty() || path.equals(top) || path.startsWith(top + "/");
    }
}
