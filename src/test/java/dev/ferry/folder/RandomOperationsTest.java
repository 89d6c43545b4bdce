package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random operations (create, modify, append, truncate, rename, delete, mkdir, rmdir) on three members'
 * trees while they sync, with members stopped (and edited while stopped) and restarted along the way. At the end
 * all trees are identical and no write is lost: every content a person wrote, and did not overwrite or delete
 * on that same machine, is present under a name, as a conflict copy, or in a version store. Replay a failure
 * with {@code -Dferry.seed=N}.
 */
class RandomOperationsTest {
    private static final int OPERATIONS = 500;

    @TempDir
    Path dir;

    private final Map<String, String> expected = new HashMap<>(); // content hash -> what wrote it
    private int counter;

    @Test
    void fiveHundredRandomOperationsOnThreeMembersConvergeWithZeroLostWrites() throws Exception {
        long seed = Long.getLong("ferry.seed", System.nanoTime());
        System.out.println("RandomOperationsTest seed: " + seed + " (replay with -Dferry.seed=" + seed + ")");
        Random rnd = new Random(seed);
        int n = 3;
        Path[] roots = new Path[n];
        Path[] data = new Path[n];
        int[] ports = new int[n];
        TestNode[] nodes = new TestNode[n];
        for (int i = 0; i < n; i++) {
            roots[i] = dir.resolve("tree-" + i);
            data[i] = dir.resolve("node-" + i);
            Files.createDirectories(roots[i]);
            ports[i] = Trees.freePort(); // fixed per member, so a restarted member is found where it was
        }
        try {
            for (int i = 0; i < n; i++) {
                nodes[i] = start(data[i], ports[i]);
            }
            String id = Trees.createFolder(nodes[0], "random", roots[0]);
            String ticket = Trees.invite(nodes[0], id);
            for (int i = 1; i < n; i++) {
                Trees.join(nodes[i], ticket, roots[i]);
            }
            for (int op = 0; op < OPERATIONS; op++) {
                if (op > 0 && op % 50 == 0) {
                    int victim = rnd.nextInt(n);
                    if (nodes[victim] != null) {
                        long running = Stream.of(nodes).filter(x -> x != null).count();
                        if (running > 1) {
                            nodes[victim].close();
                            nodes[victim] = null;
                            System.out.println("op " + op + ": stopped member " + victim);
                        }
                    } else {
                        nodes[victim] = start(data[victim], ports[victim]);
                        System.out.println("op " + op + ": restarted member " + victim);
                    }
                }
                int who = rnd.nextInt(n);
                try {
                    operate(roots[who], who, rnd);
                } catch (IOException e) {
                    // the file changed under us (sync is running): that operation simply did not happen
                }
                if (rnd.nextInt(4) == 0) {
                    Thread.sleep(rnd.nextInt(15));
                }
            }
            for (int i = 0; i < n; i++) {
                if (nodes[i] == null) {
                    nodes[i] = start(data[i], ports[i]);
                }
            }
            try {
                Trees.awaitSame(120_000, roots);
            } catch (AssertionError e) {
                // Everything a replay needs goes into the failure itself, so it reaches CI's log and report.
                StringBuilder why = new StringBuilder("seed " + seed + " (replay with -Dferry.seed=" + seed + "): ").append(e.getMessage()).append("\n");
                for (int i = 0; i < n; i++) {
                    var v = nodes[i].sync().get("/libraries/" + id).data();
                    why.append("member " + i + ": need_files=" + v.path("need_files") + " error=" + v.path("error")
                            + " needed=" + v.path("needed").toString().substring(0, Math.min(2000, v.path("needed").toString().length()))).append("\n");
                    why.append("member " + i + " peers: " + nodes[i].sync().get("/peers").data()).append("\n");
                }
                Set<String> paths = new HashSet<>();
                for (Path r : roots) {
                    paths.addAll(Trees.snapshot(r).keySet());
                }
                for (String p : paths) {
                    List<String> seen = new ArrayList<>();
                    for (Path r : roots) {
                        seen.add(Trees.snapshot(r).get(p));
                    }
                    if (seen.stream().distinct().count() > 1) {
                        for (int i = 0; i < n; i++) {
                            why.append("member " + i + " is " + nodes[i].daemon.peering().peerId()).append("\n");
                            FolderIndex idx = nodes[i].daemon.peering().engine().folders().folder(id).index();
                            why.append("differs " + p + " member " + i + ": disk=" + seen.get(i) + " index="
                                    + idx.get(p).orElse(null) + " need=" + idx.needFor(p).orElse(null)).append("\n");
                            for (FolderEvents.Event ev : nodes[i].daemon.peering().engine().folders().events().since(0)) {
                                if (p.equals(ev.path()) || String.valueOf(ev.data()).contains(p)) {
                                    why.append("   event " + ev.id() + " " + ev.type() + " " + ev.data()).append("\n");
                                }
                            }
                        }
                    }
                }
                throw new AssertionError(why.toString(), e);
            }
            Set<String> present = new HashSet<>();
            for (Path r : roots) {
                collect(r, present);
            }
            List<String> lost = new ArrayList<>();
            expected.forEach((hash, what) -> {
                if (!present.contains(hash)) {
                    lost.add(what);
                }
            });
            System.out.println("converged: " + Trees.snapshot(roots[0]).size() + " entries, " + expected.size()
                    + " surviving writes checked");
            assertTrue(lost.isEmpty(), "lost writes (seed " + seed + "): " + lost);
        } finally {
            for (TestNode t : nodes) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    private static TestNode start(Path data, int peerPort) throws IOException {
        return Trees.node(data, peerPort);
    }

    private void operate(Path root, int who, Random rnd) throws IOException {
        List<Path> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>(List.of(root));
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root) && !root.relativize(p).toString().startsWith(".ferry")
                    && !p.getFileName().toString().startsWith(".ferry-tmp-")).forEach(p -> {
                        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            dirs.add(p);
                        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().equals(".ferryignore")) {
                            files.add(p);
                        }
                    });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        int kind = rnd.nextInt(100);
        if (files.isEmpty() || kind < 25) {
            Path d = dirs.get(rnd.nextInt(dirs.size()));
            write(d.resolve("f" + (++counter) + ".txt"), who, rnd, false);
        } else if (kind < 45) {
            Path f = files.get(rnd.nextInt(files.size()));
            supersede(f);
            write(f, who, rnd, false);
        } else if (kind < 55) {
            Path f = files.get(rnd.nextInt(files.size()));
            supersede(f);
            write(f, who, rnd, true);
        } else if (kind < 60) {
            Path f = files.get(rnd.nextInt(files.size()));
            supersede(f);
            long size = Files.size(f);
            try (var ch = java.nio.channels.FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(size == 0 ? 0 : rnd.nextLong(size));
            }
        } else if (kind < 75) {
            Path f = files.get(rnd.nextInt(files.size()));
            Path d = dirs.get(rnd.nextInt(dirs.size()));
            Files.move(f, d.resolve("f" + (++counter) + ".txt"));
        } else if (kind < 85) {
            Path f = files.get(rnd.nextInt(files.size()));
            supersede(f);
            Files.delete(f);
        } else if (kind < 95) {
            Path d = dirs.get(rnd.nextInt(dirs.size()));
            if (root.relativize(d).getNameCount() < 3) {
                Files.createDirectory(d.resolve("d" + (++counter)));
            }
        } else {
            Path d = dirs.get(rnd.nextInt(dirs.size()));
            if (!d.equals(root)) {
                try (Stream<Path> s = Files.list(d)) {
                    if (s.findAny().isEmpty()) {
                        Files.delete(d);
                    }
                }
            }
        }
    }

    /** A person's own overwrite or delete: what the file held before is not expected to survive. */
    private void supersede(Path f) throws IOException {
        expected.remove(hash(Files.readAllBytes(f)));
    }

    private void write(Path f, int who, Random rnd, boolean append) throws IOException {
        int size = rnd.nextInt(10) == 0 ? rnd.nextInt(600_000) : rnd.nextInt(4_000);
        byte[] body = new byte[size];
        rnd.nextBytes(body);
        byte[] token = ("write " + (++counter) + " by member " + who + "\n").getBytes(StandardCharsets.UTF_8);
        if (append) {
            Files.write(f, token, StandardOpenOption.APPEND);
        } else {
            byte[] all = new byte[token.length + size];
            System.arraycopy(token, 0, all, 0, token.length);
            System.arraycopy(body, 0, all, token.length, size);
            Files.write(f, all);
        }
        expected.put(hash(Files.readAllBytes(f)), "write " + counter + " by member " + who + " to " + f.getFileName());
    }

    private static void collect(Path root, Set<String> out) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(hash(Files.readAllBytes(p))); // includes .ferry/versions and conflict copies
                }
            }
        }
    }

    private static String hash(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
