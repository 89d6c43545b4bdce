package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory or file that its member cannot read is reported and kept, never taken for deleted: the other members
 * keep their copies, the rest of the folder goes on syncing, and once it is readable again it syncs as usual.
 *
 * <p>Member B runs in a child JVM. Tests here run as root, which reads anything, so when root the child is started
 * through {@code setpriv} without the two capabilities that let root ignore permissions ({@code CAP_DAC_OVERRIDE},
 * {@code CAP_DAC_READ_SEARCH}); it is still uid 0, so it reads everything else root owns as before.
 */
class UnreadableTest {
    @TempDir
    Path dir;

    private static List<String> withoutPermissionOverride() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            return List.of(); // an ordinary user is refused a mode-000 directory anyway
        }
        Process p = new ProcessBuilder("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", "true")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor() == 0, "setpriv cannot drop capabilities here");
        return List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--");
    }

    private static List<String> scanErrors(Http sync, String id) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : sync.get("/libraries/" + id).data().path("scan_errors")) {
            out.add(e.asText());
        }
        return out;
    }

    @Test
    void aNameThatCannotBeSyncedStaysReportedWhileItsFileIsEdited() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Path bad = root.resolve("a\\b.txt"); // a backslash: refused by the path rules
        Files.writeString(bad, "one\n");
        try (TestNode n = Trees.node(dir.resolve("n"))) {
            String id = Trees.createFolder(n, "work", root);
            Trees.await("the name is reported", 30_000, () -> scanErrors(n.sync(), id).stream().anyMatch(e -> e.startsWith("a\\b.txt: name")));
            Files.writeString(bad, "two\n", java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(root.resolve("ok.txt"), "after the edit\n");
            Trees.await("the scans after the edit are done", 30_000,
                    () -> n.sync().get("/libraries/" + id).data().path("files").asLong() == 1);
            Thread.sleep(500); // the watcher's scan of the edited file, whichever came first
            assertEquals(List.of("a\\b.txt: name cannot be synced (backslash)"), scanErrors(n.sync(), id),
                    "still reported after the edit");
        }
    }

    @Test
    void anUnreadableDirectoryAndFileAreReportedAndKeptOnEveryMemberUntilTheyAreReadableAgain() throws Exception {
        List<String> prefix = withoutPermissionOverride();
        Path ra = Files.createDirectories(dir.resolve("tree-a"));
        Path rb = dir.resolve("tree-b");
        Files.createDirectories(ra.resolve("keep/deeper"));
        Files.writeString(ra.resolve("keep/one.txt"), "one\n");
        Files.writeString(ra.resolve("keep/deeper/two.txt"), "two\n");
        Files.writeString(ra.resolve("locked.txt"), "as it was\n");
        Files.writeString(ra.resolve("top.txt"), "top\n");

        try (TestNode a = Trees.node(dir.resolve("a"));
                ChildNode b = ChildNode.startThrough(prefix, dir.resolve("b"), Map.of())) {
            String id = Trees.createFolder(a, "work", ra);
            Http bs = b.sync();
            Http.Reply joined = bs.postJson("/join", "{\"ticket\": \"" + Trees.invite(a, id) + "\", \"path\": \"" + rb + "\"}");
            assertEquals(201, joined.status(), joined.toString());
            Trees.awaitSame(30_000, ra, rb);

            // No rescan asked for: the watcher's scans must see both. The new content is written outside the tree
            // and renamed over the file already unreadable, which works for an ordinary user as for root.
            Path staged = dir.resolve("locked.next");
            Files.writeString(staged, "changed while unreadable\n");
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("---------"));
            Files.setPosixFilePermissions(rb.resolve("keep"), PosixFilePermissions.fromString("---------"));
            Files.move(staged, rb.resolve("locked.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Trees.await("B reports what it cannot read", 30_000, () -> {
                List<String> errors = scanErrors(bs, id);
                return errors.stream().anyMatch(e -> e.startsWith("keep: cannot be read"))
                        && errors.stream().anyMatch(e -> e.startsWith("locked.txt: cannot be read"));
            });
            Files.writeString(rb.resolve("after.txt"), "B goes on syncing\n");
            Trees.await("B's other changes still reach A", 30_000, () -> Files.exists(ra.resolve("after.txt")));

            assertEquals("one\n", Files.readString(ra.resolve("keep/one.txt")), "not taken for deleted");
            assertEquals("two\n", Files.readString(ra.resolve("keep/deeper/two.txt")), "nor anything under it");
            assertEquals("as it was\n", Files.readString(ra.resolve("locked.txt")), "an unreadable file is not sent torn");
            assertEquals(0, a.sync().get("/libraries/" + id).data().path("deleted").asLong(), "A recorded no deletion");
            assertEquals(0, bs.get("/libraries/" + id).data().path("deleted").asLong(), "nor did B");

            Files.setPosixFilePermissions(rb.resolve("keep"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(rb.resolve("locked.txt"), PosixFilePermissions.fromString("rw-r--r--"));
            assertEquals(202, bs.postJson("/libraries/" + id + "/rescan", "").status());
            Trees.await("the errors go once B can read again", 30_000, () -> scanErrors(bs, id).isEmpty());
            Trees.awaitSame(30_000, ra, rb);
            assertEquals("changed while unreadable\n", Files.readString(ra.resolve("locked.txt")), "and the change then syncs");
        }
    }
}
