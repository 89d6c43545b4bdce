package dev.ferry.car;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Decoding an index costs bounded heap, whatever the index holds. */
class IndexHeapTest {

    @Test
    void indexOfTinyTextsIsRefusedBeforeItFillsTheHeap() {
        // 20,000 one-character tags: 40 KB of CBOR, over a megabyte of Strings once decoded
        CarEntry e = new CarEntry("00".repeat(32), 0, "x", null, Collections.nCopies(20_000, "a"), null, null, 0, true);
        byte[] block = Archives.encodeIndex(new CarIndex("lib", "L", 0, 0, List.of(e)));
        assertTrue(block.length < 50_000, "encoded in " + block.length + " bytes");
        CarFormatException thrown = assertThrows(CarFormatException.class,
                () -> IndexCodec.read(new ByteArrayInputStream(block), 1 << 20));
        assertTrue(thrown.getMessage().startsWith("bad index: decoding it would take more than 1048576 bytes of heap"),
                thrown.getMessage());
    }

    @Test
    void writerChargesWhatTheReaderCharges() throws Exception {
        Random r = new Random(23);
        for (int i = 0; i < 20; i++) {
            CarIndex index = Archives.library(r, r.nextInt(30), 8).index();
            byte[] block = Archives.encodeIndex(index);
            long heap = IndexCodec.heap(index);
            assertEquals(index, IndexCodec.read(new ByteArrayInputStream(block), heap));
            assertThrows(CarFormatException.class, () -> IndexCodec.read(new ByteArrayInputStream(block), heap - 1));
        }
    }

    @Test
    void typicalIndexDecodesWithinThreeTimesItsSize() throws Exception {
        Random r = new Random(17);
        List<CarEntry> assets = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            byte[] hash = new byte[32];
            r.nextBytes(hash);
            assets.add(new CarEntry(HexFormat.of().formatHex(hash), r.nextInt(1 << 24), "image/jpeg", null,
                    List.of("photos", "2024"), "alice", "IMG_" + (1000 + i) + ".JPG", 1_700_000_000_000L + i, i % 10 == 0));
        }
        CarIndex index = new CarIndex("library-0001", "Family photos", 0, 2000, assets);
        byte[] block = Archives.encodeIndex(index);
        assertEquals(index, IndexCodec.read(new ByteArrayInputStream(block), 3L * block.length));
        System.out.printf("IndexHeapTest: a typical index of %d bytes is charged %d bytes of heap (%.2fx)%n",
                block.length, IndexCodec.heap(index), (double) IndexCodec.heap(index) / block.length);
        assertTrue(Car.MAX_INDEX_HEAP >= 3L * Car.MAX_INDEX_SIZE, "a typical index up to the size limit decodes");
    }
}
