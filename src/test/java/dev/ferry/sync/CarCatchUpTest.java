package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.ferry.testing.CliRunner;
import dev.ferry.testing.CliRunner.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Bytes;
import dev.ferry.testing.Http;
import dev.ferry.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bulk catch-up and file export/import share one CARv1 code path. */
class CarCatchUpTest {
    @TempDir
    Path dir;

    @Test
    void memberFarBehindCatchesUpByOneCarStream() throws Exception {
        Path bData = dir.resolve("b");
        try (TestNode a = TestNode.start(dir.resolve("a"))) {
            String lib = AssetLibrarySyncTest.createLibrary(a, "{\"name\": \"many\"}");
            String ticket = AssetLibrarySyncTest.invite(a, lib);
            try (TestNode b = TestNode.start(bData)) {
                AssetLibrarySyncTest.join(b, ticket);
            }
            int n = (int) SyncEngine.CAR_THRESHOLD + 50;
            List<String> hashes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                hashes.add(a.http.ingest(Bytes.random(50_000 + i, 700), "f" + i, "mime_type", "text/plain", "tags", "bulk")
                        .data().path("hash").asText());
            }
            a.http.delete("/assets/" + hashes.get(0));
            long beforeCatchUp = System.currentTimeMillis();
            try (TestNode b = TestNode.start(bData)) {
                AssetLibrarySyncTest.await("b has them all",
                        () -> b.http.get("/list?limit=1").data().path("total").asLong() == n - 1);
                // B never had the asset deleted before it caught up: no copy and no tombstone (404, not 410).
                assertEquals(404, b.http.get("/assets/" + hashes.get(0)).status());
                assertEquals("[\"bulk\"]", b.http.get("/assets/" + hashes.get(5)).data().path("tags").toString());
                assertTrue(b.http.get("/assets/" + hashes.get(5)).data().path("updated_at").asLong() >= beforeCatchUp,
                        "an archive's copy is dated as it arrives, not at 0");
                long aRev = a.sync().get("/libraries/" + lib).data().path("revision").asLong();
                AssetLibrarySyncTest.await("cursor at a's revision", () -> b.sync().get("/libraries/" + lib).data()
                        .path("members").get(0).path("revision_received").asLong() == aRev);
            }
        }
    }

    @Test
    void exportAndImportRoundTripByteExactly() throws Exception {
        try (TestNode a = TestNode.start(dir.resolve("a")); TestNode b = TestNode.start(dir.resolve("b"))) {
            String lib = AssetLibrarySyncTest.createLibrary(a, "{\"name\": \"photos\", \"filter\": {\"mime_prefix\": \"image/\"}}");
            List<byte[]> data = new ArrayList<>();
            List<String> hashes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                data.add(Bytes.random(60 + i, i * 70_000));
                hashes.add(a.http.ingest(data.get(i), "p" + i + ".png", "mime_type", "image/png", "user", "u" + i)
                        .data().path("hash").asText());
            }
            Path car = dir.resolve("photos.car");
            Run export = ferry("export", "--data-dir", a.dataDir.toString(), lib, "--car", car.toString());
            assertEquals(0, export.code(), export.err());
            byte[] first = Files.readAllBytes(car);
            Run again = ferry("export", "--data-dir", a.dataDir.toString(), lib, "--car", dir.resolve("again.car").toString());
            assertEquals(0, again.code());
            assertArrayEquals(first, Files.readAllBytes(dir.resolve("again.car")), "export is deterministic");

            long beforeImport = System.currentTimeMillis();
            Run imported = ferry("import", "--data-dir", b.dataDir.toString(), car.toString());
            assertEquals(0, imported.code(), imported.err());
            assertTrue(imported.out().contains("5 added"), imported.out());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(data.get(i), b.http.getBytes("/assets/" + hashes.get(i) + "/content").body());
                Http.Reply copy = b.http.get("/assets/" + hashes.get(i));
                assertEquals("u" + i, copy.data().path("user").asText());
                // The archive carries no change times: an imported copy is dated as it arrives, not at 0, which would
                // make it older than any delete.
                assertTrue(copy.data().path("updated_at").asLong() >= beforeImport, copy.toString());
            }
            // A corrupted archive is refused and stores nothing new.
            byte[] bad = first.clone();
            bad[bad.length - 10] ^= 1;
            Path badCar = dir.resolve("bad.car");
            Files.write(badCar, bad);
            try (TestNode c = TestNode.start(dir.resolve("c"))) {
                Http.Reply r = c.sync().send(c.sync().request("/import").POST(
                        java.net.http.HttpRequest.BodyPublishers.ofFile(badCar)).build());
                assertTrue(r.status() == 400 || r.status() == 422, r.toString());
                assertTrue(c.http.get("/list").data().path("total").asLong() < 5);
                assertEquals(0, TestNode.countFiles(c.dataDir.resolve("store/tmp")));
            }
        }
    }

    private static Run ferry(String... args) {
        return CliRunner.ferry(args);
    }
}
