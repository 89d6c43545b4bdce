package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory's permissions for its group and for others are the same on every member, when it is created and when
 * they change on either side, so a private directory stays private; the owner's bits stay rwx on a receiving
 * member, which must be able to write into it.
 */
class DirectoryAccessTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void chmod(Path p, String perms) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    private static void awaitMode(Path p, String want) throws Exception {
        Trees.await(p + " becomes " + want, 20_000, () -> {
            try {
                return Files.isDirectory(p) && mode(p).equals(want);
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void groupAndOthersBitsOfDirectoriesSyncBothWaysAndTheOwnerKeepsWriteAccess() throws Exception {
        Path ra = Files.createDirectories(dir.resolve("tree-a"));
        Path rb = dir.resolve("tree-b");
        Files.createDirectories(ra.resolve("private"));
        Files.createDirectories(ra.resolve("shared"));
        Files.createDirectories(ra.resolve("frozen"));
        Files.writeString(ra.resolve("private/secret.txt"), "only mine\n");
        Files.writeString(ra.resolve("shared/notes.txt"), "for the team\n");
        Files.writeString(ra.resolve("frozen/old.txt"), "read-only dir\n");
        chmod(ra.resolve("private"), "rwx------");
        chmod(ra.resolve("shared"), "rwxr-xr-x");
        chmod(ra.resolve("frozen"), "r-xr-x---");

        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "work", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.awaitSame(30_000, ra, rb);
            awaitMode(rb.resolve("private"), "rwx------");
            awaitMode(rb.resolve("shared"), "rwxr-xr-x");
            awaitMode(rb.resolve("frozen"), "rwxr-x---"); // the group's bits as on A; the owner's stay rwx here

            chmod(ra.resolve("shared"), "rwxr-x---"); // A closes it to others
            awaitMode(rb.resolve("shared"), "rwxr-x---");
            chmod(rb.resolve("private"), "rwxrwx---"); // B opens it to its group
            awaitMode(ra.resolve("private"), "rwxrwx---");

            Files.writeString(ra.resolve("shared/later.txt"), "still syncing\n");
            Trees.awaitSame(30_000, ra, rb);
            assertEquals("r-xr-x---", mode(ra.resolve("frozen")), "A's own owner bits are left as A set them");
            assertEquals("rwxr-x---", mode(rb.resolve("shared")), "and nothing flipped back");
            assertEquals("rwxrwx---", mode(ra.resolve("private")));
        }
    }
}
