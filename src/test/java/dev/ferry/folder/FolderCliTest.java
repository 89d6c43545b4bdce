package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.CliRunner;
import dev.ferry.testing.CliRunner.Run;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry library ...} against real daemons: add a folder, invite, join, see versions, restore one. */
class FolderCliTest {
    @TempDir
    Path dir;

    @Test
    void addFolderInviteJoinVersionsAndRestoreFromTheCommandLine() throws Exception {
        Path ra = dir.resolve("ra");
        Path rb = dir.resolve("rb");
        Files.createDirectories(ra);
        Files.writeString(ra.resolve("plan.txt"), "version one\n");
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            Run add = CliRunner.ferry("library", "add-folder", ra.toString(), "--name", "plans", "--data-dir", a.dataDir.toString());
            assertEquals(0, add.code(), add.err());
            String id = add.out().trim().split("\\s+")[0];
            Run invite = CliRunner.ferry("library", "invite", id, "--data-dir", a.dataDir.toString());
            assertEquals(0, invite.code(), invite.err());
            Run join = CliRunner.ferry("library", "join", invite.out().trim(), rb.toString(), "--data-dir", b.dataDir.toString());
            assertEquals(0, join.code(), join.err());
            Trees.await("b has plan.txt", 20_000, () -> Files.exists(rb.resolve("plan.txt")));

            Files.writeString(ra.resolve("plan.txt"), "version two, longer\n");
            Trees.await("b has version two", 20_000, () -> {
                try {
                    return Files.readString(rb.resolve("plan.txt")).startsWith("version two");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            Run versions = CliRunner.ferry("library", "versions", id, "--data-dir", b.dataDir.toString());
            assertEquals(0, versions.code(), versions.err());
            assertTrue(versions.out().contains("plan~"), versions.out());
            String version = versions.out().trim().split("\\s+")[0];
            Run restore = CliRunner.ferry("library", "restore", id, version, "--data-dir", b.dataDir.toString());
            assertEquals(0, restore.code(), restore.err());
            Trees.await("the restored version reaches a", 20_000, () -> {
                try {
                    return Files.readString(ra.resolve("plan.txt")).equals("version one\n");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            String bId = b.daemon.peering().peerId().toString();
            Run members = CliRunner.ferry("library", "members", id, "--data-dir", a.dataDir.toString());
            assertEquals(0, members.code(), members.err());
            assertTrue(members.out().contains(bId) && members.out().contains("connected") && members.out().contains("direct"),
                    members.out());
            Run list = CliRunner.ferry("library", "list", "--data-dir", a.dataDir.toString());
            assertTrue(list.out().contains("folder") && list.out().contains(ra.toString()), list.out());
            Run bad = CliRunner.ferry("library", "join", invite.out().trim(), "--data-dir", dir.resolve("c").toString());
            assertTrue(bad.code() != 0, "no daemon there: a clear error");

            Run events = CliRunner.ferry("events", "--since", "0", "--count", "3", "--library", id, "--data-dir", b.dataDir.toString());
            assertEquals(0, events.code(), events.err());
            String[] lines = events.out().trim().split("\n");
            assertEquals(3, lines.length, events.out());
            assertTrue(events.out().contains("scan.started") || events.out().contains("remote."), events.out());
            Run json = CliRunner.ferry("events", "--since", "0", "--count", "1", "--json", "--data-dir", b.dataDir.toString());
            assertTrue(json.out().trim().startsWith("{\"id\":"), json.out());
            Run noDaemon = CliRunner.ferry("events", "--count", "1", "--data-dir", dir.resolve("nobody").toString());
            assertTrue(noDaemon.code() != 0 && noDaemon.err().contains("no Ferry daemon"), noDaemon.err());

            Run remove = CliRunner.ferry("library", "remove-member", id, bId, "--data-dir", a.dataDir.toString());
            assertEquals(0, remove.code(), remove.err());
            Run after = CliRunner.ferry("library", "members", id, "--data-dir", a.dataDir.toString());
            assertEquals("", after.out().trim(), "b is no longer a member of a's library");
            Run again = CliRunner.ferry("library", "remove-member", id, bId, "--data-dir", a.dataDir.toString());
            assertTrue(again.code() != 0 && again.err().contains("not a member"), again.err());
        }
    }
}
