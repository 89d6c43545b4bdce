package dev.ferry.car;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Archives read back to what was written, and write again to the same bytes. Seeded: the seed is printed;
 * rerun one with {@code -Dferry.car.seed=N}.
 */
class RoundTripTest {
    private static final long SEED = Long.getLong("ferry.car.seed", System.nanoTime());

    private static Random random(String test) {
        System.out.println("RoundTripTest." + test + " seed " + SEED + " (rerun with -Dferry.car.seed=" + SEED + ")");
        return new Random(SEED ^ test.hashCode());
    }

    @Test
    void archiveRoundTripsByteExactly() throws Exception {
        Random r = random("archiveRoundTripsByteExactly");
        Archives.Library library = Archives.library(r, 12, 300 * 1024);
        byte[] archive = library.write();

        Archives.Library back = Archives.read(archive);
        assertEquals(library.index(), back.index(), "seed " + SEED);
        assertEquals(List.copyOf(library.bytes().keySet()), List.copyOf(back.bytes().keySet()), "seed " + SEED);
        for (Map.Entry<String, byte[]> e : library.bytes().entrySet()) {
            assertArrayEquals(e.getValue(), back.bytes().get(e.getKey()), "asset " + e.getKey() + ", seed " + SEED);
        }
        assertArrayEquals(archive, back.write(), "re-writing what was read changes the archive; seed " + SEED);

        Archives.Library trickled = Archives.read(new Trickle(new ByteArrayInputStream(archive), r, 7),
                Car.DEFAULT_MAX_BLOCK_SIZE);
        assertArrayEquals(archive, trickled.write(), "reading a few bytes at a time changes the result; seed " + SEED);
    }

    @Test
    void libraryWithoutAssetsRoundTrips() throws Exception {
        CarIndex empty = new CarIndex("lib", "", 0, 0, List.of());
        byte[] archive = Archives.write(empty, Map.of());
        Archives.Library back = Archives.read(archive);
        assertEquals(empty, back.index());
        assertTrue(back.bytes().isEmpty());
    }

    @Test
    void tombstonesHaveNoBlock() throws Exception {
        Random r = random("tombstonesHaveNoBlock");
        Archives.Library library = Archives.library(r, 30, 64);
        List<String> live = new ArrayList<>();
        library.index().live().forEach(e -> live.add(e.hash()));
        Archives.Library back = Archives.read(library.write());
        assertEquals(live, List.copyOf(back.bytes().keySet()));
    }

    @Test
    void blockCidIsTheAssetHash() throws Exception {
        Archives.Library library = Archives.library(new Random(3), 4, 1000);
        try (CarReader reader = new CarReader(new ByteArrayInputStream(library.write()), 1000)) {
            List<CarEntry> live = reader.readIndex().live();
            for (CarEntry e : live) {
                CarReader.Block b = reader.next();
                assertEquals(Cid.RAW, b.cid().codec());
                assertEquals(e.hash(), b.cid().hash());
                assertEquals(e.size(), b.length());
                b.data().readAllBytes();
            }
            assertNull(reader.next());
            assertNull(reader.next(), "the end stays the end");
        }
    }

    @Test
    void unreadBlockDataIsSkippedAndStillChecked() throws Exception {
        Random r = random("unreadBlockDataIsSkippedAndStillChecked");
        Archives.Library library = Archives.library(r, 6, 50_000);
        byte[] archive = library.write();
        try (CarReader reader = new CarReader(new ByteArrayInputStream(archive))) {
            int live = reader.readIndex().live().size();
            int seen = 0;
            for (CarReader.Block b; (b = reader.next()) != null; seen++) {
                if (seen % 2 == 0 && b.length() > 0) {
                    assertEquals(1, b.data().read(new byte[1]));   // read a little, leave the rest
                }
            }
            assertEquals(live, seen);
        }

        List<CarEntry> liveEntries = library.index().live();
        if (!liveEntries.isEmpty() && liveEntries.getLast().size() > 0) {   // damage the last byte of the last block; skipping it still finds out
            archive[archive.length - 1] ^= 1;
            try (CarReader reader = new CarReader(new ByteArrayInputStream(archive))) {
                int live = reader.readIndex().live().size();
                for (int i = 0; i < live; i++) {
                    reader.next();
                }
                CarFormatException e = assertThrows(CarFormatException.class, reader::next);
                assertTrue(e.getMessage().startsWith("block CID does not match its bytes"), e.getMessage());
            }
        }
    }
}
