package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.Bytes;
import dev.ferry.testing.ChildNode;
import dev.ferry.testing.Http;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * can-sync.txt's "Two-Machine Setup" run as written, with {@code ferry store} and {@code ferry sync} in place of
 * {@code cargo run}: four processes, the agents talking to their stores only over HTTP. Free ports stand in for
 * 3210/3213/3220/3223 so that the test never collides with a node running on this machine; the structure
 * (CAN_PORT for the second store, machine B's config file, the curl lines' requests) is the seed's.
 */
class TwoMachineSetupTest {
    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void seedsTwoMachineSetupWorksWithStoreAndSyncAgentsApart() throws Exception {
        int storeA = freePort();
        int syncA = freePort();
        int storeB = freePort();
        int syncB = freePort();
        Map<String, String> quiet = Map.of("FERRY_MDNS", "false", "FERRY_PEER_LISTEN_ADDR", "127.0.0.1:0");
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createDirectories(b);
        // machine-b-config.yaml, as in the seed (ports replaced).
        Path bConfig = dir.resolve("machine-b-config.yaml");
        Files.writeString(bConfig, "can_service_url: \"http://127.0.0.1:" + storeB + "/api/v1/can/0\"\n"
                + "listen_addr: \"127.0.0.1:" + syncB + "\"\n"
                + "data_dir: \"" + b + "\"\n");
        Map<String, String> envA = new java.util.HashMap<>(quiet);
        envA.put("CAN_PORT", Integer.toString(storeA));
        envA.put("FERRY_CAN_SERVICE_URL", "http://127.0.0.1:" + storeA + "/api/v1/can/0");
        envA.put("FERRY_LISTEN_ADDR", "127.0.0.1:" + syncA);
        try (ChildNode aStore = ChildNode.launch(a, envA, List.of(), List.of("store"), true, false);
                ChildNode aSync = ChildNode.launch(a, envA, List.of(), List.of("sync"), false, true);
                ChildNode bStore = ChildNode.launch(b, mapOf(quiet, "CAN_PORT", Integer.toString(storeB)), List.of(),
                        List.of("store"), true, false);
                ChildNode bSync = ChildNode.launch(b, quiet, List.of(), List.of("sync", bConfig.toString()), false, true)) {
            Http syncApiA = new Http("http://127.0.0.1:" + syncA);
            Http syncApiB = new Http("http://127.0.0.1:" + syncB);
            Http storeApiA = new Http("http://127.0.0.1:" + storeA + "/api/v1/can/0");
            Http storeApiB = new Http("http://127.0.0.1:" + storeB + "/api/v1/can/0");

            Http.Reply created = syncApiA.postJson("/libraries", "{\"name\": \"shared-images\", \"filter\": {\"mime_prefix\": \"image/\"}}");
            assertEquals(201, created.status(), created + "\n" + aSync.output());
            String id = created.data().path("id").asText();
            Http.Reply invite = syncApiA.postJson("/libraries/" + id + "/invite", "");
            String ticket = invite.data().path("ticket").asText();
            Http.Reply joined = syncApiB.postJson("/join", "{\"ticket\": \"" + ticket + "\"}");
            assertEquals(201, joined.status(), joined + "\n" + bSync.output());

            byte[] photo = Bytes.random(77, 250_000);
            JsonNode ingested = storeApiA.ingest(photo, "photo.jpg", "mime_type", "image/jpeg").data();
            String hash = ingested.path("hash").asText();
            long deadline = System.currentTimeMillis() + 20_000;
            JsonNode list;
            do {
                list = storeApiB.get("/list?limit=5").data();
                Thread.sleep(20);
            } while (list.path("total").asLong() == 0 && System.currentTimeMillis() < deadline);
            assertEquals(1, list.path("total").asLong(), "B's store holds the photo\n" + bSync.output());
            JsonNode copy = list.path("assets").get(0);
            assertEquals(hash, copy.path("hash").asText());
            for (String f : List.of("mime_type", "file_name", "created_at", "size")) {
                assertEquals(ingested.path(f), copy.path(f), f);
            }
            assertArrayEquals(photo, storeApiB.getBytes("/assets/" + hash + "/content").body());

            // The store going away in split mode: the agent waits and resumes, nothing lost.
            bStore.kill();
            byte[] second = Bytes.random(78, 10_000);
            String hash2 = storeApiA.ingest(second, "second.png", "mime_type", "image/png").data().path("hash").asText();
            Thread.sleep(1000);
            try (ChildNode bStoreAgain = ChildNode.launch(b, mapOf(quiet, "CAN_PORT", Integer.toString(storeB)), List.of(),
                    List.of("store"), true, false)) {
                deadline = System.currentTimeMillis() + 30_000;
                while (storeApiB.get("/assets/" + hash2).status() != 200 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(200, storeApiB.get("/assets/" + hash2).status(), "synced after the store came back\n" + bSync.output());
                assertTrue(bSync.output().contains("unreachable"), "the agent said it was waiting");
            }
        }
    }

    private static Map<String, String> mapOf(Map<String, String> base, String k, String v) {
        Map<String, String> m = new java.util.HashMap<>(base);
        m.put(k, v);
        return m;
    }
}
