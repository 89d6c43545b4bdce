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

            Files.setPosixFilePermissions(rb.resolve("keep"), PosixFilePermissions.fromString("---------"));
            Files.setPosixFilePermissions(rb.resolve("locked.txt"), PosixFilePermissions.fromString("---------"));
            Files.writeString(rb.resolve("locked.txt"), "changed while unreadable\n"); // this JVM may; B may not read it
            assertEquals(202, bs.postJson("/libraries/" + id + "/rescan", "").status());
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
