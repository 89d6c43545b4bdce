package dev.ferry.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestSeed;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Every digest from the lanes equals the JDK's for the same bytes: message lengths around every padding edge,
 * updates cut at random places, many more streams at once than there are lanes, and streams abandoned midway
 * beside them. Seeded; the seed is printed.
 */
class Sha256LanesTest {
    private static final Sha256Lanes LANES = new Sha256Lanes("test-sha256-lanes");

    @Test
    void knownAnswers() throws Exception {
        // FIPS 180-4 examples: "abc" and the 448-bit message (two blocks once padded).
        assertArrayEquals(HexFormat.of().parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), digest("abc".getBytes()));
        assertArrayEquals(HexFormat.of().parseHex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
                digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes()));
        assertArrayEquals(HexFormat.of().parseHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), digest(new byte[0]));
    }

    @Test
    void everyLengthAroundTheBlockAndPieceEdgesMatchesTheJdk() throws Exception {
        List<Integer> lengths = new ArrayList<>();
        for (int base : new int[] {0, 64, 128, Sha256Lanes.PIECE - 64, Sha256Lanes.PIECE, 2 * Sha256Lanes.PIECE}) {
            for (int d = -9; d <= 9; d++) {
                if (base + d >= 0) {
                    lengths.add(base + d);
                }
            }
        }
        Random r = new Random(7);
        for (int len : lengths) {
            byte[] m = new byte[len];
            r.nextBytes(m);
            assertArrayEquals(Sha256Lanes.jdkDigest(m), digest(m), "length " + len);
        }
    }

    @Test
    void manyConcurrentStreamsCutAtRandomPlacesMatchTheJdk() throws Exception {
        Random master = new Random(TestSeed.seed("Sha256LanesTest"));
        int streams = 40;
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                long streamSeed = master.nextLong();
                done.add(pool.submit(() -> {
                    Random r = new Random(streamSeed);
                    byte[] m = new byte[r.nextInt(3) == 0 ? r.nextInt(200) : r.nextInt(600_000)];
                    r.nextBytes(m);
                    boolean abandon = r.nextInt(5) == 0;
                    Sha256Lanes.Lane lane = LANES.open();
                    int at = 0;
                    while (at < m.length) {
                        int n = Math.min(m.length - at, 1 + r.nextInt(r.nextBoolean() ? 100 : 150_000));
                        lane.update(m, at, n);
                        at += n;
                        if (abandon && at > m.length / 2) {
                            lane.abandon();
                            return null;
                        }
                    }
                    assertArrayEquals(Sha256Lanes.jdkDigest(m), lane.finish(), "stream seed " + streamSeed + ", " + m.length + " bytes");
                    lane.abandon(); // after finish: harmless
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        // The engine still answers after the abandoned ones.
        byte[] m = new byte[100_000];
        master.nextBytes(m);
        assertArrayEquals(Sha256Lanes.jdkDigest(m), digest(m));
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aFailingPassFailsItsStreamsAndTheEngineGoesOn() throws Exception {
        aFailingPassFailsItsStreams(new IllegalStateException("injected failure"));
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aFailureThePassDoesNotCatchAlsoFailsItsStreamsAndTheEngineGoesOn() throws Exception {
        // A checked exception thrown through the kernel escapes the pass (which catches runtime failures of the
        // kernel only) and reaches the engine loop's last resort: the streams it held must still fail, not hang.
        aFailingPassFailsItsStreams(new java.io.IOException("injected failure"));
    }

    /**
     * The kernel throws {@code injected} on its third pass only: the streams in that pass fail with an error (never
     * hang), and streams opened afterwards are hashed right.
     */
    private static void aFailingPassFailsItsStreams(Throwable injected) throws Exception {
        java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
        VectorSha256 real = new VectorSha256();
        Sha256Lanes engine = new Sha256Lanes("test-failing-lanes", (state, data, offset, blocks) -> {
            if (passes.incrementAndGet() == 3) {
                Sha256LanesTest.<RuntimeException>sneakyThrow(injected);
            }
            real.compress(state, data, offset, blocks);
        });
        byte[] m = new byte[3 * Sha256Lanes.PIECE];
        new Random(3).nextBytes(m);
        Sha256Lanes.Lane lane = engine.open();
        java.io.IOException failed = null;
        try {
            lane.update(m, 0, m.length); // 3 pieces, 4 passes of 256 blocks each
            lane.finish();
        } catch (java.io.IOException e) {
            failed = e;
        }
        assertTrue(failed != null && String.valueOf(failed.getCause()).contains("injected failure"), "failed with: " + failed);
        lane.abandon(); // after the failure: harmless
        Sha256Lanes.Lane next = engine.open();
        next.update(m, 0, m.length);
        assertArrayEquals(Sha256Lanes.jdkDigest(m), next.finish(), "a stream after the failure");
    }

    /** Throws {@code t} whatever its type, as a kernel cannot declare checked exceptions. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    @Test
    void theSharedEngineIsUsedOnlyWhereItPays() {
        // This suite runs with the module; on a CPU with SHA instructions the shared engine stays off.
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "tests run with jdk.incubator.vector");
        System.out.println("shared lanes engine: " + (Sha256Lanes.shared().isPresent() ? "on" : "off (CPU has SHA instructions)"));
    }

    private static byte[] digest(byte[] m) throws Exception {
        Sha256Lanes.Lane lane = LANES.open();
        lane.update(m, 0, m.length);
        return lane.finish();
    }
}
