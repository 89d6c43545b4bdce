package dev.ferry.car;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the writer refuses, and what it does with the stream it is given. */
class WriterTest {
    /** Larger than the writer's buffers, so that part of a refused block does reach the stream. */
    private static final byte[] BYTES = random(100 * 1024);
    private static final byte[] OTHER = flipLast(BYTES);

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new java.util.Random(5).nextBytes(b);
        return b;
    }

    private static byte[] flipLast(byte[] b) {
        byte[] copy = b.clone();
        copy[copy.length - 1] ^= 1;
        return copy;
    }

    private static CarEntry entry(byte[] data) {
        return new CarEntry(Archives.sha256(data), data.length, "text/plain", null, List.of(), null, null, 0, false);
    }

    private static CarIndex index(CarEntry... entries) {
        return new CarIndex("lib", "Library", 0, 1, List.of(entries));
    }

    @Test
    void writerRefusesBytesThatDoNotMatchTheirHash() throws Exception {
        CarEntry e = entry(BYTES);
        byte[][] wrong = {OTHER, Arrays.copyOf(BYTES, BYTES.length - 1), Arrays.copyOf(BYTES, BYTES.length + 1)};
        String[] problems = {"block CID does not match its bytes", "block length does not match the index",
            "block length does not match the index"};
        for (int i = 0; i < wrong.length; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CarWriter w = new CarWriter(out);
            w.writeIndex(index(e));
            byte[] data = wrong[i];
            CarFormatException thrown = assertThrows(CarFormatException.class,
                    () -> w.writeBlock(e.hash(), e.size(), new ByteArrayInputStream(data)));
            assertTrue(thrown.getMessage().startsWith(problems[i]), thrown.getMessage());
            assertTrue(thrown.getMessage().contains(e.hash()), thrown.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> w.writeBlock(e.hash(), e.size(), new ByteArrayInputStream(BYTES)), "the writer is dead");
            w.close();   // no complaint about missing blocks after a failure

            byte[] partial = out.toByteArray();
            assertTrue(partial.length > 64 * 1024, "part of the block reached the stream: " + partial.length);
            if (data.length <= BYTES.length) {   // what reached the stream is rejected by a reader
                assertThrows(CarFormatException.class, () -> Archives.read(partial));
            }   // else the first size bytes were the right ones: what was sent is true, only the source was long
        }
    }

    @Test
    void writerRefusesBlocksOutOfIndexOrder() throws Exception {
        CarEntry a = entry(BYTES);
        CarEntry b = entry(OTHER);
        CarWriter w = new CarWriter(new ByteArrayOutputStream());
        assertThrows(IllegalStateException.class, () -> w.writeBlock(a.hash(), a.size(), new ByteArrayInputStream(BYTES)));
        w.writeIndex(index(a, b));
        assertThrows(IllegalStateException.class, () -> w.writeIndex(index(a, b)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> w.writeBlock(b.hash(), b.size(), new ByteArrayInputStream(OTHER)));
        assertTrue(e.getMessage().contains(a.hash()), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> w.writeBlock(a.hash(), a.size() + 1, new ByteArrayInputStream(BYTES)));
        w.writeBlock(a.hash(), a.size(), new ByteArrayInputStream(BYTES));
        w.writeBlock(b.hash(), b.size(), new ByteArrayInputStream(OTHER));
        assertThrows(IllegalStateException.class, () -> w.writeBlock(b.hash(), b.size(), new ByteArrayInputStream(OTHER)));
        w.close();
    }

    @Test
    void closingBeforeEveryBlockIsAnError() throws Exception {
        CarEntry a = entry(BYTES);
        CarWriter w = new CarWriter(new ByteArrayOutputStream());
        w.writeIndex(index(a));
        IllegalStateException e = assertThrows(IllegalStateException.class, w::close);
        assertTrue(e.getMessage().contains("0 of the 1 blocks"), e.getMessage());
        w.close();   // closing twice is harmless
    }

    @Test
    void closeFlushesButDoesNotCloseTheUnderlyingStream() throws Exception {
        CarEntry a = entry(BYTES);
        Archives.Recording out = new Archives.Recording();
        try (CarWriter w = new CarWriter(out)) {
            w.writeIndex(index(a));
            w.writeBlock(a.hash(), a.size(), new ByteArrayInputStream(BYTES));
        }
        assertFalse(out.closed);
        assertTrue(out.flushes > 0);
        assertArrayEquals(Archives.write(index(a), Map.of(a.hash(), BYTES)), out.bytes.toByteArray());
    }

    @Test
    void writerRefusesAnAssetOverTheBlockLimit() {
        CarEntry a = entry(BYTES);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CarWriter w = new CarWriter(out, BYTES.length - 1);
        CarFormatException e = assertThrows(CarFormatException.class, () -> w.writeIndex(index(a)));
        assertTrue(e.getMessage().startsWith("block larger than limit"), e.getMessage());
        assertEquals(0, out.size(), "nothing is written before the limits are checked");
    }

    @Test
    void textMustBeWellFormed() {
        assertThrows(IllegalArgumentException.class, () -> new CarEntry(Archives.sha256(BYTES), 1, "text/plain", null,
                List.of("ok", "lone \ud800 surrogate"), null, null, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new CarIndex("lib\udc00", "x", 0, 0, List.of()));
        new CarEntry(Archives.sha256(BYTES), 1, "text/plain", null, List.of("emoji \ud83d\ude00"), null, null, 0, false);
    }

    @Test
    void anIndexListsAHashOnce() {
        CarEntry a = entry(BYTES);
        assertThrows(IllegalArgumentException.class, () -> index(a, a));
    }

    @Test
    void readingDataFailsTheWrite() {
        CarEntry a = entry(BYTES);
        CarWriter w = new CarWriter(new ByteArrayOutputStream());
        assertThrows(IOException.class, () -> {
            w.writeIndex(index(a));
            w.writeBlock(a.hash(), a.size(), new java.io.InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("disk gone");
                }
            });
        });
        assertThrows(IllegalStateException.class, () -> w.writeBlock(a.hash(), a.size(), new ByteArrayInputStream(BYTES)));
    }
}
