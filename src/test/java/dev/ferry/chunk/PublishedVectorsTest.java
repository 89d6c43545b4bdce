package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The test vectors published in the crate {@code fastcdc}, src/v2020/mod.rs (tests {@code test_cut_all_zeros},
 * {@code test_masks}, {@code test_logarithm2}, {@code test_*_too_low/high}, {@code test_cut_sekien_16k_chunks},
 * {@code test_cut_sekien_32k_chunks}, {@code test_cut_sekien_64k_chunks}, {@code test_iter_sekien_16k_chunks},
 * {@code test_stream_sekien_16k_chunks}). Hashes are the crate's unsigned 64-bit decimals.
 *
 * <p>The Sekien vectors need the crate's fixture {@code test/fixtures/SekienAkashita.jpg} (109,466 bytes),
 * which is not in this repository; they run only when {@code -Dferry.fastcdc.sekien=<path>} or the
 * environment variable {@code FERRY_SEKIEN_JPG} names a copy, and are skipped otherwise.
 */
class PublishedVectorsTest {
    private static final long ZEROS_HASH = Long.parseUnsignedLong("14169102344523991076");

    @Test
    void allZerosCutAtTheMaximumSizeWithThePublishedHash() {
        byte[] zeros = new byte[10240];
        FastCdc cdc = new FastCdc(64, 256, 1024);
        int cursor = 0;
        for (int i = 0; i < 10; i++) {
            FastCdc.Cut cut = cdc.cutWithHash(zeros, cursor, zeros.length - cursor);
            assertEquals(ZEROS_HASH, cut.hash(), "hash of cut " + i);
            assertEquals(cursor + 1024, cut.end(), "end of cut " + i);
            cursor = cut.end();
        }
        assertEquals(10240, cdc.cut(zeros, cursor, zeros.length - cursor));
    }

    @Test
    void allZerosStreamInMaximumSizeChunks() {
        FastCdc cdc = new FastCdc(64, 256, 1024);
        List<Chunk> chunks = TestData.drain(cdc.chunks(new ByteArrayInputStream(new byte[10240])));
        assertEquals(10, chunks.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i * 1024L, chunks.get(i).offset());
            assertEquals(1024, chunks.get(i).length());
        }
    }

    @Test
    void masksFollowTheRoundedLog2OfTheAverageSize() {
        FastCdc small = new FastCdc(64, 256, 1024);
        assertEquals(Gear.MASKS[7], small.maskL());
        assertEquals(Gear.MASKS[9], small.maskS());
        FastCdc middle = new FastCdc(8192, 16384, 32768);
        assertEquals(Gear.MASKS[13], middle.maskL());
        assertEquals(Gear.MASKS[15], middle.maskS());
        FastCdc large = new FastCdc(1_048_576, 4_194_304, 16_777_216);
        assertEquals(Gear.MASKS[21], large.maskL());
        assertEquals(Gear.MASKS[23], large.maskS());
    }

    @Test
    void log2RoundsToTheNearestIntegerAsTheCrateDoes() {
        int[][] cases = {
            {0, 0}, {1, 0}, {2, 1}, {3, 2}, {5, 2}, {6, 3}, {11, 3}, {12, 4}, {19, 4}, {64, 6}, {128, 7},
            {256, 8}, {512, 9}, {1024, 10}, {16383, 14}, {16384, 14}, {16385, 14}, {32767, 15}, {32768, 15},
            {32769, 15}, {65535, 16}, {65536, 16}, {65537, 16}, {1_048_575, 20}, {1_048_576, 20},
            {1_048_577, 20}, {4_194_303, 22}, {4_194_304, 22}, {4_194_305, 22}, {16_777_215, 24},
            {16_777_216, 24}, {16_777_217, 24},
        };
        for (int[] c : cases) {
            assertEquals(c[1], FastCdc.log2Rounded(c[0]), "log2 of " + c[0]);
        }
    }

    @Test
    void sizesOutsideTheCrateRangesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(63, 256, 1024));
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(67_108_867, 256, 1024));
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(64, 255, 1024));
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(64, 268_435_457, 1024));
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(64, 256, 1023));
        assertThrows(IllegalArgumentException.class, () -> new FastCdc(64, 256, 1_073_741_825));
        // the inclusive ends of the ranges are accepted
        new FastCdc(64, 256, 1024);
        new FastCdc(1_048_576, 4_194_304, 16_777_216);
    }

    @Test
    void sekienAkashitaGivesThePublished16KiBChunks() throws Exception {
        byte[] image = sekienFixture();
        long[][] expected = {
            {Long.parseUnsignedLong("17968276318003433923"), 0, 21325},
            {Long.parseUnsignedLong("8197189939299398838"), 21325, 17140},
            {Long.parseUnsignedLong("13019990849178155730"), 38465, 28084},
            {Long.parseUnsignedLong("4509236223063678303"), 66549, 18217},
            {Long.parseUnsignedLong("2504464741100432583"), 84766, 24700},
        };
        String[] md5 = {
            "2bb52734718194617c957f5e07ee6054", "badfb0757fe081c20336902e7131f768", "18412d7414de6eb42f638351711f729d",
            "04fe1405fc5f960363bfcd834c056407", "1aa7ad95f274d6ba34a983946ebc5af3",
        };
        FastCdc cdc = new FastCdc(4096, 16384, 65535);
        assertCuts(cdc, image, expected);
        List<Chunk> streamed = TestData.drain(cdc.chunks(new ByteArrayInputStream(image)));
        assertEquals(expected.length, streamed.size());
        for (int i = 0; i < expected.length; i++) {
            Chunk c = streamed.get(i);
            assertEquals(expected[i][1], c.offset());
            assertEquals(expected[i][2], c.length());
            byte[] bytes = java.util.Arrays.copyOfRange(image, (int) c.offset(), (int) c.end());
            assertEquals(md5[i], HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)));
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(bytes), c.sha256());
        }
    }

    @Test
    void sekienAkashitaGivesThePublished32KiBChunks() throws Exception {
        assertCuts(new FastCdc(8192, 32768, 131072), sekienFixture(), new long[][] {
            {Long.parseUnsignedLong("15733367461443853673"), 0, 66549},
            {Long.parseUnsignedLong("6321136627705800457"), 66549, 42917},
        });
    }

    @Test
    void sekienAkashitaIsOneChunkAtTheProtocolSizes() throws Exception {
        // test_cut_sekien_64k_chunks uses 16384 / 65536 / 262144, which are Ferry's protocol sizes.
        assertCuts(FastCdc.protocol(), sekienFixture(), new long[][] {
            {Long.parseUnsignedLong("2504464741100432583"), 0, 109466},
        });
    }

    private static void assertCuts(FastCdc cdc, byte[] data, long[][] expected) {
        int cursor = 0;
        for (long[] e : expected) {
            FastCdc.Cut cut = cdc.cutWithHash(data, cursor, data.length - cursor);
            assertEquals(e[1], cursor, "offset");
            assertEquals(Long.toUnsignedString(e[0]), Long.toUnsignedString(cut.hash()), "hash at offset " + cursor);
            assertEquals(cursor + e[2], cut.end(), "end of chunk at offset " + cursor);
            cursor = cut.end();
        }
        assertEquals(data.length, cursor);
    }

    private static byte[] sekienFixture() throws Exception {
        String path = System.getProperty("ferry.fastcdc.sekien", System.getenv("FERRY_SEKIEN_JPG"));
        assumeTrue(path != null && Files.isRegularFile(Path.of(path)),
                "SekienAkashita.jpg not provided (-Dferry.fastcdc.sekien=<path> or FERRY_SEKIEN_JPG); skipping");
        byte[] image = Files.readAllBytes(Path.of(path));
        assertEquals(109_466, image.length, "SekienAkashita.jpg from fastcdc-rs test/fixtures is 109,466 bytes");
        return image;
    }
}
