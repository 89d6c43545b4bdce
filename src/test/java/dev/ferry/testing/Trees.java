package dev.ferry.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.config.HostPort;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/** Folder libraries in tests: creating, inviting, joining over the sync API, and comparing trees on disk. */
public final class Trees {
    private Trees() {}

    /** A daemon config on loopback for folder tests (no mDNS), with a short full-scan interval if asked. */
    public static TestNode node(Path dataDir) throws IOException {
        return TestNode.start(TestNode.baseConfig(dataDir));
    }

    /** A daemon whose peer port stays the same across restarts, so members that restart find each other again. */
    public static TestNode node(Path dataDir, int peerPort) throws IOException {
        return TestNode.start(TestNode.baseConfig(dataDir).withPeering(unused(), new HostPort("127.0.0.1", peerPort), false,
                java.util.List.of(), dataDir.getFileName().toString()));
    }

    public static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static String createFolder(TestNode n, String name, Path root) {
        Http.Reply r = n.sync().postJson("/libraries",
                "{\"name\": \"" + name + "\", \"kind\": \"folder\", \"path\": \"" + root.toAbsolutePath() + "\"}");
        assertEquals(201, r.status(), r.toString());
        return r.data().path("id").asText();
    }

    public static String invite(TestNode n, String id) {
        Http.Reply r = n.sync().postJson("/libraries/" + id + "/invite", "");
        assertEquals(200, r.status(), r.toString());
        return r.data().path("ticket").asText();
    }

    public static void join(TestNode n, String ticket, Path root) {
        Http.Reply r = n.sync().postJson("/join", "{\"ticket\": \"" + ticket + "\", \"path\": \"" + root.toAbsolutePath() + "\"}");
        assertEquals(201, r.status(), r.toString());
    }

    /** Every synced entry under root (not .ferry, not temp files): path to "dir", "link:TARGET" or "file:SHA256[:x]". */
    public static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String rel = rel(root, dir);
                if (rel.equals(".ferry")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!rel.isEmpty()) {
                    out.put(rel, "dir");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = rel(root, file);
                if (file.getFileName().toString().startsWith(".ferry-tmp-")) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    if (attrs.isSymbolicLink()) {
                        out.put(rel, "link:" + Files.readSymbolicLink(file));
                    } else {
                        out.put(rel, "file:" + sha256(file) + (Files.isExecutable(file) ? ":x" : ""));
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // listed, then gone before it was read (Ferry is still applying changes): as visitFileFailed
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE; // vanished while walking: the next snapshot sees the truth
            }
        });
        return out;
    }

    static String rel(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    public static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Waits until all trees are identical; fails with the differences. */
    public static void awaitSame(long timeoutMs, Path... roots) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Map<String, String> first = null;
        while (true) {
            first = snapshot(roots[0]);
            boolean same = true;
            for (int i = 1; i < roots.length && same; i++) {
                same = first.equals(snapshot(roots[i]));
            }
            if (same) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                StringBuilder b = new StringBuilder("trees differ after " + timeoutMs + " ms:\n");
                for (Path r : roots) {
                    b.append(r).append(": ").append(snapshot(r)).append('\n');
                }
                throw new AssertionError(b.toString());
            }
            Thread.sleep(25);
        }
    }

    static HostPort unused() {
        return new HostPort("127.0.0.1", 0);
    }
}
