package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerRequestException;
import dev.ferry.testing.TestNode;
import dev.ferry.testing.Trees;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Previews: a new large file is offered to members as soon as its hashing begins, they fetch its blocks as
 * they are hashed, and the index entry that follows finds the data already there.
 */
class PreviewTest {
    private static final int SIZE = 128 << 20;

    @TempDir
    Path dir;
    private Path ra;
    private Path rb;

    /** A folder library on {@code a} at {@code ra}, joined by {@code b} at {@code rb}, once both trees agree. */
    private String share(TestNode a, TestNode b, String name) throws Exception {
        ra = dir.resolve("ra");
        rb = dir.resolve("rb");
        Files.createDirectories(ra);
        String id = Trees.createFolder(a, name, ra);
        Trees.join(b, Trees.invite(a, id), rb);
        Trees.awaitSame(20_000, ra, rb);
        return id;
    }

    private static void writeRandom(Path p, long seed, int size) throws Exception {
        Random r = new Random(seed);
        byte[] piece = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (int done = 0; done < size; done += piece.length) {
                r.nextBytes(piece);
                out.write(piece, 0, Math.min(piece.length, size - done));
            }
        }
    }

    private static FolderEvents.Event event(TestNode n, String type, String path) {
        return n.daemon.peering().engine().folders().events().since(0).stream()
                .filter(e -> e.type().equals(type) && path.equals(e.path())).findFirst().orElse(null);
    }

    private static List<String> tempFiles(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Applier.TEMP_PREFIX)).toList();
        }
    }

    /** Bytes b's link carried while {@code name} was moved from the stage into a's root and the trees became equal. */
    private long movedOverLink(TestNode b, Path stage, String name) throws Exception {
        long before = FolderOperationsTest.linkBytes(b);
        Files.move(stage.resolve(name), ra.resolve(name));
        Trees.awaitSame(60_000, ra, rb);
        return FolderOperationsTest.linkBytes(b) - before;
    }

    @Test
    void aNewLargeFileIsFetchedWhileItIsHashedAndCrossesTheLinkOnce() throws Exception {
        Path stage = Files.createDirectories(dir.resolve("stage"));
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            share(a, b, "big");
            writeRandom(stage.resolve("big.bin"), 11, SIZE);
            long moved = movedOverLink(b, stage, "big.bin");
            System.out.println("a new " + SIZE + "-byte file moved " + moved + " bytes over the link");

            FolderEvents.Event offered = event(b, "remote.prefetching", "big.bin");
            FolderEvents.Event hashed = event(a, "local.changed", "big.bin");
            assertTrue(offered != null, "b started fetching the file from the offer");
            assertTrue(offered.at() <= hashed.at(), "b started before a had finished hashing ("
                    + offered.at() + " vs " + hashed.at() + ")");
            assertTrue(moved > SIZE && moved < SIZE * 1.1, "the data crossed the link once, not again after the index entry: "
                    + moved + " bytes");
            assertEquals(List.of(), tempFiles(rb), "no temp file is left");

            // A copy of it is offered too, and built from b's own blocks: almost nothing travels.
            Files.copy(ra.resolve("big.bin"), stage.resolve("copy.bin"));
            long copied = movedOverLink(b, stage, "copy.bin");
            System.out.println("a copy of it moved " + copied + " bytes over the link");
            assertTrue(copied < SIZE / 20, "a copy is built from local blocks: " + copied + " bytes");
            assertEquals(List.of(), tempFiles(rb), "no temp file is left");
        }
    }

    @Test
    void aFileChangedWhileItIsOfferedArrivesAsItEndsUp() throws Exception {
        Path stage = Files.createDirectories(dir.resolve("stage"));
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            share(a, b, "changing");
            writeRandom(stage.resolve("changing.bin"), 21, SIZE);
            Files.move(stage.resolve("changing.bin"), ra.resolve("changing.bin"));
            // Appended to while a hashes it (and b fetches the offered blocks): the offer's state is gone, and
            // whatever b fetched of it must not end up as b's copy.
            byte[] tail = new byte[4 << 20];
            new Random(22).nextBytes(tail);
            for (int i = 0; i < 3; i++) {
                Files.write(ra.resolve("changing.bin"), tail, java.nio.file.StandardOpenOption.APPEND);
                Thread.sleep(30);
            }
            Trees.awaitSame(60_000, ra, rb);
            assertTrue(event(b, "remote.prefetching", "changing.bin") != null, "b took the offer");
            assertEquals(Trees.sha256(ra.resolve("changing.bin")), Trees.sha256(rb.resolve("changing.bin")));
            Trees.await("no prefetch temp file is left", 10_000, () -> {
                try {
                    return tempFiles(rb).stream().noneMatch(n -> n.endsWith(Prefetcher.SUFFIX));
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    @Test
    void offersOfBadPathsAreIgnoredAndPreviewsAreServedOnlyForWhatWasOffered() throws Exception {
        try (TestNode a = Trees.node(dir.resolve("a")); TestNode b = Trees.node(dir.resolve("b"))) {
            String id = share(a, b, "hostile");
            Files.writeString(ra.resolve("small.txt"), "not offered");
            Trees.awaitSame(20_000, ra, rb);
            PeerLink toB = a.daemon.peering().peers().link(b.daemon.peering().peerId()).orElseThrow();
            List<String> around;
            try (Stream<Path> s = Files.list(dir)) {
                around = s.map(Path::toString).sorted().toList();
            }
            List<String> bad = List.of("../escape.bin", "/tmp/abs.bin", "a\\b.bin", "sub/../../x.bin", ".ferry/folder-id",
                    "small.txt");
            for (String path : bad) {
                toB.request("folder.preview", FolderMessages.encode(new FolderMessages.PreviewOffer(id, path, SIZE, 1)))
                        .get(10, TimeUnit.SECONDS);
            }
            // An offer b takes (a new path) for which a holds no preview: b asks, is refused, and keeps nothing.
            toB.request("folder.preview", FolderMessages.encode(new FolderMessages.PreviewOffer(id, "phantom.bin", SIZE, 1)))
                    .get(10, TimeUnit.SECONDS);
            Trees.await("b took the offer of a new path", 10_000, () -> event(b, "remote.prefetching", "phantom.bin") != null);
            Trees.await("b gave up on the phantom and deleted its file", 10_000, () -> {
                try {
                    return tempFiles(rb).isEmpty()
                            && b.daemon.peering().engine().folders().view(id).orElseThrow().transfers().isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            for (String path : bad) {
                assertTrue(event(b, "remote.prefetching", path) == null, "the offer of " + path + " was not taken");
            }
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(around, s.map(Path::toString).sorted().toList(), "nothing appeared beside the roots");
            }
            assertFalse(Files.exists(Path.of("/tmp/abs.bin")));
            assertEquals(java.util.Set.of("small.txt"), Trees.snapshot(rb).keySet());

            // a serves preview blocks and bytes only of a file it offered, never of any other file.
            PeerLink toA = b.daemon.peering().peers().link(a.daemon.peering().peerId()).orElseThrow();
            assertRefused(toA, "folder.preview.blocks", new FolderMessages.PreviewBlocksRequest(id, "small.txt", 0));
            assertRefused(toA, "folder.preview.range", new FolderMessages.PreviewRangeRequest(id, "small.txt", 0, 4));
            assertRefused(toA, "folder.preview.range", new FolderMessages.PreviewRangeRequest(id, "../etc/passwd", 0, 4));
            assertRefused(toA, "folder.preview.blocks", new FolderMessages.PreviewBlocksRequest("not-a-library", "small.txt", 0));
        }
    }

    private static void assertRefused(PeerLink link, String method, Object body) throws Exception {
        try {
            link.request(method, FolderMessages.encode(body)).get(10, TimeUnit.SECONDS);
            throw new AssertionError(method + " " + body + " was answered");
        } catch (ExecutionException e) {
            assertTrue(e.getCause() instanceof PeerRequestException, method + ": " + e.getCause());
        }
    }
}
