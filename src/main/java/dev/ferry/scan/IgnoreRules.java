package dev.ferry.scan;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.eclipse.jgit.ignore.IgnoreNode;

/**
 * What a scan of a folder library may see: the patterns of {@code ROOT/.ferryignore}, read with exactly git's
 * gitignore rules (gitignore(5), "PATTERN FORMAT"), plus Ferry's own files, which are never synced.
 *
 * <p>Matching is JGit's ({@link IgnoreNode}, {@code FastIgnoreRule}) so that {@code !} negation, directory-only
 * {@code foo/}, anchored {@code /foo} and {@code a/b}, {@code **}, {@code *}, {@code ?}, character classes,
 * comments, {@code \#} and trailing-space handling behave as they do in git, without a matcher of our own.
 * As in git, a path is ignored when it or any of its parent directories is ignored, and a negation cannot
 * re-include a path below an ignored directory; so a scanner that skips an ignored directory's subtree loses
 * nothing. There is one rules file, at the root: {@code .ferryignore} files in subdirectories are ordinary
 * files, not rules.
 *
 * <p>Always ignored, whatever the rules say (see {@link #ignored}): the top-level {@code .ferry} directory and
 * everything under it (Ferry's state), and any entry whose name starts with {@code .ferry-tmp-}, in any
 * directory, with anything below it (transfers in progress). Both are matched without regard to case,
 * because on a case-insensitive filesystem {@code .Ferry} is {@code .ferry}; {@link PathRules#problem}
 * refuses the same names from peers.
 *
 * <p>Never ignored: the top-level {@code .ferryignore} itself. Unlike Syncthing, whose {@code .stignore} stays
 * local, Ferry syncs its rules file so every peer of a library skips the same paths; a pattern such as
 * {@code .*} therefore cannot exclude it.
 *
 * <p>Immutable and thread-safe once built: the rules are parsed up front and matching keeps no state.
 */
public final class IgnoreRules {
    /** The rules file, at the library root. */
    static final String FILE_NAME = ".ferryignore";
    /** Ferry's state directory, at the library root. */
    static final String STATE_DIR = ".ferry";
    /** Prefix of the names of files being received. */
    static final String TEMP_PREFIX = ".ferry-tmp-";

    private final IgnoreNode rules;

    private IgnoreRules(IgnoreNode rules) {
        this.rules = rules;
    }

    /**
     * Loads {@code ROOT/.ferryignore} (gitignore syntax, UTF-8) if it is a regular file; without one only
     * Ferry's own files are ignored. A symlink of that name is not followed (a peer could have aimed it at any
     * file on this machine) and counts as no rules file.
     */
    public static IgnoreRules load(Path root) throws IOException {
        Path file = root.resolve(FILE_NAME);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return parse("");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Rules from the text of a {@code .ferryignore} (for tests and for reloading after the file changed). */
    public static IgnoreRules parse(String gitignoreText) {
        IgnoreNode node = new IgnoreNode();
        try {
            node.parse(FILE_NAME, new ByteArrayInputStream(gitignoreText.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading rules from memory cannot fail", e);
        }
        return new IgnoreRules(node);
    }

    /**
     * Whether the scan must skip {@code relPath}. The path is relative to the library root, uses {@code '/'}
     * separators and has no leading {@code '/'}; {@code dir} says whether it names a directory, which
     * directory-only patterns ({@code build/}) need. The root itself ({@code ""}) is never ignored.
     */
    public boolean ignored(String relPath, boolean dir) {
        if (relPath.isEmpty() || relPath.equals(FILE_NAME)) {
            return false;
        }
        if (ownedByFerry(relPath)) {
            return true;
        }
        // Git never descends into an ignored directory, so each parent is judged as a directory first.
        for (int slash = relPath.indexOf('/'); slash >= 0; slash = relPath.indexOf('/', slash + 1)) {
            if (Boolean.TRUE.equals(rules.checkIgnored(relPath.substring(0, slash), true))) {
                return true;
            }
        }
        return Boolean.TRUE.equals(rules.checkIgnored(relPath, dir));
    }

    /**
     * Like {@link #ignored}, for a walk that never enters an ignored directory: the parents of {@code relPath}
     * are known not to be ignored, so only the entry itself is judged.
     */
    public boolean ignoredEntry(String relPath, boolean dir) {
        if (relPath.isEmpty() || relPath.equals(FILE_NAME)) {
            return false;
        }
        int slash = relPath.lastIndexOf('/');
        boolean owned = slash < 0 ? ownedByFerry(relPath)
                : relPath.regionMatches(true, slash + 1, TEMP_PREFIX, 0, TEMP_PREFIX.length());
        if (owned) {
            return true;
        }
        return Boolean.TRUE.equals(rules.checkIgnored(relPath, dir));
    }

    /**
     * True for the top-level {@code .ferry} and anything below it, and for any entry named {@code .ferry-tmp-*}
     * or lying below one, in any directory.
     */
    static boolean ownedByFerry(String relPath) {
        int start = 0;
        while (true) {
            int end = relPath.indexOf('/', start);
            int length = (end < 0 ? relPath.length() : end) - start;
            if (start == 0 && length == STATE_DIR.length() && relPath.regionMatches(true, 0, STATE_DIR, 0, length)) {
                return true;
            }
            if (length >= TEMP_PREFIX.length()
                    && relPath.regionMatches(true, start, TEMP_PREFIX, 0, TEMP_PREFIX.length())) {
                return true;
            }
            if (end < 0) {
                return false;
            }
            start = end + 1;
        }
    }
}
