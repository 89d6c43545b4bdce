package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that loses two conflicts on one file within the same second names both losing versions alike. The
 * second copy must not overwrite the first, and must not look older than it to the other member (both happened:
 * one member kept a different copy forever).
 */
class ConflictCopyTest {
    @TempDir
    Path dir;

    @Test
    void aSecondLossInTheSameSecondKeepsTheFirstCopyAndConverges() throws Exception {
        Path ra = Files.createDirectories(dir.resolve("ra"));
        Path rb = dir.resolve("rb");
        int portB = Trees.freePort();
        long second = (System.currentTimeMillis() / 1000 - 3600) * 1000; // a whole second, an hour ago
        Files.writeString(ra.resolve("f.txt"), "original\n");
        try (TestNode a = Trees.node(dir.resolve("a"), Trees.freePort())) {
            String id = Trees.createFolder(a, "copies", ra);
            TestNode b = Trees.node(dir.resolve("b"), portB);
            try {
                Trees.join(b, Trees.invite(a, id), rb);
                Trees.awaitSame(20_000, ra, rb);

                // Round 1: b's edit (at second S + 100 ms) loses to a's later one.
                b.close();
                write(ra.resolve("f.txt"), "a wins the first time\n", second + 600_000);
                write(rb.resolve("f.txt"), "b's first loser\n", second + 100);
                b = Trees.node(dir.resolve("b"), portB);
                // Not only the same trees: both once held no copy yet, while one was still on its way.
                awaitSettled("a wins the first time\n", "b's first loser\n", ra, rb);
                Trees.awaitSame(30_000, ra, rb);

                // Round 2: b's next edit, in the same second S, loses again: same copy name.
                b.close();
                write(ra.resolve("f.txt"), "a wins the second time\n", second + 1_200_000);
                write(rb.resolve("f.txt"), "b's second loser, longer\n", second + 700);
                b = Trees.node(dir.resolve("b"), portB);
                awaitSettled("a wins the second time\n", "b's second loser, longer\n", ra, rb);
                Trees.awaitSame(30_000, ra, rb);
            } finally {
                b.close();
            }
            assertEquals("a wins the second time\n", Files.readString(rb.resolve("f.txt")));
            Path copy = onlyCopy(rb);
            assertEquals("b's second loser, longer\n", Files.readString(copy), "the newer loser holds the name on both");
            assertEquals("b's second loser, longer\n", Files.readString(ra.resolve(copy.getFileName().toString())));
            // The first loser was not overwritten: b moved it into its version store.
            assertTrue(kept(rb).contains("b's first loser\n"), "b's first losing version is kept: " + kept(rb));
        }
    }

    /** Waits until every root holds {@code winner} as f.txt and {@code loser} as its one conflict copy. */
    private static void awaitSettled(String winner, String loser, Path... roots) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            boolean settled = true;
            for (Path root : roots) {
                settled &= winner.equals(Files.readString(root.resolve("f.txt"))) && loser.equals(copyText(root));
            }
            if (settled) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                StringBuilder b = new StringBuilder("not settled after 30 s:");
                for (Path root : roots) {
                    b.append("\n").append(root).append(": f.txt=").append(Files.readString(root.resolve("f.txt")))
                            .append(" copy=").append(copyText(root)).append(" kept=").append(kept(root));
                }
                throw new AssertionError(b);
            }
            Thread.sleep(25);
        }
    }

    /** The one conflict copy's text; null when there is none, or more than one. */
    private static String copyText(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            List<Path> copies = s.filter(p -> p.getFileName().toString().contains(Conflicts.MARK)).toList();
            return copies.size() == 1 ? Files.readString(copies.get(0)) : null;
        }
    }

    private static void write(Path p, String text, long mtimeMillis) throws Exception {
        Files.writeString(p, text);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtimeMillis));
    }

    private static Path onlyCopy(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            List<Path> copies = s.filter(p -> p.getFileName().toString().contains(Conflicts.MARK)).toList();
            assertEquals(1, copies.size(), "conflict copies: " + copies);
            return copies.get(0);
        }
    }

    private static List<String> kept(Path root) throws Exception {
        Path versions = root.resolve(Versions.DIR);
        if (!Files.isDirectory(versions)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(versions)) {
            return s.filter(Files::isRegularFile).map(p -> {
                try {
                    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return "";
                }
            }).toList();
        }
    }
}
