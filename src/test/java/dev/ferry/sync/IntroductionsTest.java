package dev.ferry.sync;

import static dev.ferry.sync.AssetLibrarySyncTest.await;
import static dev.ferry.sync.AssetLibrarySyncTest.createLibrary;
import static dev.ferry.sync.AssetLibrarySyncTest.has;
import static dev.ferry.sync.AssetLibrarySyncTest.invite;
import static dev.ferry.sync.AssetLibrarySyncTest.join;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members learn of each other through the member that invited them, so they keep syncing when it is away, and
 * a member its introducer removes is removed where the introduction reached.
 */
class IntroductionsTest {
    @TempDir
    Path dir;

    static String id(TestNode n) {
        return n.daemon.peering().peerId().toString();
    }

    /** The member entry for {@code peer} in {@code n}'s library, or null. */
    static JsonNode member(TestNode n, String lib, String peer) {
        for (JsonNode m : n.sync().get("/libraries/" + lib + "/members").data()) {
            if (m.path("peer_id").asText().equals(peer)) {
                return m;
            }
        }
        return null;
    }

    /** A library of A's that B and C join with A's invites; returns its id. */
    static String team(TestNode a, TestNode b, TestNode c) {
        String lib = createLibrary(a, "{\"name\": \"team\"}");
        join(b, invite(a, lib));
        join(c, invite(a, lib));
        return lib;
    }

    static boolean connectedMember(TestNode n, String lib, String peer) {
        JsonNode m = member(n, lib, peer);
        return m != null && m.path("connected").asBoolean();
    }

    @Test
    void membersInvitedByOneNodeSyncDirectlyWhenItIsGone() throws Exception {
        TestNode a = TestNode.start(dir.resolve("a"));
        try (TestNode b = TestNode.start(dir.resolve("b")); TestNode c = TestNode.start(dir.resolve("c"))) {
            String lib = team(a, b, c);
            await("b and c know each other as members, introduced by a, and are linked",
                    () -> connectedMember(b, lib, id(c)) && connectedMember(c, lib, id(b)));
            assertEquals(id(a), member(b, lib, id(c)).path("introduced_by").asText());
            assertEquals(id(a), member(c, lib, id(b)).path("introduced_by").asText());
            assertEquals(2, a.sync().get("/libraries/" + lib + "/members").data().size(), "a's own members are unchanged");
            a.close();

            byte[] fromB = Bytes.random(11, 200_000);
            String hash = b.http.ingest(fromB, "b.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
            await("b's asset reaches c without a", () -> has(c, hash));
            assertArrayEquals(fromB, c.http.getBytes("/assets/" + hash + "/content").body());
            byte[] fromC = Bytes.random(12, 5000);
            String back = c.http.ingest(fromC, "c.bin", "mime_type", "application/octet-stream").data().path("hash").asText();
            await("c's asset reaches b without a", () -> has(b, back));
            assertArrayEquals(fromC, b.http.getBytes("/assets/" + back + "/content").body());
        } finally {
            a.close();
        }
    }

    @Test
    void aMemberRemovedByItsIntroducerIsRemovedWhereTheIntroductionReached() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c"))) {
            String lib = team(a, b, c);
            await("b knows c", () -> connectedMember(b, lib, id(c)));
            assertEquals(200, a.sync().delete("/libraries/" + lib + "/members/" + id(c)).status());
            await("b no longer counts c a member", () -> member(b, lib, id(c)) == null);
            for (JsonNode p : b.sync().get("/peers").data()) {
                if (p.path("peer_id").asText().equals(id(c))) {
                    assertEquals(false, p.path("known").asBoolean(), "c, known to b only through a, is a stranger again: " + p);
                }
            }
            String hash = b.http.ingest(Bytes.random(13, 1000), "late", "mime_type", "text/plain").data().path("hash").asText();
            await("a has b's new asset", () -> has(a, hash));
            Thread.sleep(500);
            assertEquals(404, c.http.get("/assets/" + hash).status(), "a removed member gets nothing more from anyone");
            // Asked directly, neither a nor b tells a non-member who the members are, or that the library exists.
            int asked = 0;
            for (TestNode n : java.util.List.of(a, b)) {
                var link = c.daemon.peering().peers().link(n.daemon.peering().peerId());
                if (link.isEmpty()) {
                    continue;
                }
                asked++;
                var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> link.get().request("library.members", Messages.encode(new Messages.MembersRequest(lib)))
                                .get(10, java.util.concurrent.TimeUnit.SECONDS));
                String said = failure.getCause().getMessage();
                // A member that forgot c answers as to any stranger; one that still knows it, as to a non-member.
                assertTrue(said.contains("no such library") || said.contains("no method library.members"), said);
            }
            assertTrue(asked >= 1, "c is still linked to a (links outlive membership; requests are checked one by one)");
        }
    }

    @Test
    void folderMembersKeepSyncingWithoutTheirInviter() throws Exception {
        Path ra = Files.createDirectories(dir.resolve("tree-a"));
        Path rb = dir.resolve("tree-b");
        Path rc = dir.resolve("tree-c");
        Files.writeString(ra.resolve("start.txt"), "from a\n");
        TestNode a = Trees.node(dir.resolve("a"));
        try (TestNode b = Trees.node(dir.resolve("b")); TestNode c = Trees.node(dir.resolve("c"))) {
            String lib = Trees.createFolder(a, "work", ra);
            Trees.join(b, Trees.invite(a, lib), rb);
            Trees.join(c, Trees.invite(a, lib), rc);
            Trees.awaitSame(20_000, ra, rb);
            Trees.awaitSame(20_000, ra, rc);
            await("b and c are linked members", () -> connectedMember(b, lib, id(c)) && connectedMember(c, lib, id(b)));
            a.close();

            Files.writeString(rb.resolve("from-b.txt"), "written on b while a is away\n");
            Files.createDirectories(rc.resolve("from-c"));
            Files.writeString(rc.resolve("from-c/note.txt"), "written on c\n");
            Trees.await("b's file on c", 20_000, () -> Files.exists(rc.resolve("from-b.txt")));
            Trees.await("c's file on b", 20_000, () -> Files.exists(rb.resolve("from-c/note.txt")));
            Trees.awaitSame(20_000, rb, rc);
            assertEquals("written on b while a is away\n", Files.readString(rc.resolve("from-b.txt")));
        } finally {
            a.close();
        }
    }

    @Test
    void aRemovalLastsWhenTheIntroducerWasAwayAndCameBackListingTheRemovedMember() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode c = TestNode.start(dir.resolve("c"))) {
            TestNode b = TestNode.start(dir.resolve("b"));
            String lib = createLibrary(a, "{\"name\": \"team\"}");
            String bId = id(b);
            try {
                join(b, invite(a, lib));
                join(c, invite(a, lib));
                await("b knows c", () -> connectedMember(b, lib, id(c)));
            } finally {
                b.close(); // b still counts c a member (introduced by a) while it is away
            }
            assertEquals(200, a.sync().delete("/libraries/" + lib + "/members/" + id(c)).status());
            try (TestNode back = TestNode.start(dir.resolve("b"))) {
                await("b is back and has dropped c", () -> connectedMember(a, lib, bId) && member(back, lib, id(c)) == null);
                Thread.sleep(1000); // the lists have been exchanged both ways by now
                assertEquals(null, member(a, lib, id(c)), "b's stale list must not bring c back on a");
                assertEquals(null, member(back, lib, id(c)));
                String hash = a.http.ingest(Bytes.random(14, 1000), "after", "mime_type", "text/plain").data().path("hash").asText();
                await("b has a's new asset", () -> has(back, hash));
                Thread.sleep(300);
                assertEquals(404, c.http.get("/assets/" + hash).status(), "c gets nothing more");
            }
        }
    }

    @Test
    void aMemberAPersonRemovedIsNotBroughtBackByALaterIntroduction() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c")); TestNode d = TestNode.start(dir.resolve("d"))) {
            String lib = team(a, b, c);
            await("b knows c", () -> member(b, lib, id(c)) != null);
            assertEquals(200, b.sync().delete("/libraries/" + lib + "/members/" + id(c)).status());
            join(d, invite(a, lib)); // a's list changes, so b asks it again: it lists c and d
            await("b learns d", () -> member(b, lib, id(d)) != null);
            Thread.sleep(500);
            assertEquals(null, member(b, lib, id(c)), "removed on b by a person: no introduction brings c back there");
            join(b, invite(c, lib)); // unless b joins through c's invite itself
            await("c is a direct member of b again", () -> {
                JsonNode m = member(b, lib, id(c));
                return m != null && m.path("introduced_by").isNull();
            });
        }
    }

    @Test
    void membersIntroducedByARemovedMemberGoWithIt() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c"))) {
            String lib = createLibrary(a, "{\"name\": \"team\"}");
            join(b, invite(a, lib));
            join(c, invite(b, lib)); // a learns c from b
            await("a knows c through b", () -> {
                JsonNode m = member(a, lib, id(c));
                return m != null && m.path("introduced_by").asText().equals(id(b));
            });
            assertEquals(200, a.sync().delete("/libraries/" + lib + "/members/" + id(b)).status());
            assertEquals(null, member(a, lib, id(c)), "an introduction is only as good as its introducer");
            Thread.sleep(500);
            assertEquals(null, member(a, lib, id(c)), "and c's own list (it lists b) brings neither back");
            assertEquals(null, member(a, lib, id(b)));
        }
    }

    @Test
    void listedAddressesAreCutToWhatHelloAllows() {
        assertEquals(java.util.List.of("127.0.0.1:1", "h:2", "h:3", "h:4"), Introductions.addresses(java.util.Arrays.asList(
                null, "", "127.0.0.1:1", "x".repeat(101), "h:2", "h:3", "h:4", "h:5")));
        assertEquals(java.util.List.of(), Introductions.addresses(null));
    }

    @Test
    void aMemberLearntOverALinkThatIsAlreadyOpenIsSyncedWithAtOnce() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c"))) {
            // B and C are linked already, through a library they share.
            String texts = createLibrary(a, "{\"name\": \"texts\", \"filter\": {\"mime_prefix\": \"text/\"}}");
            join(b, invite(a, texts));
            join(c, invite(a, texts));
            await("b and c are linked", () -> connectedMember(b, texts, id(c)));
            // C keeps an image library of its own, with an image in it, and shares it with A, then A with B.
            String image = c.http.ingest(Bytes.random(15, 3000), "c.png", "mime_type", "image/png").data().path("hash").asText();
            String images = createLibrary(c, "{\"name\": \"images\", \"filter\": {\"mime_prefix\": \"image/\"}}");
            join(a, invite(c, images));
            join(b, invite(a, images));
            // B learns of C as a member of the images library over the link they already had (its Hello did not
            // list that library): one of them must start the exchange, as nothing changes in C's index any more.
            await("b pulled the images library from c directly", () -> {
                JsonNode m = member(b, images, id(c));
                return m != null && m.path("revision_received").asLong() >= 1;
            });
            await("b has c's image", () -> has(b, image));
        }
    }

    @Test
    void malformedMemberRequestsGetAClearRefusalAndChangeNothing() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"team\"}");
            join(b, invite(a, lib));
            var link = b.daemon.peering().peers().link(a.daemon.peering().peerId()).orElseThrow();
            for (String method : java.util.List.of("library.members", "library.members.changed")) {
                var garbage = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> link.request(method, new byte[] {(byte) 0xff, 0x01, 0x02}).get(10, java.util.concurrent.TimeUnit.SECONDS));
                var refusal = (dev.ferry.peer.PeerRequestException) garbage.getCause();
                assertEquals(dev.ferry.protocol.ErrorCode.PROTOCOL.code(), refusal.code(), method);
                assertTrue(refusal.getMessage().contains("malformed MembersRequest"), refusal.getMessage());
                var unknown = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> link.request(method, Messages.encode(new Messages.MembersRequest("no-such-library")))
                                .get(10, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals("no such library", unknown.getCause().getMessage(), method);
            }
            // The link and the library carry on.
            String hash = a.http.ingest(Bytes.random(16, 500), "ok", "mime_type", "text/plain").data().path("hash").asText();
            await("b still syncs", () -> has(b, hash));
            assertEquals(1, a.sync().get("/libraries/" + lib + "/members").data().size());
        }
    }
}
