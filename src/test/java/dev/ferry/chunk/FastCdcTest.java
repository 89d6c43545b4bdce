package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.TestSeed;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunker's contract: size bounds, coverage, streaming equals in-memory, and locality of edits. */
class FastCdcTest {
    private static final FastCdc[] CONFIGS = {
        FastCdc.protocol(),
        new FastCdc(64, 256, 1024),
        new FastCdc(4096, 16384, 65535),
        new FastCdc(2048, 8192, 8192),
        new FastCdc(8192, 8192, 65536),
    };

    @Test
    void chunksStayWithinTheMinimumAndMaximumExceptTheLast() throws Exception {
        Random random = new Random(TestSeed.seed("chunksStayWithinTheMinimumAndMaximumExceptTheLast"));
        for (FastCdc cdc : CONFIGS) {
            for (int round = 0; round < 4; round++) {
                byte[] data = mixedContent(random, random.nextInt(3 << 20));
                List<Chunk> chunks = cdc.chunks(data);
                long pos = 0;
                for (int i = 0; i < chunks.size(); i++) {
                    Chunk c = chunks.get(i);
                    String where = sizes(cdc) + " chunk " + i + " of " + chunks.size() + " at " + c.offset();
                    assertEquals(pos, c.offset(), where + ": chunks are contiguous");
                    assertTrue(c.length() <= cdc.maxSize(), where + ": length " + c.length() + " exceeds max");
                    if (i < chunks.size() - 1) {
                        assertTrue(c.length() >= cdc.minSize(), where + ": length " + c.length() + " below min");
                    }
                    byte[] bytes = Arrays.copyOfRange(data, (int) c.offset(), (int) c.end());
                    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(bytes), c.sha256(), where);
                    pos = c.end();
                }
                assertEquals(data.length, pos, sizes(cdc) + ": chunks cover the input");
            }
        }
    }

    @Test
    void streamingAndArrayChunkingAgree() {
        Random random = new Random(TestSeed.seed("streamingAndArrayChunkingAgree"));
        for (FastCdc cdc : CONFIGS) {
            int min = cdc.minSize();
            int max = cdc.maxSize();
            int[] sizes = {0, 1, min - 1, min, min + 1, max - 1, max, max + 1, 2 * max + 3, random.nextInt(3 << 20)};
            for (int size : sizes) {
                byte[] data = mixedContent(random, size);
                List<Chunk> inMemory = cdc.chunks(data);
                List<Chunk> whole = TestData.drain(cdc.chunks(new ByteArrayInputStream(data)));
                List<Chunk> trickled = TestData.drain(cdc.chunks(new Trickle(new ByteArrayInputStream(data), random)));
                assertEquals(inMemory, whole, sizes(cdc) + " size " + size);
                assertEquals(inMemory, trickled, sizes(cdc) + " size " + size + " read in short pieces");
            }
        }
    }

    @Test
    void insertionNearTheStartChangesOnlyNearbyChunks() {
        Random random = new Random(TestSeed.seed("insertionNearTheStartChangesOnlyNearbyChunks"));
        byte[] original = TestData.randomBytes(random, 8 << 20);
        byte[] inserted = TestData.randomBytes(random, 100);
        byte[] edited = new byte[original.length + inserted.length];
        System.arraycopy(original, 0, edited, 0, 1000);
        System.arraycopy(inserted, 0, edited, 1000, inserted.length);
        System.arraycopy(original, 1000, edited, 1000 + inserted.length, original.length - 1000);

        List<Chunk> before = FastCdc.protocol().chunks(original);
        List<Chunk> after = FastCdc.protocol().chunks(edited);
        // Walk back from the end while chunks are the same bytes, moved by the insertion.
        int i = before.size() - 1;
        int j = after.size() - 1;
        while (i >= 0 && j >= 0 && sameContentShifted(before.get(i), after.get(j), inserted.length)) {
            i--;
            j--;
        }
        int changedBefore = i + 1;
        int changedAfter = j + 1;
        System.out.println("insertion of 100 bytes at offset 1000: " + changedBefore + " of " + before.size()
                + " chunks replaced by " + changedAfter + " of " + after.size());
        assertTrue(before.size() > 64, "8 MiB at 64 KiB average gives many chunks; got " + before.size());
        assertTrue(changedBefore >= 1 && changedAfter >= 1, "the chunk holding the insertion changes");
        assertTrue(changedBefore <= 3 && changedAfter <= 3,
                "only the first few chunks change; " + changedBefore + " old and " + changedAfter + " new differ");
    }

    @Test
    void cutReturnsAnIndexInTheCallersArray() {
        Random random = new Random(TestSeed.seed("cutReturnsAnIndexInTheCallersArray"));
        FastCdc cdc = new FastCdc(64, 256, 1024);
        byte[] window = TestData.randomBytes(random, 5000);
        byte[] padded = new byte[window.length + 777 + 33];
        System.arraycopy(window, 0, padded, 777, window.length);
        int pos = 0;
        while (pos < window.length) {
            int end = cdc.cut(window, pos, window.length - pos);
            assertEquals(777 + end, cdc.cut(padded, 777 + pos, window.length - pos));
            pos = end;
        }
    }

    @Test
    void cutLooksAtNoMoreThanTheMaximumSize() {
        Random random = new Random(TestSeed.seed("cutLooksAtNoMoreThanTheMaximumSize"));
        FastCdc cdc = new FastCdc(512, 2048, 4096);
        byte[] zeros = new byte[3 * 4096];
        assertEquals(4096, cdc.cut(zeros, 0, zeros.length));
        for (int round = 0; round < 200; round++) {
            byte[] data = TestData.randomBytes(random, 3 * 4096);
            int end = cdc.cut(data, 0, data.length);
            Arrays.fill(data, 4096, data.length, (byte) random.nextInt());
            assertEquals(end, cdc.cut(data, 0, data.length), "bytes past max do not move the cut");
            assertEquals(end, cdc.cut(data, 0, 4096), "a window of exactly max cuts the same as a longer one");
        }
    }

    @Test
    void aWindowNoLongerThanTheMinimumIsOneChunk() {
        FastCdc cdc = FastCdc.protocol();
        byte[] data = TestData.splitMix64(9L, FastCdc.PROTOCOL_MIN);
        assertEquals(FastCdc.PROTOCOL_MIN, cdc.cut(data, 0, data.length));
        assertEquals(10, cdc.cut(data, 0, 10));
        assertEquals(5, cdc.cut(data, 5, 0));
        assertEquals(List.of(), cdc.chunks(new byte[0]));
        assertFalse(cdc.chunks(InputStream.nullInputStream()).hasNext());
        List<Chunk> one = cdc.chunks(Arrays.copyOf(data, 10));
        assertEquals(1, one.size());
        assertEquals(new Chunk(0, 10, one.get(0).sha256()), one.get(0));
    }

    @Test
    void unorderedSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FastCdc(8192, 4096, 65536));
        assertTrue(e.getMessage().contains("8192") && e.getMessage().contains("4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(1024, 65536, 32768));
    }

    @Test
    void aWindowOutsideTheArrayIsRejected() {
        FastCdc cdc = FastCdc.protocol();
        byte[] data = new byte[100];
        assertThrows(IndexOutOfBoundsException.class, () -> cdc.cut(data, 50, 51));
        assertThrows(IndexOutOfBoundsException.class, () -> cdc.cut(data, -1, 10));
    }

    @Test
    void aReadFailureSurfacesAsUncheckedIOException() {
        InputStream failing = new FilterInputStream(new ByteArrayInputStream(new byte[100_000])) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk gone");
            }
        };
        Iterator<Chunk> chunks = FastCdc.protocol().chunks(failing);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, chunks::hasNext);
        assertEquals("disk gone", e.getCause().getMessage());
    }

    @Test
    void theIteratorEndsWithNoSuchElement() {
        Iterator<Chunk> chunks = new FastCdc(64, 256, 1024).chunks(new ByteArrayInputStream(new byte[1500]));
        assertEquals(1024, chunks.next().length());
        assertEquals(476, chunks.next().length());
        assertFalse(chunks.hasNext());
        assertThrows(NoSuchElementException.class, chunks::next);
    }

    private static boolean sameContentShifted(Chunk old, Chunk now, int shift) {
        return now.offset() == old.offset() + shift && now.length() == old.length()
                && Arrays.equals(now.sha256(), old.sha256());
    }

    /** Random bytes with runs of zeros and of low-entropy bytes, so that both cut-point kinds and max cuts occur. */
    private static byte[] mixedContent(Random random, int size) {
        byte[] data = TestData.randomBytes(random, size);
        int pos = 0;
        while (pos < size) {
            int run = Math.min(size - pos, random.nextInt(300_000));
            switch (random.nextInt(4)) {
                case 0 -> Arrays.fill(data, pos, pos + run, (byte) 0);
                case 1 -> {
                    for (int k = pos; k < pos + run; k++) {
                        data[k] &= 3;
                    }
                }
                default -> { } // keep random
            }
            pos += run;
        }
        return data;
    }

    private static String sizes(FastCdc cdc) {
        return cdc.minSize() + "/" + cdc.avgSize() + "/" + cdc.maxSize();
    }

    /** Returns at most a few random bytes per read, as a socket or pipe may. */
    private static final class Trickle extends FilterInputStream {
        private final Random random;

        Trickle(InputStream in, Random random) {
            super(in);
            this.random = random;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1 + random.nextInt(random.nextBoolean() ? 7 : 70_000)));
        }
    }
}
