package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The tables are those of the crate {@code fastcdc} v2020 (nlfiedler/fastcdc-rs, src/v2020/mod.rs). Expected
 * entries below are copied from the crate's source; the checksums were computed over the full published
 * {@code GEAR} and {@code GEAR_LS} arrays as they appear there.
 */
class GearTableTest {
    /** SHA-256 of the crate's 256 GEAR values, each as 8 big-endian bytes. */
    private static final String GEAR_SHA256 = "9df0a720752a7d211fdebaf39bed01610983756fc340a1cfef41052b7356ae73";
    /** SHA-256 of the crate's 256 GEAR_LS values, each as 8 big-endian bytes. */
    private static final String GEAR_LS_SHA256 = "93123c215ae531383c1b660bb185d4013ba3c87faa99796879f97c4076bdfce2";

    @Test
    void gearIsTheMd5TableOfTheReferenceGenerator() throws Exception {
        // examples/table64.rs: MD5 of 64 bytes all equal to i, first 8 bytes big-endian.
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        for (int i = 0; i < 256; i++) {
            byte[] seed = new byte[64];
            Arrays.fill(seed, (byte) i);
            long expected = ByteBuffer.wrap(md5.digest(seed)).getLong();
            assertEquals(expected, Gear.GEAR[i], "GEAR[" + i + "]");
        }
    }

    @Test
    void gearHasThePublishedEntriesAndChecksum() throws Exception {
        assertEquals(256, Gear.GEAR.length);
        assertEquals(0x3b5d3c7d207e37dcL, Gear.GEAR[0]);
        assertEquals(0x784d68ba91123086L, Gear.GEAR[1]);
        assertEquals(0x0027baaada2acf6bL, Gear.GEAR[10]);
        assertEquals(0x562f21555458339aL, Gear.GEAR[127]);
        assertEquals(0xc0ce47f889336346L, Gear.GEAR[128]);
        assertEquals(0x9fb251413e41d49aL, Gear.GEAR[200]);
        assertEquals(0xaabd2b2a451504e1L, Gear.GEAR[255]);
        assertEquals(GEAR_SHA256, sha256(Gear.GEAR));
    }

    @Test
    void gearLsIsGearShiftedLeftWithThePublishedEntriesAndChecksum() throws Exception {
        assertEquals(256, Gear.GEAR_LS.length);
        for (int i = 0; i < 256; i++) {
            assertEquals(Gear.GEAR[i] << 1, Gear.GEAR_LS[i], "GEAR_LS[" + i + "]");
        }
        assertEquals(0x76ba78fa40fc6fb8L, Gear.GEAR_LS[0]);
        assertEquals(0xf09ad1752224610cL, Gear.GEAR_LS[1]);
        assertEquals(0x004f7555b4559ed6L, Gear.GEAR_LS[10]);
        assertEquals(0xac5e42aaa8b06734L, Gear.GEAR_LS[127]);
        assertEquals(0x819c8ff11266c68cL, Gear.GEAR_LS[128]);
        assertEquals(0x3f64a2827c83a934L, Gear.GEAR_LS[200]);
        assertEquals(0x557a56548a2a09c2L, Gear.GEAR_LS[255]);
        assertEquals(GEAR_LS_SHA256, sha256(Gear.GEAR_LS));
    }

    @Test
    void eachMaskHasAsManyOneBitsAsItsIndex() {
        assertEquals(26, Gear.MASKS.length);
        for (int k = 0; k < 5; k++) {
            assertEquals(0L, Gear.MASKS[k], "padding MASKS[" + k + "]");
        }
        for (int k = 5; k < 26; k++) {
            assertEquals(k, Long.bitCount(Gear.MASKS[k]), "MASKS[" + k + "]");
        }
        assertEquals(0x0000d90303537000L, Gear.MASKS[16]);
    }

    private static String sha256(long[] table) throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate(table.length * 8);
        for (long v : table) {
            bytes.putLong(v);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    }
}
