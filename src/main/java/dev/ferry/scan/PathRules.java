package dev.ferry.scan;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;

/**
 * The rules a path from a peer must pass before Ferry touches the disk with it, and the one safe way to turn
 * it into a {@link Path} under a library root. Peers are untrusted: a path like {@code a/../../etc/passwd}, an
 * absolute path, a name with a NUL, or a symlink aimed outside the library must be refused before any file is
 * opened, and a write must never pass through a symlinked directory that a peer (or anyone) planted earlier.
 *
 * <p>A library path is what {@link IgnoreRules} and {@link TreeWatcher} use as well: relative to the root,
 * {@code '/'}-separated, no leading or trailing {@code '/'}. Names Ferry keeps for itself ({@code .ferry} at the
 * top, in any case, and {@code .ferry-tmp-*} anywhere) are refused, so what a scan never sends is never
 * accepted either.
 *
 * <p>{@link #resolveSafely} checks the parents at the moment it is called; it does not hold them, so a
 * process on this machine that swaps a directory for a symlink in between can still win that race. It
 * protects against paths and links from peers, not against local users who can already write the library.
 *
 * <p>Stateless and thread-safe.
 */
public final class PathRules {
    /** Longest name of one path segment, in UTF-8 bytes (the limit of ext4, APFS, NTFS in practice). */
    public static final int MAX_NAME_BYTES = 255;
    /** Longest whole path, in UTF-8 bytes (Linux PATH_MAX). */
    public static final int MAX_PATH_BYTES = 4096;

    private PathRules() {}

    /**
     * Null if {@code relPath} is an acceptable library path, otherwise a short reason such as
     * {@code "contains '..'"}, {@code "absolute path"}, {@code "control character"}, {@code "backslash"},
     * {@code "name longer than 255 bytes"}, {@code "empty segment"} or {@code "inside .ferry"}; meant for logs and
     * error replies, not for parsing.
     *
     * <p>Acceptable: non-empty, {@code '/'}-separated, no leading or trailing {@code '/'}; no empty,
     * {@code "."} or {@code ".."} segments; no NUL or other control characters (below 0x20, and 0x7f); no
     * backslash (a separator on Windows); not the top-level {@code .ferry} or anything under it, in any case;
     * no segment named {@code .ferry-tmp-*}; each segment at most {@value #MAX_NAME_BYTES} UTF-8 bytes and the
     * whole at most {@value #MAX_PATH_BYTES}; valid Unicode (no unpaired surrogates).
     */
    public static String problem(String relPath) {
        if (relPath == null || relPath.isEmpty()) {
            return "empty path";
        }
        if (relPath.charAt(0) == '/') {
            return "absolute path";
        }
        String chars = characterProblem(relPath);
        if (chars != null) {
            return chars;
        }
        if (relPath.charAt(relPath.length() - 1) == '/') {
            return "trailing '/'";
        }
        int total = 0;
        int start = 0;
        while (start <= relPath.length()) {
            int end = relPath.indexOf('/', start);
            if (end < 0) {
                end = relPath.length();
            }
            String segment = relPath.substring(start, end);
            String bad = segmentProblem(segment, start == 0);
            if (bad != null) {
                return bad;
            }
            total += utf8Length(segment) + (start == 0 ? 0 : 1);
            start = end + 1;
        }
        if (total > MAX_PATH_BYTES) {
            return "path longer than " + MAX_PATH_BYTES + " bytes";
        }
        return null;
    }

    /**
     * For a symlink at {@code relPath} whose target text is {@code target}: null if Ferry may create it, else
     * a reason. Acceptable only if {@code relPath} itself is, and the target is non-empty, relative (no leading
     * {@code '/'}), free of NUL, control characters and backslashes, valid Unicode, and, resolved lexically
     * against the link's parent directory, never climbs above the root at any step ({@code a/l -> ../../a/x}
     * is refused even though it ends inside) and never enters {@code .ferry}. Lexical means other links on
     * the way are not followed: each link is judged on its own text, which is enough because every link in a
     * library has passed this check.
     */
    public static String symlinkProblem(String relPath, String target) {
        String linkProblem = problem(relPath);
        if (linkProblem != null) {
            return "link path: " + linkProblem;
        }
        if (target == null || target.isEmpty()) {
            return "empty target";
        }
        if (target.charAt(0) == '/') {
            return "absolute target";
        }
        String chars = characterProblem(target);
        if (chars != null) {
            return "target: " + chars;
        }
        if (utf8Length(target) > MAX_PATH_BYTES) {
            return "target longer than " + MAX_PATH_BYTES + " bytes";
        }
        Deque<String> at = new ArrayDeque<>();
        for (String segment : relPath.split("/")) {
            at.addLast(segment);
        }
        at.removeLast(); // the link's own name: its target is relative to the directory holding it
        boolean descended = false;
        for (String segment : target.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                // ".." after a name would climb from wherever that name really leads (it may itself be a link):
                // only leading ".." segments can be judged from the text alone.
                if (descended) {
                    return "target has '..' after a name";
                }
                if (at.isEmpty()) {
                    return "target climbs above the library root";
                }
                at.removeLast();
                continue;
            }
            if (utf8Length(segment) > MAX_NAME_BYTES) {
                return "target name longer than " + MAX_NAME_BYTES + " bytes";
            }
            if (isStateDir(segment)) {
                return "target points into .ferry";
            }
            descended = true;
            at.addLast(segment);
        }
        return null;
    }

    /**
     * {@code root.resolve(relPath)}, after checking that no parent component between the root and the final
     * entry is a symlink or anything other than a directory (read with {@code NOFOLLOW_LINKS}), so a write to
     * the result can never escape the root through a symlinked directory. The final component itself may be
     * anything, or absent; missing parents are fine (the caller creates them, and should create them with this
     * method's result in mind: a parent created later by someone else is not checked). The root itself is
     * trusted and not checked.
     *
     * @throws IllegalArgumentException if {@link #problem} refuses {@code relPath}; check that first
     * @throws FileSystemException naming the offending component if a parent is a symlink or not a directory
     */
    public static Path resolveSafely(Path root, String relPath) throws IOException {
        String bad = problem(relPath);
        if (bad != null) {
            throw new IllegalArgumentException("refusing library path '" + relPath + "': " + bad);
        }
        String[] segments = relPath.split("/");
        Path at = root;
        boolean checking = true;
        for (int i = 0; i < segments.length; i++) {
            at = at.resolve(segments[i]);
            if (!checking || i == segments.length - 1) {
                continue;
            }
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(at, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                checking = false; // nothing below a missing directory exists yet
                continue;
            }
            String parent = String.join("/", Arrays.asList(segments).subList(0, i + 1));
            if (attrs.isSymbolicLink()) {
                throw new FileSystemException(at.toString(), null, "parent '" + parent + "' of library path '"
                        + relPath + "' is a symbolic link; refusing to resolve through it");
            }
            if (!attrs.isDirectory()) {
                throw new NotDirectoryException(at + ": parent '" + parent + "' of library path '" + relPath
                        + "' is not a directory");
            }
        }
        return at;
    }

    /**
     * True if the filesystem holding {@code dir} ignores case. Probes rather than guesses from the OS, since
     * macOS volumes, Windows directories and Linux mounts (vfat, ciopfs, ext4 with casefold) each go either
     * way: creates an empty {@code .ferry-tmp-} file with a lowercase name in {@code dir}, asks whether the
     * uppercase name is the same file, and deletes it.
     */
    public static boolean caseInsensitive(Path dir) throws IOException {
        Path lower = Files.createTempFile(dir, IgnoreRules.TEMP_PREFIX + "case-", ".probe");
        try {
            Path upper = dir.resolve(lower.getFileName().toString().toUpperCase(Locale.ROOT));
            return Files.exists(upper, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(lower, upper);
        } finally {
            Files.deleteIfExists(lower);
        }
    }

    /**
     * The key under which two library paths collide on a case-insensitive filesystem: Unicode NFC (so the
     * decomposed names macOS reports meet their composed forms), then lower case in {@link Locale#ROOT} (never
     * the user's locale, where Turkish would fold {@code I} differently).
     */
    public static String foldKey(String relPath) {
        return Normalizer.normalize(relPath, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    /** Control characters, backslash and unpaired surrogates, in that order; null if there are none. */
    private static String characterProblem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return c == 0 ? "NUL character" : "control character";
            }
            if (c == '\\') {
                return "backslash";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return "invalid Unicode (unpaired surrogate)";
                }
            } else if (Character.isLowSurrogate(c)) {
                return "invalid Unicode (unpaired surrogate)";
            }
        }
        return null;
    }

    private static String segmentProblem(String segment, boolean first) {
        if (segment.isEmpty()) {
            return "empty segment";
        }
        if (segment.equals("..")) {
            return "contains '..'";
        }
        if (segment.equals(".")) {
            return "contains '.'";
        }
        if (utf8Length(segment) > MAX_NAME_BYTES) {
            return "name longer than " + MAX_NAME_BYTES + " bytes";
        }
        if (first && isStateDir(segment)) {
            return "inside .ferry";
        }
        if (segment.regionMatches(true, 0, IgnoreRules.TEMP_PREFIX, 0, IgnoreRules.TEMP_PREFIX.length())) {
            return "reserved .ferry-tmp- name";
        }
        return null;
    }

    private static boolean isStateDir(String segment) {
        return segment.equalsIgnoreCase(IgnoreRules.STATE_DIR);
    }

    /** UTF-8 length of a string already known to have no unpaired surrogates. */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
