package dev.ferry.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestSeed;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paths and symlink targets from peers are refused unless they stay inside the library and outside .ferry. */
class PathRulesTest {
    private static final String LONG_NAME = "n".repeat(PathRules.MAX_NAME_BYTES);

    @Test
    void badPathsAreRefusedWithTheirReason() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("", "empty path");
        bad.put("a/../../etc/passwd", "contains '..'");
        bad.put("..", "contains '..'");
        bad.put("a/..", "contains '..'");
        bad.put("/etc/passwd", "absolute path");
        bad.put("/", "absolute path");
        bad.put("a\\b", "backslash");
        bad.put("..\\..\\windows", "backslash");
        bad.put("a\u0000b", "NUL character");
        bad.put("a\nb", "control character");
        bad.put("a/b\rc", "control character");
        bad.put("tab\there", "control character");
        bad.put("del\u007f", "control character");
        bad.put(LONG_NAME + "x", "name longer than 255 bytes");
        bad.put("a/" + "é".repeat(128), "name longer than 255 bytes"); // 256 bytes in 128 characters
        bad.put(".ferry/x", "inside .ferry");
        bad.put(".ferry", "inside .ferry");
        bad.put(".FERRY/db", "inside .ferry");
        bad.put("a/.ferry-tmp-123", "reserved .ferry-tmp- name");
        bad.put("./a", "contains '.'");
        bad.put("a/./b", "contains '.'");
        bad.put("a//b", "empty segment");
        bad.put("a/", "trailing '/'");
        bad.put("a\ud800b", "invalid Unicode (unpaired surrogate)");
        bad.put("a\udc00", "invalid Unicode (unpaired surrogate)");
        bad.put("x\ud83d", "invalid Unicode (unpaired surrogate)");
        bad.put((LONG_NAME + "/").repeat(16) + "x", "path longer than 4096 bytes");
        List<String> wrong = new ArrayList<>();
        bad.forEach((path, reason) -> {
            String actual = PathRules.problem(path);
            if (!reason.equals(actual)) {
                wrong.add(printable(path) + ": expected \"" + reason + "\", got " + actual);
            }
        });
        assertEquals(List.of(), wrong);
        assertEquals("empty path", PathRules.problem(null));
    }

    @Test
    void ordinaryAndUnicodeNamesAreAccepted() {
        List<String> good = List.of("a", "a/b/c.txt", ".hidden", "a/.ferry", "a/.ferry/x", ".ferryignore",
                ".ferry2", "x.ferry-tmp-1", "...", "a/..b/c..", "Ünïcödé/日本語.txt", "emoji 😀/🎉.png",
                "e\u0301 decomposed", "space at end ", " leading space", "semi;colon:and*star?", LONG_NAME,
                "😀".repeat(63) + "abc", (LONG_NAME + "/").repeat(15) + LONG_NAME);
        for (String path : good) {
            assertNull(PathRules.problem(path), printable(path));
        }
    }

    @Test
    void symlinkTargetsMustStayInsideTheRootAndOutOfFerry() {
        assertNull(PathRules.symlinkProblem("a/l", "../x"));
        assertNull(PathRules.symlinkProblem("a/l", "x"));
        // ".." after a name could climb out through a link named there (a/l1 -> .., then l1/../x): refused.
        assertEquals("target has '..' after a name", PathRules.symlinkProblem("a/l", "./b/../c"));
        assertEquals("target has '..' after a name", PathRules.symlinkProblem("a/l2", "l1/../x"));
        assertNull(PathRules.symlinkProblem("a/b/l", "../../x/y"));
        assertNull(PathRules.symlinkProblem("a/l", ".."), "the root itself is inside the root");
        assertEquals("target points into .ferry", PathRules.symlinkProblem("a/l", "../a/.ferry/x"),
                "a .ferry segment anywhere may be reached through a link to the root");
        assertEquals("target climbs above the library root", PathRules.symlinkProblem("a/l", "../../x"));
        assertEquals("target climbs above the library root", PathRules.symlinkProblem("l", "../x"));
        assertEquals("target climbs above the library root", PathRules.symlinkProblem("a/l", "../../a/x"),
                "leaving the root on the way is refused even if the end is inside");
        assertEquals("absolute target", PathRules.symlinkProblem("a/l", "/etc"));
        assertEquals("target points into .ferry", PathRules.symlinkProblem("a/l", "../.ferry/x"));
        assertEquals("target points into .ferry", PathRules.symlinkProblem("l", ".ferry"));
        assertEquals("target points into .ferry", PathRules.symlinkProblem("l", ".Ferry/../x"));
        assertEquals("target: backslash", PathRules.symlinkProblem("a/l", "..\\..\\x"));
        assertEquals("target: NUL character", PathRules.symlinkProblem("a/l", "x\u0000"));
        assertEquals("target: control character", PathRules.symlinkProblem("a/l", "x\ny"));
        assertEquals("empty target", PathRules.symlinkProblem("a/l", ""));
        assertEquals("link path: contains '..'", PathRules.symlinkProblem("../l", "x"));
    }

    @Test
    void acceptedSymlinkTargetsResolveInsideTheRoot() {
        Random random = new Random(TestSeed.seed("acceptedSymlinkTargetsResolveInsideTheRoot"));
        String[] parts = {"..", ".", "a", "b", ".ferry", "", "c"};
        Path root = Path.of("/library");
        int accepted = 0;
        for (int round = 0; round < 20_000; round++) {
            String link = randomPath(random, new String[] {"a", "b", "c"}, 1 + random.nextInt(4));
            String target = randomPath(random, parts, 1 + random.nextInt(6));
            if (PathRules.symlinkProblem(link, target) != null) {
                continue;
            }
            accepted++;
            Path parent = root.resolve(link).getParent();
            Path resolved = parent.resolve(target).normalize();
            String where = "link " + link + " -> " + target + " resolves to " + resolved;
            assertTrue(resolved.startsWith(root), where);
            assertFalse(resolved.startsWith(root.resolve(".ferry")), where);
        }
        assertTrue(accepted > 1_000, "too few accepted targets to mean anything: " + accepted);
    }

    @Test
    void acceptedPathsResolveInsideTheRoot(@TempDir Path root) throws IOException {
        Random random = new Random(TestSeed.seed("acceptedPathsResolveInsideTheRoot"));
        String[] parts = {"..", ".", "a", "B", ".ferry", "", "\\", "c\u0000", "ü", "😀", "\ud800", "/"};
        int accepted = 0;
        for (int round = 0; round < 20_000; round++) {
            String path = randomPath(random, parts, 1 + random.nextInt(5));
            if (PathRules.problem(path) != null) {
                continue;
            }
            accepted++;
            Path resolved = PathRules.resolveSafely(root, path);
            assertTrue(resolved.normalize().startsWith(root) && !resolved.normalize().equals(root), path);
            assertEquals(resolved, resolved.normalize(), path);
            assertFalse(resolved.startsWith(root.resolve(".ferry")), path);
        }
        assertTrue(accepted > 1_000, "too few accepted paths to mean anything: " + accepted);
    }

    @Test
    void resolvingThroughASymlinkedDirectoryIsRefused(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectory(dir.resolve("library"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.createDirectories(root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/escape"), outside);
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> PathRules.resolveSafely(root, "a/escape/passwd"));
        assertTrue(e.getMessage().contains("'a/escape'") && e.getMessage().contains("symbolic link"), e.getMessage());
        assertThrows(FileSystemException.class, () -> PathRules.resolveSafely(root, "a/escape/deeper/x"));
    }

    @Test
    void theFinalComponentMayBeASymlinkAndMissingParentsAreFine(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectory(dir.resolve("library"));
        Files.createDirectories(root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/link"), dir);
        assertEquals(root.resolve("a/link"), PathRules.resolveSafely(root, "a/link"));
        assertEquals(root.resolve("a/new/deeper/file"), PathRules.resolveSafely(root, "a/new/deeper/file"));
        assertEquals(root.resolve("top"), PathRules.resolveSafely(root, "top"));
    }

    @Test
    void aFileWhereADirectoryShouldBeIsRefused(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("f"), "x");
        IOException e = assertThrows(IOException.class, () -> PathRules.resolveSafely(root, "f/x"));
        assertTrue(e.getMessage().contains("'f'") && e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void resolvingABadPathIsABug(@TempDir Path root) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PathRules.resolveSafely(root, "a/../../x"));
        assertTrue(e.getMessage().contains("contains '..'"), e.getMessage());
    }

    @Test
    void caseSensitivityIsProbedAndTheProbeIsRemoved(@TempDir Path dir) throws IOException {
        boolean insensitive = PathRules.caseInsensitive(dir);
        try (var entries = Files.list(dir)) {
            assertEquals(0, entries.count(), "the probe file is deleted");
        }
        // Confirm the answer independently with a file of our own.
        Files.writeString(dir.resolve("probe-check"), "x");
        assertEquals(insensitive, Files.exists(dir.resolve("PROBE-CHECK")));
    }

    @Test
    void foldKeysMeetAcrossCaseAndUnicodeNormalization() {
        assertEquals(PathRules.foldKey("Photos/Été.JPG"), PathRules.foldKey("photos/e\u0301te\u0301.jpg"));
        assertEquals("dir/istanbul", PathRules.foldKey("DIR/ISTANBUL"), "Locale.ROOT, never Turkish dotless i");
        assertNotEquals(PathRules.foldKey("a/b"), PathRules.foldKey("a/c"));
        assertEquals(PathRules.foldKey("x"), PathRules.foldKey(PathRules.foldKey("X")));
    }

    private static String randomPath(Random random, String[] parts, int segments) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < segments; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(parts[random.nextInt(parts.length)]);
        }
        return sb.toString();
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(40).forEach(c -> {
            if (c < 0x20 || c == 0x7f || Character.isSurrogate((char) c)) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb + (s.length() > 40 ? "... (" + s.length() + " chars)" : "");
    }
}
