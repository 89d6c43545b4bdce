package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a tree holds, operation by operation, between two real daemons. */
class FolderOperationsTest {
    @TempDir
    Path dir;

    static long linkBytes(TestNode n) {
        long total = 0;
        for (JsonNode p : n.sync().get("/peers").data()) {
            total += p.path("bytes_in").asLong() + p.path("bytes_out").asLong();
        }
        return total;
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void renamesAndMovesTransferNoFileData() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra.resolve("photos/2025"));
        for (int i = 0; i < 5; i++) {
            Files.write(ra.resolve("photos/2025/img" + i + ".raw"), random(i, 1_000_000));
        }
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "photos", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.awaitSame(20_000, ra, rb);
            long before = linkBytes(b);
            Files.move(ra.resolve("photos/2025/img0.raw"), ra.resolve("photos/renamed.raw"));
            Files.move(ra.resolve("photos/2025"), ra.resolve("photos/archive-2025"));
            Trees.awaitSame(20_000, ra, rb);
            long moved = linkBytes(b) - before;
            System.out.println("renaming 5 MB of files moved " + moved + " bytes over the link");
            assertTrue(moved < 200_000, "a rename moves index entries, not file data: " + moved + " bytes");
            assertEquals(Trees.sha256(ra.resolve("photos/renamed.raw")), Trees.sha256(rb.resolve("photos/renamed.raw")));
        }
    }

    @Test
    void insertingAByteAtTheStartSendsOnlyTheBlocksAroundIt() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra);
        byte[] data = random(42, 20_000_000);
        Files.write(ra.resolve("big.bin"), data);
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "big", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.awaitSame(30_000, ra, rb);
            long before = linkBytes(b);
            byte[] edited = new byte[data.length + 1];
            edited[0] = 'X';
            System.arraycopy(data, 0, edited, 1, data.length);
            Files.write(ra.resolve("big.bin"), edited);
            Trees.awaitSame(30_000, ra, rb);
            long sent = linkBytes(b) - before;
            System.out.println("inserting 1 byte at the start of 20 MB sent " + sent + " bytes over the link");
            assertTrue(sent < 2_000_000, "only the blocks around the insertion travel: " + sent + " bytes");
            // The replaced version went to b's version store (an in-place rewrite may have been seen half done too,
            // and that intermediate state kept as well: what matters is that the original is there, whole).
            JsonNode versions = b.sync().get("/libraries/" + id + "/versions").data();
            boolean original = false;
            for (JsonNode v : versions) {
                original |= v.path("path").asText().equals("big.bin") && v.path("size").asLong() == data.length;
            }
            assertTrue(original, "the original 20 MB is in the version store: " + versions);
        }
    }

    @Test
    void symlinksExecutableBitsAndEmptyDirectoriesSync() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra.resolve("bin"));
        Files.createDirectories(ra.resolve("empty/nested"));
        Path tool = ra.resolve("bin/tool.sh");
        Files.writeString(tool, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(ra.resolve("bin/current"), Path.of("tool.sh"));
        Files.createSymbolicLink(ra.resolve("escape"), Path.of("../../etc/passwd")); // never synced: leaves the root
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "tools", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.await("b has the link", 20_000, () -> Files.isSymbolicLink(rb.resolve("bin/current")));
            Trees.await("b has the empty dir", 20_000, () -> Files.isDirectory(rb.resolve("empty/nested")));
            Trees.await("b has the tool", 20_000, () -> Files.exists(rb.resolve("bin/tool.sh")));
            assertEquals(Path.of("tool.sh"), Files.readSymbolicLink(rb.resolve("bin/current")));
            assertTrue(Files.isExecutable(rb.resolve("bin/tool.sh")), "the executable bit travels");
            Thread.sleep(500);
            assertFalse(Files.exists(rb.resolve("escape"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "a link pointing out of the root is not created on the peer");
            // Clearing the executable bit alone is a change too.
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rw-r--r--"));
            Trees.await("b sees the bit cleared", 20_000, () -> !Files.isExecutable(rb.resolve("bin/tool.sh")));
            // Deleting a whole directory tree.
            Files.delete(ra.resolve("empty/nested"));
            Files.delete(ra.resolve("empty"));
            Trees.await("b drops the directories", 20_000, () -> !Files.exists(rb.resolve("empty")));
        }
    }

    @Test
    void concurrentEditsLeaveExactlyOneConflictCopyWithBothContents() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra);
        Files.writeString(ra.resolve("notes.txt"), "original\n");
        TestNode a = Trees.node(dir.resolve("a"));
        try {
            String id = Trees.createFolder(a, "notes", ra);
            String ticket = Trees.invite(a, id);
            try (TestNode b = Trees.node(dir.resolve("b"))) {
                Trees.join(b, ticket, rb);
                Trees.awaitSame(20_000, ra, rb);
            }
            // b is offline: both sides edit the same file.
            Files.writeString(ra.resolve("notes.txt"), "edited on a\n");
            Thread.sleep(1100);
            Files.writeString(rb.resolve("notes.txt"), "edited on b, later\n");
            try (TestNode b = Trees.node(dir.resolve("b"))) {
                Trees.awaitSame(20_000, ra, rb);
                List<String> names = new ArrayList<>();
                try (var s = Files.list(ra)) {
                    s.forEach(p -> names.add(p.getFileName().toString()));
                }
                List<String> copies = names.stream().filter(n -> n.contains(".sync-conflict-")).toList();
                assertEquals(1, copies.size(), "exactly one conflict copy: " + names);
                assertTrue(copies.get(0).matches("notes\\.sync-conflict-\\d{8}-\\d{6}-[A-Z0-9]{7}\\.txt"), copies.get(0));
                List<String> contents = List.of(Files.readString(ra.resolve("notes.txt")), Files.readString(ra.resolve(copies.get(0))));
                assertTrue(contents.contains("edited on a\n") && contents.contains("edited on b, later\n"), contents.toString());
                assertEquals("edited on b, later\n", Files.readString(ra.resolve("notes.txt")), "the later edit keeps the name");
                Http.Reply conflicts = b.sync().get("/libraries/" + id + "/conflicts");
                assertEquals(1, conflicts.data().size(), conflicts.toString());
                assertEquals("notes.txt", conflicts.data().get(0).path("original").asText());
            }
        } finally {
            a.close();
        }
    }

    @Test
    void ignoredFilesStayLocalAndAMissingMarkerStopsTheFolder() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra.resolve("build"));
        Files.writeString(ra.resolve(".ferryignore"), "build/\n*.tmp\n");
        Files.writeString(ra.resolve("build/out.o"), "object");
        Files.writeString(ra.resolve("scratch.tmp"), "temp");
        Files.writeString(ra.resolve("src.c"), "int main;");
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = Trees.createFolder(a, "code", ra);
            Trees.join(b, Trees.invite(a, id), rb);
            Trees.await("b has src.c", 20_000, () -> Files.exists(rb.resolve("src.c")));
            Thread.sleep(300);
            assertFalse(Files.exists(rb.resolve("build")), "ignored directory stays local");
            assertFalse(Files.exists(rb.resolve("scratch.tmp")), "ignored file stays local");
            assertTrue(Files.exists(rb.resolve(".ferryignore")), ".ferryignore itself syncs");

            // An unmounted disk looks like an empty directory: without the marker nothing is deleted anywhere.
            Files.delete(ra.resolve(".ferry/folder-id"));
            Files.delete(ra.resolve("src.c"));
            a.sync().postJson("/libraries/" + id + "/rescan", "");
            Trees.await("a reports the missing marker", 10_000,
                    () -> a.sync().get("/libraries/" + id).data().path("error").asText().contains("marker"));
            Thread.sleep(500);
            assertTrue(Files.exists(rb.resolve("src.c")), "no deletion travels from a folder without its marker");
        }
    }
}
