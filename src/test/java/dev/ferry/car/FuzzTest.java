package dev.ferry.car;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the reader, run with the normal suite: mutations of valid archives, of index blocks behind
 * a root re-computed to match (so the bytes reach the DAG-CBOR parser), and of headers. Every input must read
 * completely or fail with {@link CarFormatException}; any other exception, a batch that takes too long, or an
 * input that makes the reader allocate more than {@link #ALLOCATION_LIMIT}, fails with the seed. What reads
 * completely must also write again and read back to the same index and bytes. The seed is printed; rerun one
 * with {@code -Dferry.fuzz.seed=N}, fuzz longer with {@code -Dferry.fuzz.scale=K}.
 */
class FuzzTest {
    private static final long SEED = Long.getLong("ferry.fuzz.seed", System.nanoTime());
    private static final int SCALE = Integer.getInteger("ferry.fuzz.scale", 1);
    private static final int BATCH = 2_000;
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(20);
    /** Per input, far below the limits a hostile length could claim (1 MiB header, 64 MiB index, 1 MiB blocks). */
    private static final long ALLOCATION_LIMIT = 2 << 20;
    private static final long MAX_BLOCK = 1 << 20;

    /** Bytes CBOR, varints and CIDs give meaning to. */
    private static final byte[] INTERESTING = HexFormat.of().parseHex(
            "00011718191a1b1f20243a3b404158595a5b5f606178797a7b7f808182989a9b9fa0a1a2a4aabbbfc0c1c2d82af4f5f6f7fbff"
                    + "125571702a3a");

    private record Sample(Archives.Library library, byte[] archive, byte[] indexBlock, byte[][] blocks) {}

    private static final List<Sample> CORPUS = corpus();

    private static List<Sample> corpus() {
        Random r = new Random(SEED);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Archives.Library library = Archives.library(r, r.nextInt(5), i % 3 == 0 ? 2048 : 64);
            byte[][] blocks = library.index().live().stream().map(e -> library.bytes().get(e.hash()))
                    .toArray(byte[][]::new);
            out.add(new Sample(library, library.write(), Archives.encodeIndex(library.index()), blocks));
        }
        return out;
    }

    private static String describe(long seed, byte[] input) {
        String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 256));
        return "seed " + seed + " (-Dferry.fuzz.seed=" + SEED + "), input of " + input.length + " bytes: " + hex;
    }

    /** Reads {@code input} completely; returns true if it was accepted. */
    private static boolean survive(long seed, byte[] input, long[] maxAllocated) {
        boolean[] accepted = {false};
        Archives.Library[] read = {null};
        Runnable reading = () -> {
            try {
                read[0] = Archives.read(new ByteArrayInputStream(input), MAX_BLOCK);
                accepted[0] = true;
            } catch (CarFormatException expected) {
                // the only way to refuse
            } catch (Throwable t) {
                fail("reading threw " + t + "; " + describe(seed, input), t);
            }
        };
        long allocated = Allocation.once(reading);
        if (allocated >= ALLOCATION_LIMIT) {   // the first run of a code path loads classes and links call sites
            allocated = Allocation.once(reading);
        }
        maxAllocated[0] = Math.max(maxAllocated[0], allocated);
        assertTrue(allocated < ALLOCATION_LIMIT, "allocated " + allocated + " bytes; " + describe(seed, input));
        if (accepted[0]) {
            try {
                Archives.Library again = Archives.read(read[0].write());
                assertEquals(read[0].index(), again.index(), describe(seed, input));
                assertEquals(read[0].bytes().keySet(), again.bytes().keySet(), describe(seed, input));
            } catch (Exception e) {
                fail("an accepted archive does not write and read again: " + e + "; " + describe(seed, input), e);
            }
        }
        return accepted[0];
    }

    private static long run(String name, int count, Function<Random, byte[]> generator) {
        System.out.println("FuzzTest." + name + " seed " + SEED + " (rerun with -Dferry.fuzz.seed=" + SEED + ")");
        Random random = new Random(SEED ^ name.hashCode());
        long start = System.nanoTime();
        long[] accepted = {0};
        long[] maxAllocated = {0};
        int total = count * SCALE;
        for (int done = 0; done < total; done += BATCH) {
            int n = Math.min(BATCH, total - done);
            assertTimeoutPreemptively(BATCH_LIMIT, () -> {
                for (int i = 0; i < n; i++) {
                    long seed = random.nextLong();
                    if (survive(seed, generator.apply(new Random(seed)), maxAllocated)) {
                        accepted[0]++;
                    }
                }
            }, () -> "a batch of " + n + " inputs took over " + BATCH_LIMIT + " (-Dferry.fuzz.seed=" + SEED + ")");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("FuzzTest.%s: %d inputs in %.2f s (%.0f inputs/s), %d accepted, at most %d bytes allocated"
                + " for one%n", name, total, seconds, total / seconds, accepted[0], maxAllocated[0]);
        return accepted[0];
    }

    @Test
    void mutatedArchivesNeverBreakTheReader() {
        run("mutatedArchives", 60_000, r -> {
            byte[] b = CORPUS.get(r.nextInt(CORPUS.size())).archive();
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                b = mutate(r, b);
            }
            return b;
        });
    }

    @Test
    void mutatedIndexBlocksBehindMatchingRootsNeverBreakTheReader() {
        long accepted = run("mutatedIndexBlocks", 80_000, r -> {
            Sample s = CORPUS.get(r.nextInt(CORPUS.size()));
            byte[] index = s.indexBlock();
            for (int i = 1 + r.nextInt(2); i > 0; i--) {
                index = mutate(r, index);
            }
            return Archives.withIndexBlock(index, s.blocks());
        });
        assertTrue(accepted > 100, "mutations should leave some index blocks valid; accepted " + accepted);
    }

    @Test
    void mutatedHeadersNeverBreakTheReader() {
        run("mutatedHeaders", 40_000, r -> {
            Sample s = CORPUS.get(r.nextInt(CORPUS.size()));
            int headerLength = s.archive()[0];   // 58: a one-byte varint
            byte[] header = Arrays.copyOfRange(s.archive(), 1, 1 + headerLength);
            for (int i = 1 + r.nextInt(2); i > 0; i--) {
                header = mutate(r, header);
            }
            return Archives.concat(Archives.header(header),
                    Arrays.copyOfRange(s.archive(), 1 + headerLength, s.archive().length));
        });
    }

    private static byte[] mutate(Random r, byte[] in) {
        byte[] b = in.clone();
        int at = b.length == 0 ? 0 : r.nextInt(b.length);
        switch (r.nextInt(8)) {
            case 0 -> {
                if (b.length > 0) {
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                if (b.length > 0) {
                    b[at] = INTERESTING[r.nextInt(INTERESTING.length)];
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length + 1));
            case 3 -> {   // a piece of another sample spliced in
                byte[] other = CORPUS.get(r.nextInt(CORPUS.size())).archive();
                int from = r.nextInt(other.length);
                int len = Math.min(other.length - from, 1 + r.nextInt(64));
                b = splice(b, at, 0, Arrays.copyOfRange(other, from, from + len));
            }
            case 4 -> {   // a varint claiming a large or boundary length
                long[] lengths = {0, 1, 35, 36, 37, 58, Car.MAX_HEADER_SIZE, Car.MAX_HEADER_SIZE + 1L,
                    Car.MAX_INDEX_SIZE, MAX_BLOCK + 36, MAX_BLOCK + 37, Integer.MAX_VALUE, Long.MAX_VALUE,
                    r.nextLong() >>> 1};
                byte[] v = Archives.varint(lengths[r.nextInt(lengths.length)]);
                b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(2)), v);
            }
            case 5 -> {
                byte[] inserted = new byte[1 + r.nextInt(8)];
                r.nextBytes(inserted);
                b = splice(b, at, 0, inserted);
            }
            case 6 -> b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(8)), new byte[0]);
            default -> {   // a repeated run of bytes
                int len = Math.min(b.length - at, 1 + r.nextInt(40));
                b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
            }
        }
        return b;
    }

    /** {@code b} with {@code remove} bytes at {@code at} replaced by {@code insert}. */
    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    @Test
    void hugeLengthsAreRefusedWithATinyHeapFootprint() {
        Sample s = CORPUS.get(0);
        byte[][] inputs = {
            Archives.varint(Car.MAX_HEADER_SIZE),                                            // a 1 MiB header that never comes
            Archives.concat(Arrays.copyOf(s.archive(), 59), Archives.varint(Car.MAX_INDEX_SIZE),
                    Cid.dagCbor(Archives.digest(s.indexBlock())).bytes()),                  // a 64 MiB index that never comes
            Archives.concat(Arrays.copyOf(s.archive(), 59), Archives.varint(Long.MAX_VALUE)),
        };
        for (byte[] input : inputs) {
            long allocated = Allocation.measure(() -> {
                try {
                    Archives.read(new ByteArrayInputStream(input), MAX_BLOCK);
                    fail("accepted " + HexFormat.of().formatHex(input));
                } catch (CarFormatException expected) {
                    // refused
                } catch (Exception e) {
                    fail(e);
                }
            });
            System.out.println("FuzzTest.hugeLengths: refused " + HexFormat.of().formatHex(input, 0, Math.min(input.length, 70))
                    + "... after allocating " + allocated + " bytes");
            assertTrue(allocated < 256 * 1024, "allocated " + allocated + " bytes");
        }
    }
}
