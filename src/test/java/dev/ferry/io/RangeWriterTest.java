package dev.ferry.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers on disjoint ranges of one file, at unaligned offsets, fed in pieces of every size, concurrently, leave
 * exactly the intended bytes, whether a range went past the page cache or not.
 */
class RangeWriterTest {
    @TempDir
    Path dir;

    @Test
    void disjointRangesWrittenConcurrentlyInRandomPiecesGiveExactlyTheBytes() throws Exception {
        long seed = TestSeed.seed("RangeWriterTest");
        Random random = new Random(seed);
        for (int round = 0; round < 4; round++) {
            byte[] data = new byte[(6 << 20) + random.nextInt(3 << 20)];
            random.nextBytes(data);
            // Cut the file into ranges: tiny ones, ones shorter than a block, and ones of several megabytes.
            List<long[]> ranges = new ArrayList<>();
            int at = 0;
            while (at < data.length) {
                int len = switch (random.nextInt(4)) {
                    case 0 -> 1 + random.nextInt(100);
                    case 1 -> 1 + random.nextInt(RangeWriter.ALIGN * 2);
                    default -> 1 + random.nextInt(3 << 20);
                };
                len = Math.min(len, data.length - at);
                ranges.add(new long[] {at, len});
                at += len;
            }
            Collections.shuffle(ranges, random);
            Path file = dir.resolve("f" + round);
            int directRanges = 0;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                ExecutorService pool = Executors.newFixedThreadPool(4);
                List<Future<Boolean>> done = new ArrayList<>();
                for (long[] r : ranges) {
                    long pieceSeed = random.nextLong();
                    done.add(pool.submit(() -> writeInPieces(file, ch, data, (int) r[0], (int) r[1], new Random(pieceSeed))));
                }
                for (Future<Boolean> f : done) {
                    directRanges += f.get() ? 1 : 0;
                }
                pool.shutdown();
                ch.force(true);
            }
            assertArrayEquals(data, Files.readAllBytes(file), "round " + round + ", seed " + seed);
            assertTrue(ranges.stream().noneMatch(r -> r[1] >= RangeWriter.MIN_DIRECT) || directRanges > 0
                    || !directIoWorksIn(dir), "long ranges went past the page cache (" + directRanges + " did)");
        }
    }

    private static boolean writeInPieces(Path file, FileChannel ch, byte[] data, int start, int len, Random random)
            throws IOException {
        try (RangeWriter w = RangeWriter.open(file, ch, start, len)) {
            int off = start;
            while (off < start + len) {
                int n = Math.min(start + len - off, 1 + random.nextInt(random.nextBoolean() ? 5000 : 2 << 20));
                if (random.nextBoolean()) {
                    w.write(data, off, n);
                } else {
                    w.write(ByteBuffer.wrap(data, off, n));
                }
                off += n;
                assertEquals(off, w.position());
            }
            return w.isDirect();
        }
    }

    @Test
    void aFailedWriteMakesEveryCloseFail() throws Exception {
        Path file = dir.resolve("f");
        byte[] data = new byte[1 << 20];
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        RangeWriter w = RangeWriter.open(file, ch, 100, data.length);
        w.write(data, 0, RangeWriter.ALIGN * 3); // gathered (or written the ordinary way)
        ch.close(); // the unaligned ends can no longer be written
        try {
            w.write(data, 0, data.length); // fails here when written the ordinary way, else at close
        } catch (IOException expected) {
            // the close below must fail all the same
        }
        assertThrows(IOException.class, w::close, "bytes that never reached the file must not look written");
        assertThrows(IOException.class, w::close, "nor on a second close");
        assertThrows(IOException.class, () -> w.write(data, 0, 1), "a failed writer takes no more bytes");
    }

    @Test
    void aDirectChannelThatFailsMidwayFallsBackWithoutLosingBytes() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(directIoWorksIn(dir), "this filesystem refuses O_DIRECT");
        Random random = new Random(TEST_SEED);
        byte[] data = new byte[(5 << 20) + 777];
        random.nextBytes(data);
        Path file = dir.resolve("f");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileChannel direct = FileChannel.open(file, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            try (RangeWriter w = RangeWriter.over(ch, direct, 100)) {
                w.write(data, 0, 3 << 19); // 1.5 MiB: the first full stage goes out directly
                direct.close(); // the next direct write fails
                w.write(data, 3 << 19, data.length - (3 << 19));
                assertTrue(!w.isDirect(), "the writer went on the ordinary way");
            }
            ch.force(true);
        }
        byte[] onDisk = Files.readAllBytes(file);
        assertEquals(100 + data.length, onDisk.length);
        assertArrayEquals(data, java.util.Arrays.copyOfRange(onDisk, 100, onDisk.length));
    }

    @Test
    void aStageThatReachesNeitherChannelFailsTheWriteAndTheClose() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(directIoWorksIn(dir), "this filesystem refuses O_DIRECT");
        Path file = dir.resolve("f");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel direct = FileChannel.open(file, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT);
        RangeWriter w = RangeWriter.over(ch, direct, 0);
        direct.close();
        ch.close();
        assertThrows(IOException.class, () -> w.write(new byte[RangeWriter.STAGE], 0, RangeWriter.STAGE));
        // Nothing is left gathered, so only the remembered failure can make the close fail, as it must.
        assertThrows(IOException.class, w::close);
    }

    private static final long TEST_SEED = 20261121;

    private static boolean directIoWorksIn(Path dir) {
        try (FileChannel ch = FileChannel.open(dir.resolve("probe"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
