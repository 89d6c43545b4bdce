package dev.ferry.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.nio.file.ExtendedOpenOption;
import dev.ferry.testing.TestSeed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files of every awkward length, read from every kind of offset in pieces of random sizes, give exactly their bytes,
 * whether they were read past the page cache or not (real files in a temp directory).
 */
class DirectReaderTest {
    @TempDir
    Path dir;

    @Test
    void everyLengthAndOffsetReadsExactlyTheFilesBytes() throws Exception {
        long seed = TestSeed.seed("DirectReaderTest");
        Random random = new Random(seed);
        int block = AlignedBuffers.ALIGN;
        int min = (int) RangeWriter.MIN_DIRECT;
        int buf = AlignedBuffers.SIZE;
        int[] lengths = {0, 1, block - 1, block, min - 1, min, min + 1, buf - 1, buf, buf + 1, 2 * buf + block,
                3 * buf + 123, 256 * block + 7};
        for (int length : lengths) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            Path file = dir.resolve("f" + length);
            Files.write(file, data);
            long[] offsets = {0, 1, block - 1, block, length / 2, Math.max(0, length - 1), length,
                    length == 0 ? 0 : random.nextInt(length)};
            for (long offset : offsets) {
                if (offset > length) {
                    continue;
                }
                byte[] got = readAll(DirectReader.open(file, offset, Long.MAX_VALUE), random);
                assertArrayEquals(Arrays.copyOfRange(data, (int) offset, length), got,
                        "length " + length + " from " + offset + ", seed " + seed);
            }
        }
    }

    @Test
    void largeFilesGoPastThePageCacheWhereTheFilesystemAllowsIt() throws Exception {
        Path file = dir.resolve("big");
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        Files.write(file, data);
        boolean supported;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            supported = true;
        } catch (IOException | UnsupportedOperationException e) {
            supported = false;
        }
        try (InputStream in = DirectReader.open(file, 5, Long.MAX_VALUE)) {
            assertEquals(supported, in instanceof DirectReader r && r.isDirect(), "direct: " + supported);
            byte[] first = in.readNBytes(100);
            assertArrayEquals(Arrays.copyOfRange(data, 5, 105), first);
            if (in instanceof DirectReader r) {
                assertTrue(r.isDirect(), "a regular file on this filesystem never needed the ordinary way");
            }
        }
        try (InputStream in = DirectReader.open(dir.resolve("small-file"))) {
            throw new AssertionError("a missing file opened");
        } catch (NoSuchFileException expected) {
            // as Files.newInputStream says it
        }
        InputStream closed = DirectReader.open(file);
        closed.close();
        closed.close();
        assertThrows(IOException.class, () -> closed.read(new byte[10]));

        // A short range is read the ordinary way: one direct read would bring in a whole buffer for it.
        try (InputStream in = DirectReader.open(file, 4097, 100)) {
            assertTrue(!(in instanceof DirectReader), "100 bytes read the ordinary way");
            assertArrayEquals(Arrays.copyOfRange(data, 4097, 4197), in.readNBytes(100));
        }
        if (!supported) {
            return;
        }
        // Native memory is bounded: past the limit of aligned buffers out, readers go the ordinary way.
        int before = AlignedBuffers.out(); // other tests' daemons may still hold some
        List<InputStream> open = new ArrayList<>();
        try {
            InputStream extra;
            while ((extra = DirectReader.open(file, 3, Long.MAX_VALUE)) instanceof DirectReader) {
                open.add(extra);
                assertTrue(open.size() <= AlignedBuffers.MAX_OUT, "more aligned buffers out than allowed");
            }
            try (InputStream ordinary = extra) {
                assertTrue(before + open.size() >= AlignedBuffers.MAX_OUT - 1, "the ordinary way only once (about) all are out");
                assertArrayEquals(Arrays.copyOfRange(data, 3, data.length), ordinary.readAllBytes());
            }
        } finally {
            for (InputStream in : open) {
                in.close();
            }
        }
        assertEquals(before, AlignedBuffers.out(), "every buffer given back");
    }

    /** Reads to the end in pieces of random sizes, now and then a single byte. */
    private static byte[] readAll(InputStream in, Random random) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] piece = new byte[200_000];
            while (true) {
                if (random.nextInt(50) == 0) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    out.write(b);
                    continue;
                }
                int n = in.read(piece, 0, 1 + random.nextInt(piece.length));
                if (n < 0) {
                    break;
                }
                out.write(piece, 0, n);
            }
            assertEquals(-1, in.read(), "the end stays the end");
            return out.toByteArray();
        }
    }
}
