package dev.ferry.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.testing.TestSeed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ignore rules follow gitignore(5): the cases are the statements and examples of its "PATTERN FORMAT" and
 * "EXAMPLES" sections, each row quoting or paraphrasing the rule it checks; then Ferry's own files.
 */
class IgnoreRulesTest {
    /** One expectation: under {@code rules}, {@code path} (a directory if {@code dir}) is or is not ignored. */
    private record Case(String rule, String rules, String path, boolean dir, boolean ignored) {}

    private static Case yes(String rule, String rules, String path, boolean dir) {
        return new Case(rule, rules, path, dir, true);
    }

    private static Case no(String rule, String rules, String path, boolean dir) {
        return new Case(rule, rules, path, dir, false);
    }

    private static final boolean FILE = false;
    private static final boolean DIR = true;

    private static final List<Case> GITIGNORE_DOC = List.of(
            no("a blank line matches no files", "\n\n", "x", FILE),
            no("a line starting with # is a comment", "#x\n", "#x", FILE),
            no("a line starting with # is a comment", "#x\n", "x", FILE),
            yes("a backslash in front of the first hash matches a literal #", "\\#x\n", "#x", FILE),
            yes("trailing spaces are ignored", "foo   \n", "foo", FILE),
            no("trailing spaces are ignored", "foo   \n", "foo ", FILE),
            yes("a trailing space quoted with backslash is kept", "bar\\ \n", "bar ", FILE),
            no("a trailing space quoted with backslash is kept", "bar\\ \n", "bar", FILE),
            yes("lines may end in CRLF", "*.log\r\nx\r\n", "a.log", FILE),
            yes("! negates: a matching file excluded by a previous pattern is included again", "*.log\n!keep.log\n",
                    "a.log", FILE),
            no("! negates: a matching file excluded by a previous pattern is included again", "*.log\n!keep.log\n",
                    "keep.log", FILE),
            no("the last matching pattern decides", "!keep.log\n*.log\n!keep.log\n", "keep.log", FILE),
            yes("it is not possible to re-include a file if a parent directory of that file is excluded",
                    "build/\n!build/keep.txt\n", "build/keep.txt", FILE),
            yes("a backslash in front of the first ! matches a literal !", "\\!important!.txt\n",
                    "!important!.txt", FILE),
            yes("a pattern without a slash matches at any level", "hello.*\n", "hello.txt", FILE),
            yes("a pattern without a slash matches at any level", "hello.*\n", "a/hello.c", FILE),
            yes("a pattern without a slash matches directories too", "hello.*\n", "hello.d", DIR),
            yes("a leading slash anchors to the root: /hello.* matches hello.txt", "/hello.*\n", "hello.txt", FILE),
            no("a leading slash anchors to the root: /hello.* does not match a/hello.java", "/hello.*\n",
                    "a/hello.java", FILE),
            yes("a slash in the middle anchors: doc/frotz matches doc/frotz", "doc/frotz\n", "doc/frotz", FILE),
            no("a slash in the middle anchors: doc/frotz does not match a/doc/frotz", "doc/frotz\n",
                    "a/doc/frotz", FILE),
            yes("doc/frotz/ matches the doc/frotz directory", "doc/frotz/\n", "doc/frotz", DIR),
            no("doc/frotz/ does not match the a/doc/frotz directory", "doc/frotz/\n", "a/doc/frotz", DIR),
            yes("frotz/ matches frotz and a/frotz that are directories", "frotz/\n", "frotz", DIR),
            yes("frotz/ matches frotz and a/frotz that are directories", "frotz/\n", "a/frotz", DIR),
            yes("foo/ matches a directory foo and paths underneath it", "foo/\n", "foo/x/y.txt", FILE),
            no("foo/ does not match a regular file foo", "foo/\n", "foo", FILE),
            no("foo/ does not match a regular file foo", "foo/\n", "a/foo", FILE),
            yes("* matches anything except a slash", "foo/*.c\n", "foo/x.c", FILE),
            no("* matches anything except a slash", "foo/*.c\n", "foo/bar/x.c", FILE),
            yes("foo/* matches foo/test.json", "foo/*\n", "foo/test.json", FILE),
            yes("foo/* matches the directory foo/bar, and so what is under it", "foo/*\n", "foo/bar/hello.c", FILE),
            no("foo/* does not match foo itself", "foo/*\n", "foo", DIR),
            yes("? matches any one character except /", "x?z\n", "xyz", FILE),
            no("? matches any one character except /", "x?z\n", "xz", FILE),
            no("? matches any one character except /", "/x?z\n", "x/z", FILE),
            yes("a range matches one character in it", "[a-c]q\n", "bq", FILE),
            no("a range matches one character in it", "[a-c]q\n", "dq", FILE),
            yes("a range may list characters", "[xyz].txt\n", "y.txt", FILE),
            yes("a range starting with ! is negated", "[!a]q\n", "bq", FILE),
            no("a range starting with ! is negated", "[!a]q\n", "aq", FILE),
            yes("**/foo matches foo anywhere", "**/foo\n", "foo", FILE),
            yes("**/foo matches foo anywhere", "**/foo\n", "a/b/foo", DIR),
            yes("**/foo/bar matches bar directly under any foo", "**/foo/bar\n", "foo/bar", FILE),
            yes("**/foo/bar matches bar directly under any foo", "**/foo/bar\n", "x/y/foo/bar", FILE),
            no("**/foo/bar matches bar directly under any foo", "**/foo/bar\n", "foo/x/bar", FILE),
            yes("abc/** matches everything inside abc", "abc/**\n", "abc/x", FILE),
            yes("abc/** matches everything inside abc", "abc/**\n", "abc/x/y/z", FILE),
            no("abc/** does not match abc itself", "abc/**\n", "abc", DIR),
            yes("a/**/b matches a/b", "a/**/b\n", "a/b", FILE),
            yes("a/**/b matches a/x/b", "a/**/b\n", "a/x/b", FILE),
            yes("a/**/b matches a/x/y/b", "a/**/b\n", "a/x/y/b", FILE),
            no("a/**/b does not match x/a/b", "a/**/b\n", "x/a/b", FILE),
            no("example: everything except foo/bar: foo/bar", "/*\n!/foo\n/foo/*\n!/foo/bar\n", "foo/bar/x", FILE),
            no("example: everything except foo/bar: foo", "/*\n!/foo\n/foo/*\n!/foo/bar\n", "foo", DIR),
            yes("example: everything except foo/bar: foo/baz", "/*\n!/foo\n/foo/*\n!/foo/bar\n", "foo/baz", FILE),
            yes("example: everything except foo/bar: other", "/*\n!/foo\n/foo/*\n!/foo/bar\n", "other", DIR),
            no("the root is never ignored", "*\n", "", DIR));

    private static final List<Case> FERRY_OWN = List.of(
            yes("the top-level .ferry directory is Ferry's", "", ".ferry", DIR),
            yes("everything under .ferry is Ferry's", "", ".ferry/db/library.sqlite", FILE),
            yes(".ferry in another case is .ferry on case-insensitive filesystems", "", ".Ferry/x", FILE),
            yes("negation cannot re-include .ferry", "!.ferry\n!.ferry/**\n!*\n", ".ferry/x", FILE),
            no("only the top-level .ferry is Ferry's", "", "a/.ferry", DIR),
            no("only the top-level .ferry is Ferry's", "", "a/.ferry/x", FILE),
            yes(".ferry-tmp-* files are transfers in progress", "", ".ferry-tmp-1234", FILE),
            yes(".ferry-tmp-* files are ignored in any directory", "", "a/b/.ferry-tmp-x.part", FILE),
            yes("what lies below a .ferry-tmp-* directory is ignored", "", "a/.ferry-tmp-d/x", FILE),
            yes(".ferry-tmp- matches without regard to case", "", "a/.FERRY-TMP-x", FILE),
            yes("negation cannot re-include .ferry-tmp-*", "!.ferry-tmp-*\n", "a/.ferry-tmp-x", FILE),
            no("a name merely containing .ferry-tmp- is not Ferry's", "", "a/x.ferry-tmp-1", FILE),
            no(".ferryignore is synced", "", ".ferryignore", FILE),
            no(".ferryignore is synced even if the rules match it", "*\n.*\n.ferryignore\n", ".ferryignore", FILE),
            yes("a .ferryignore below the root is an ordinary file", ".*\n", "a/.ferryignore", FILE),
            no("a .ferryignore below the root is an ordinary file, not rules", "", "a/.ferryignore", FILE));

    @Test
    void patternsFollowTheGitignoreDocumentation() {
        check(GITIGNORE_DOC);
    }

    @Test
    void ferrysOwnFilesAreAlwaysIgnoredAndTheRulesFileNever() {
        check(FERRY_OWN);
    }

    @Test
    void rulesLoadFromTheFerryignoreAtTheRoot(@TempDir Path root) throws Exception {
        assertFalse(IgnoreRules.load(root).ignored("a.log", false), "no .ferryignore: nothing of the user's ignored");
        assertTrue(IgnoreRules.load(root).ignored(".ferry/x", false), "no .ferryignore: Ferry's files still ignored");
        Files.writeString(root.resolve(".ferryignore"), "# logs\n*.log\n!keep.log\n");
        IgnoreRules rules = IgnoreRules.load(root);
        assertTrue(rules.ignored("a/b.log", false));
        assertFalse(rules.ignored("keep.log", false));
        assertFalse(rules.ignored("a.txt", false));
    }

    @Test
    void aSymlinkedFerryignoreIsNotFollowed(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "*\n");
        Files.createSymbolicLink(root.resolve(".ferryignore"), elsewhere);
        assertFalse(IgnoreRules.load(root).ignored("a.txt", false));
    }

    @Test
    void nothingBelowAnIgnoredDirectoryIsVisible() {
        Random random = new Random(TestSeed.seed("nothingBelowAnIgnoredDirectoryIsVisible"));
        String[] patterns = {"a", "b/", "/c", "a/b", "*.x", "!a", "!b/c", "**/d", "e/**", "[ab]?", "!*.x", "c/*/",
            "!/c/d", "?"};
        String[] names = {"a", "b", "c", "d", "e", "ab", "f.x", "bd"};
        for (int round = 0; round < 2_000; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(5); i >= 0; i--) {
                text.append(patterns[random.nextInt(patterns.length)]).append('\n');
            }
            IgnoreRules rules = IgnoreRules.parse(text.toString());
            StringBuilder path = new StringBuilder(names[random.nextInt(names.length)]);
            for (int depth = random.nextInt(4); depth > 0; depth--) {
                String parent = path.toString();
                path.append('/').append(names[random.nextInt(names.length)]);
                if (rules.ignored(parent, true)) {
                    assertTrue(rules.ignored(path.toString(), random.nextBoolean()),
                            "rules " + text.toString().replace("\n", " ") + ": " + parent + "/ is ignored but "
                                    + path + " is not");
                }
            }
        }
    }

    @Test
    void ignoreMatchingNeedsNeitherJavaEwahNorCommonsCodec() {
        // pom.xml excludes both from JGit; this proves the exclusion is safe as long as nothing else adds them.
        assumeTrue(absent("com.googlecode.javaewah.EWAHCompressedBitmap")
                        && absent("org.apache.commons.codec.binary.Hex"),
                "another dependency put JavaEWAH or commons-codec on the class path");
        IgnoreRules rules = IgnoreRules.parse("**/target/\n*.class\n!Keep.class\n[0-9]*.tmp\n");
        assertTrue(rules.ignored("a/target/x", false));
        assertTrue(rules.ignored("A.class", false));
        assertFalse(rules.ignored("Keep.class", false));
        assertTrue(rules.ignored("7.tmp", false));
    }

    private static boolean absent(String className) {
        try {
            Class.forName(className, false, IgnoreRulesTest.class.getClassLoader());
            return false;
        } catch (ClassNotFoundException e) {
            return true;
        }
    }

    private static void check(List<Case> cases) {
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            boolean actual = IgnoreRules.parse(c.rules()).ignored(c.path(), c.dir());
            if (actual != c.ignored()) {
                failures.add(c.rule() + ": rules [" + c.rules().replace("\n", "\\n") + "] "
                        + (c.dir() ? "directory " : "file ") + "'" + c.path() + "' should "
                        + (c.ignored() ? "" : "not ") + "be ignored");
            }
        }
        assertEquals(List.of(), failures);
    }
}
