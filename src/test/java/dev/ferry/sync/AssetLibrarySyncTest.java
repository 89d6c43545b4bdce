package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Asset libraries between real daemons on loopback: invites, push, catch-up, deletes, membership. */
class AssetLibrarySyncTest {
    @TempDir
    Path dir;

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    static String createLibrary(TestNode n, String json) {
        Http.Reply r = n.sync().postJson("/libraries", json);
        assertEquals(201, r.status(), r.toString());
        return r.data().path("id").asText();
    }

    static String invite(TestNode n, String libraryId) {
        Http.Reply r = n.sync().postJson("/libraries/" + libraryId + "/invite", "");
        assertEquals(200, r.status(), r.toString());
        String ticket = r.data().path("ticket").asText();
        assertTrue(ticket.startsWith("eyJsaWJyYXJ5X25hbWUiOi"), "a ticket looks like the seed's: " + ticket);
        return ticket;
    }

    static void join(TestNode n, String ticket) {
        Http.Reply r = n.sync().postJson("/join", "{\"ticket\": \"" + ticket + "\"}");
        assertEquals(201, r.status(), r.toString());
    }

    static boolean has(TestNode n, String hash) {
        Http.Reply r = n.http.get("/assets/" + hash);
        return r.status() == 200;
    }

    static boolean gone(TestNode n, String hash) {
        return n.http.get("/assets/" + hash).status() == 410;
    }

    @Test
    void ingestOnOneMemberAppearsOnTheOthersWithIdenticalBytesAndMetadata() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"));
                TestNode c = TestNode.start(dir.resolve("c"))) {
            String lib = createLibrary(a, "{\"name\": \"shared-images\", \"filter\": {\"mime_prefix\": \"image/\"}}");
            String ticket = invite(a, lib);
            join(b, ticket);
            join(c, ticket);
            byte[] photo = Bytes.random(1, 300_000);
            long t0 = System.nanoTime();
            JsonNode original = a.http.ingest(photo, "photo.jpg", "mime_type", "image/jpeg", "application", "camera",
                    "tags", "holiday,beach", "user", "alice").data();
            String hash = original.path("hash").asText();
            await("b and c have it", () -> has(b, hash) && has(c, hash));
            System.out.println("ingest on A to downloadable on B and C: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            for (TestNode n : List.of(b, c)) {
                assertArrayEquals(photo, n.http.getBytes("/assets/" + hash + "/content").body());
                JsonNode copy = n.http.get("/assets/" + hash).data();
                for (String field : List.of("mime_type", "application", "tags", "user", "file_name", "created_at", "size")) {
                    assertEquals(original.path(field), copy.path(field), field);
                }
            }
            // Not matching the filter: stays on A.
            String text = a.http.ingest(Bytes.random(2, 100), "notes.txt", "mime_type", "text/plain").data().path("hash").asText();
            Thread.sleep(300);
            assertEquals(404, b.http.get("/assets/" + text).status());
            // A member's ingest reaches the inviter and, through it, the other member.
            String fromC = c.http.ingest(Bytes.random(3, 5000), "c.png", "mime_type", "image/png").data().path("hash").asText();
            await("a and b have c's asset", () -> has(a, fromC) && has(b, fromC));
            JsonNode state = a.sync().get("/libraries/" + lib).data();
            assertEquals(2, state.path("assets").asLong());
            assertEquals(2, state.path("members").size());
            assertTrue(state.path("in_sync").asBoolean());
        }
    }

    @Test
    void metadataChangesReachMembersThatHaveTheAsset() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"all\"}");
            join(b, invite(a, lib));
            byte[] photo = Bytes.random(12, 3000);
            String hash = a.http.ingest(photo, "p.jpg", "mime_type", "image/jpeg").data().path("hash").asText();
            await("b has it", () -> has(b, hash));
            Thread.sleep(5); // a later change time
            a.http.ingest(photo, "p.jpg", "mime_type", "image/jpeg", "tags", "holiday", "application", "camera");
            await("b sees the new tags", () -> b.http.get("/assets/" + hash).data().path("tags").toString().equals("[\"holiday\"]"));
            assertEquals("camera", b.http.get("/assets/" + hash).data().path("application").asText());
            await("digests agree again", () -> a.sync().get("/libraries/" + lib).data().path("digest").asText()
                    .equals(b.sync().get("/libraries/" + lib).data().path("digest").asText()));
        }
    }

    @Test
    void memberCannotRelabelAnAssetOutsideTheLibrary() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"texts\", \"filter\": {\"mime_prefix\": \"text/\"}}");
            join(b, invite(a, lib));
            byte[] secret = Bytes.random(13, 2000);
            String hash = a.http.ingest(secret, "secret.pdf", "mime_type", "application/pdf", "application", "private-docs")
                    .data().path("hash").asText();
            Thread.sleep(5);
            b.http.ingest(secret, "x.txt", "mime_type", "text/plain", "application", "hijack", "tags", "pwned");
            await("a pulled b's entry", () -> a.sync().get("/libraries/" + lib).data().path("members").get(0)
                    .path("revision_received").asLong() >= 1);
            Thread.sleep(300);
            JsonNode meta = a.http.get("/assets/" + hash).data();
            assertEquals("application/pdf", meta.path("mime_type").asText());
            assertEquals("private-docs", meta.path("application").asText());
            assertEquals("[]", meta.path("tags").toString());
            assertEquals(0, a.sync().get("/libraries/" + lib).data().path("assets").asLong(), "not pulled into the library");
        }
    }

    @Test
    void deletesPropagateAsTombstones() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"all\"}");
            join(b, invite(a, lib));
            String hash = a.http.ingest(Bytes.random(4, 1000), "x.bin", "mime_type", "application/octet-stream").data()
                    .path("hash").asText();
            await("b has it", () -> has(b, hash));
            b.http.delete("/assets/" + hash);
            await("a deleted it too", () -> gone(a, hash));
            Thread.sleep(300);
            assertTrue(gone(b, hash), "the delete is not undone by the other side");
        }
    }

    /**
     * A delete that reaches a member right after the asset itself, before the member has indexed the asset into the
     * library, must still apply (bench/libsync once lost such a delete: the asset stayed live on one side); and so
     * must the next delete of the same asset re-ingested, when the member's index holds the first delete's
     * tombstone. To hold A's indexing back, A indexes a new library over a thousand other assets meanwhile: A
     * indexes store changes in order, on one thread.
     */
    @Test
    void aDeleteArrivingBeforeTheAssetIsIndexedStillApplies() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"shared\", \"filter\": {\"application\": \"shared\"}}");
            join(b, invite(a, lib));
            for (int i = 0; i < 1000; i++) {
                a.http.ingest(Bytes.random(1000 + i, 200), "o.bin", "mime_type", "application/octet-stream", "application", "other");
            }
            byte[] bytes = Bytes.random(7, 1000);
            for (int round = 0; round < 2; round++) { // round 1: A's index holds round 0's tombstone
                String name = "others-" + round;
                java.util.concurrent.CompletableFuture<String> indexing = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> createLibrary(a, "{\"name\": \"" + name + "\", \"filter\": {\"application\": \"other\"}}"));
                String hash = b.http.ingest(bytes, "x.bin", "mime_type", "application/octet-stream", "application", "shared")
                        .data().path("hash").asText();
                await("a has it, round " + round, () -> has(a, hash));
                b.http.delete("/assets/" + hash);
                await("a deleted it too, round " + round, () -> gone(a, hash));
                indexing.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void memberOfflineDuringIngestsCatchesUpWhenItReturns() throws Exception {
        Path bData = dir.resolve("b");
        try (TestNode a = TestNode.start(dir.resolve("a"))) {
            String lib = createLibrary(a, "{\"name\": \"all\"}");
            String ticket = invite(a, lib);
            try (TestNode b = TestNode.start(bData)) {
                join(b, ticket);
            }
            List<String> hashes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                hashes.add(a.http.ingest(Bytes.random(1000 + i, 2000), "f" + i, "mime_type", "text/plain").data()
                        .path("hash").asText());
            }
            try (TestNode b = TestNode.start(bData)) {
                await("b has all 200", () -> b.http.get("/list?limit=1").data().path("total").asLong() == 200);
                for (String h : hashes) {
                    assertTrue(has(b, h));
                }
                JsonNode member = b.sync().get("/libraries/" + lib).data().path("members").get(0);
                assertEquals(a.sync().get("/libraries/" + lib).data().path("revision").asLong(),
                        member.path("revision_received").asLong(), "b applied a's index up to its revision");
            }
        }
    }

    @Test
    void bothSidesIngestingAtOnceConverge() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"all\"}");
            join(b, invite(a, lib));
            Thread ta = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 50; i++) {
                    a.http.ingest(Bytes.random(2000 + i, 4000), "a" + i, "mime_type", "text/plain");
                }
            });
            Thread tb = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 50; i++) {
                    b.http.ingest(Bytes.random(3000 + i, 4000), "b" + i, "mime_type", "text/plain");
                }
            });
            ta.join();
            tb.join();
            await("both hold 100", () -> a.http.get("/list?limit=1").data().path("total").asLong() == 100
                    && b.http.get("/list?limit=1").data().path("total").asLong() == 100);
            await("equal digests: nothing left to do", () -> a.sync().get("/libraries/" + lib).data().path("digest").asText()
                    .equals(b.sync().get("/libraries/" + lib).data().path("digest").asText()));
        }
    }

    @Test
    void badTicketsAreRefusedAndNonMembersLearnNothing() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"secret\"}");
            String ticket = invite(a, lib);
            assertEquals(400, b.sync().postJson("/join", "{\"ticket\": \"not-a-ticket!\"}").status());
            assertEquals(400, b.sync().postJson("/join", "{\"ticket\": \"" + ticket.substring(0, 30) + "\"}").status());
            // Same ticket with another secret: a forgery.
            var decoded = dev.ferry.library.Ticket.decode(ticket);
            String forged = new dev.ferry.library.Ticket(decoded.libraryName(), decoded.libraryId(), decoded.filter(), decoded.inviteId(),
                    java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]), decoded.inviter(),
                    decoded.addresses(), null, null).encode();
            Http.Reply r = b.sync().postJson("/join", "{\"ticket\": \"" + forged + "\"}");
            assertEquals(403, r.status(), r.toString());
            assertTrue(r.error().contains("no such library or invite"), r.error());
            // The right secret with a filter the inviter did not issue: refused alike (the filter is in the proof).
            String widened = new dev.ferry.library.Ticket(decoded.libraryName(), decoded.libraryId(),
                    new dev.ferry.store.AssetFilter("other", null, null, null, null), decoded.inviteId(), decoded.secret(),
                    decoded.inviter(), decoded.addresses(), null, null).encode();
            Http.Reply w = b.sync().postJson("/join", "{\"ticket\": \"" + widened + "\"}");
            assertEquals(403, w.status(), w.toString());
            // Revoked: refused alike.
            String inviteId = decoded.inviteId();
            assertEquals(200, a.sync().delete("/libraries/" + lib + "/invites/" + inviteId).status());
            Http.Reply revoked = b.sync().postJson("/join", "{\"ticket\": \"" + ticket + "\"}");
            assertEquals(403, revoked.status(), revoked.toString());
            assertEquals(r.error(), revoked.error(), "a revoked invite looks exactly like a forged one");
            // Expired.
            Http.Reply shortLived = a.sync().postJson("/libraries/" + lib + "/invite", "{\"expires_in_secs\": 1}");
            Thread.sleep(1100);
            Http.Reply expired = b.sync().postJson("/join", "{\"ticket\": \"" + shortLived.data().path("ticket").asText() + "\"}");
            assertEquals(403, expired.status(), expired.toString());
            assertEquals(0, b.sync().get("/libraries").data().size());
            for (JsonNode p : b.sync().get("/peers").data()) {
                assertTrue(!p.path("known").asBoolean(), "a refused join leaves the inviter a stranger: " + p);
            }
            assertEquals(400, a.sync().postJson("/libraries", "{\"name\": \"x\", \"filter\": {\"colour\": \"red\"}}").status());
        }
    }

    @Test
    void joinToAnUnreachableInviterSaysSo() throws Exception {
        String ticket;
        try (TestNode a = TestNode.start(dir.resolve("a"))) {
            ticket = invite(a, createLibrary(a, "{\"name\": \"gone\"}"));
        }
        try (TestNode b = TestNode.start(dir.resolve("b"))) {
            Http.Reply r = b.sync().postJson("/join", "{\"ticket\": \"" + ticket + "\"}");
            assertEquals(502, r.status(), r.toString());
            assertTrue(r.error().contains("cannot reach the inviter"), r.error());
            assertEquals(0, b.sync().get("/libraries").data().size(), "nothing half-joined");
        }
    }

    @Test
    void removedMemberGetsNothingMore() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = createLibrary(a, "{\"name\": \"all\"}");
            join(b, invite(a, lib));
            String bId = b.daemon.peering().peerId().toString();
            assertEquals(200, a.sync().delete("/libraries/" + lib + "/members/" + bId).status());
            String hash = a.http.ingest(Bytes.random(9, 100), "late", "mime_type", "text/plain").data().path("hash").asText();
            Thread.sleep(500);
            assertEquals(404, b.http.get("/assets/" + hash).status());
        }
    }
}
