package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestNode;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTest {
    @TempDir
    Path dir;

    /** Raw request, so the Host and Origin headers are exactly what a browser or an attacker would send. */
    private static String raw(TestNode node, String path, String... headers) throws Exception {
        URI u = URI.create(node.url());
        StringBuilder req = new StringBuilder("GET " + u.getPath() + path + " HTTP/1.1\r\nConnection: close\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    @Test
    void loopbackClientsNeedNoTokenWhenHostAndOriginAreLocal() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            int port = URI.create(node.url()).getPort();
            assertEquals(200, status(raw(node, "/list", "Host: 127.0.0.1:" + port)));
            assertEquals(200, status(raw(node, "/list", "Host: localhost:" + port)));
            assertEquals(200, status(raw(node, "/list", "Host: [::1]:" + port)));
            assertEquals(200, status(raw(node, "/list", "Host: localhost:" + port, "Origin: http://localhost:" + port)));
        }
    }

    @Test
    void dnsRebindingAndCrossSiteRequestsNeedTheToken() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            int port = URI.create(node.url()).getPort();
            String rebinding = raw(node, "/list", "Host: attacker.example:" + port);
            assertEquals(401, status(rebinding));
            assertTrue(rebinding.contains("\"status\":\"error\""), rebinding);
            assertEquals(401, status(raw(node, "/list", "Host: 127.0.0.1:" + port, "Origin: https://attacker.example")));
            assertEquals(401, status(raw(node, "/list", "Host: 127.0.0.1:" + port, "Origin: http://127.0.0.1:1")));
            assertEquals(401, status(raw(node, "/list", "Host: 127.0.0.1:" + port, "Origin: null")));

            String token = Files.readString(dir.resolve("api-token")).trim();
            assertEquals(200, status(raw(node, "/list", "Host: attacker.example", "Authorization: Bearer " + token)));
            assertEquals(200, status(raw(node, "/list?token=" + token, "Host: attacker.example")));
            assertEquals(401, status(raw(node, "/list", "Host: attacker.example", "Authorization: Bearer wrong")));
        }
    }

    @Test
    void requireTokenAppliesToLoopbackToo() throws Exception {
        try (TestNode node = TestNode.start(TestNode.baseConfig(dir).withRequireToken(true))) {
            assertEquals(401, node.http.get("/list").status());
            String token = Files.readString(dir.resolve("api-token")).trim();
            assertEquals(200, node.http.get("/list", "Authorization", "Bearer " + token).status());
            assertEquals(200, node.http.get("/list?token=" + token).status());
        }
    }

    @Test
    void tokenFileIsOwnerOnlyAndStableAcrossRestarts() throws Exception {
        String first;
        try (TestNode node = TestNode.start(dir)) {
            Path f = dir.resolve("api-token");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            first = Files.readString(f).trim();
            assertEquals(64, first.length());
        }
        try (TestNode node = TestNode.start(dir)) {
            assertEquals(first, Files.readString(dir.resolve("api-token")).trim());
        }
    }
}
