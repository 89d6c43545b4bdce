package dev.ferry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws Exception {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, text);
        return f;
    }

    private String failure(Path file, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, env)).getMessage();
    }

    @Test
    void defaultsWorkWithNothingGiven() {
        FerryConfig c = ConfigLoader.load(null, Map.of("HOME", "/home/u"));
        assertEquals("127.0.0.1:3210", c.storeListenAddr().toString());
        assertEquals("127.0.0.1:3213", c.listenAddr().toString());
        assertEquals("http://127.0.0.1:3210/api/v1/can/0", c.canServiceUrl());
        assertEquals(Path.of("/home/u/.local/share/ferry"), c.dataDir());
        assertEquals(Duration.ofSeconds(300), c.fullScanInterval());
        assertEquals(false, c.requireToken());
        assertNull(c.relayUrl());
    }

    @Test
    void theSeedsConfigFileIsAcceptedVerbatim() throws Exception {
        FerryConfig c = ConfigLoader.load(yaml("""
                # URL of the local CAN Service API
                can_service_url: "http://127.0.0.1:3220/api/v1/can/0"
                # Address for the CAN Sync HTTP API
                listen_addr: "127.0.0.1:3223"
                # Directory for persistent data (peer key, sync state DB)
                data_dir: "./can_sync_data_b"
                # Custom relay server URL (null = iroh's public relay)
                relay_url: null
                # Seconds between fast polls for new assets
                poll_interval_secs: 5
                # Seconds between full scans of all assets
                full_scan_interval_secs: 300
                """), Map.of());
        assertEquals("http://127.0.0.1:3220/api/v1/can/0", c.canServiceUrl());
        assertEquals(3223, c.listenAddr().port());
        assertEquals(Path.of("./can_sync_data_b"), c.dataDir());
        assertEquals(Duration.ofSeconds(5), c.pollInterval());
        assertNull(c.relayUrl());
    }

    @Test
    void unknownKeyIsRefusedByName() throws Exception {
        String msg = failure(yaml("data_dir: /tmp/x\npoll_intervall_secs: 5\n"), Map.of());
        assertTrue(msg.contains("'poll_intervall_secs'"), msg);
        String env = failure(null, Map.of("FERRY_DATADIR", "/x"));
        assertTrue(env.contains("FERRY_DATADIR"), env);
    }

    @Test
    void badValuesAreRefusedNamingTheKey() throws Exception {
        assertTrue(failure(yaml("poll_interval_secs: soon\n"), Map.of()).contains("poll_interval_secs"));
        assertTrue(failure(yaml("poll_interval_secs: 0\n"), Map.of()).contains("positive"));
        assertTrue(failure(yaml("listen_addr: localhost\n"), Map.of()).contains("listen_addr"));
        assertTrue(failure(yaml("store_listen_addr: 127.0.0.1:70000\n"), Map.of()).contains("outside 0-65535"));
        assertTrue(failure(yaml("can_service_url: ftp://x\n"), Map.of()).contains("can_service_url"));
        assertTrue(failure(yaml("require_token: maybe\n"), Map.of()).contains("require_token"));
        assertTrue(failure(yaml("max_upload_bytes: lots\n"), Map.of()).contains("max_upload_bytes"));
        assertTrue(failure(yaml("log_level: loud\n"), Map.of()).contains("log_level"));
        assertTrue(failure(yaml("data_dir: [a, b]\n"), Map.of()).contains("data_dir"));
        assertTrue(failure(yaml("- just\n- a list\n"), Map.of()).contains("mapping"));
        assertTrue(failure(yaml("data_dir: [unclosed\n"), Map.of()).contains("not valid YAML"));
        assertTrue(failure(dir.resolve("missing.yaml"), Map.of()).contains("does not exist"));
        assertTrue(failure(null, Map.of("CAN_PORT", "http")).contains("CAN_PORT"));
    }

    @Test
    void environmentOverridesTheFileAndCanPortSetsTheStorePort() throws Exception {
        Path f = yaml("data_dir: /from/file\nrequire_token: false\n");
        FerryConfig c = ConfigLoader.load(f, Map.of("FERRY_DATA_DIR", "/from/env", "FERRY_REQUIRE_TOKEN", "true",
                "CAN_PORT", "3220", "FERRY_MAX_UPLOAD_BYTES", "4GiB"));
        assertEquals(Path.of("/from/env"), c.dataDir());
        assertTrue(c.requireToken());
        assertEquals(3220, c.storeListenAddr().port());
        assertEquals(4L << 30, c.maxUploadBytes());
        // An explicit store address wins over CAN_PORT.
        FerryConfig explicit = ConfigLoader.load(null, Map.of("CAN_PORT", "3220", "FERRY_STORE_LISTEN_ADDR", "127.0.0.1:4000"));
        assertEquals(4000, explicit.storeListenAddr().port());
    }

    @Test
    void addressesParseIpv6() {
        assertEquals(new HostPort("::1", 3210), HostPort.parse("[::1]:3210"));
        assertEquals("[::1]:3210", HostPort.parse("[::1]:3210").toString());
    }
}
