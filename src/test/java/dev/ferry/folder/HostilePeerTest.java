package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose index holds every kind of hostile path (entries written straight into its index, bypassing its
 * scanner, exactly as a modified peer would serve them): the other member refuses each, writes nothing outside
 * its root, and goes on syncing the good entries.
 */
class HostilePeerTest {
    @TempDir
    Path dir;

    static FileEntry file(String path, FileEntry like) {
        return new FileEntry(path, FileEntry.FILE, like.size(), like.modifiedNs(), 0644, null, like.blocksHash(), like.blockCount(),
                VersionVector.EMPTY.bump("EVIL"), false, 0, "EVIL");
    }

    @Test
    void hostilePathsAreRefusedAndNothingIsWrittenOutsideTheRoot() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Path outside = dir.resolve("outside");
        Files.createDirectories(ra);
        Files.createDirectories(outside);
        Files.writeString(ra.resolve("payload.txt"), "payload that must never leave the root\n");
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "hostile", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.await("b has the payload", 20_000, () -> Files.exists(rb.resolve("payload.txt")));
            // b's own symlink to a directory outside its root (a person made it; it syncs as a link, never followed).
            Files.createSymbolicLink(rb.resolve("ext"), outside);

            Folder fa = a.daemon.peering().engine().folders().folder(id);
            FileEntry payload = fa.index().get("payload.txt").orElseThrow();
            BlockList blocks = fa.index().blocks("payload.txt").orElseThrow();
            List<String> hostile = List.of("../escape.txt", "/etc/evil.txt", "a/../../x.txt", "a\\b.txt", "nul\u0000.txt",
                    "ctl\u0001.txt", "x".repeat(300), ".ferry/folder-id", ".ferry/versions/x", "ext/evil.txt", "./dot.txt",
                    "a//b.txt", "trailing/");
            List<FolderIndex.Change> changes = new ArrayList<>();
            for (String p : hostile) {
                changes.add(new FolderIndex.Change(file(p, payload), blocks, 0));
            }
            changes.add(new FolderIndex.Change(new FileEntry("up", FileEntry.SYMLINK, 0, payload.modifiedNs(), 0777, "../../..",
                    null, 0, VersionVector.EMPTY.bump("EVIL"), false, 0, "EVIL"), null, 0));
            changes.add(new FolderIndex.Change(new FileEntry("abs", FileEntry.SYMLINK, 0, payload.modifiedNs(), 0777, "/etc",
                    null, 0, VersionVector.EMPTY.bump("EVIL"), false, 0, "EVIL"), null, 0));
            changes.add(new FolderIndex.Change(file("after-the-bad-ones.txt", payload), blocks, 0));
            fa.index().put(changes);
            fa.localChanges(List.of());

            Trees.await("the good entry after the bad ones arrives", 20_000, () -> Files.exists(rb.resolve("after-the-bad-ones.txt")));
            Thread.sleep(1500); // give refused entries every chance to do harm
            try (var s = Files.list(outside)) {
                assertEquals(0, s.count(), "nothing written through b's symlink to outside its root");
            }
            assertFalse(Files.exists(dir.resolve("escape.txt")));
            assertFalse(Files.exists(dir.resolve("x.txt")));
            assertFalse(Files.exists(rb.resolve("up"), LinkOption.NOFOLLOW_LINKS), "a link climbing out is refused");
            assertFalse(Files.exists(rb.resolve("abs"), LinkOption.NOFOLLOW_LINKS), "an absolute link is refused");
            assertEquals(id, Files.readString(rb.resolve(".ferry/folder-id")).trim(), "the marker is untouched");
            Map<String, String> tree = Trees.snapshot(rb);
            for (String p : tree.keySet()) {
                assertTrue(p.equals("payload.txt") || p.equals("after-the-bad-ones.txt") || p.equals("ext"), "unexpected " + p);
            }
            // b carries on: a normal edit still syncs.
            Files.writeString(ra.resolve("later.txt"), "still syncing");
            Trees.await("b still syncs", 20_000, () -> Files.exists(rb.resolve("later.txt")));
        }
    }
}
