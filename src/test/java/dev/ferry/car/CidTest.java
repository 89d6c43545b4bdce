package dev.ferry.car;

import static dev.ferry.car.Archives.digest;
import static dev.ferry.car.Archives.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** CIDv1 binary and string forms, against published vectors. */
class CidTest {
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void emptyAssetHasTheKnownCid() {
        Cid cid = Cid.raw(digest(new byte[0]));
        assertEquals("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", cid.toString());
        assertEquals("01551220" + EMPTY_SHA256, hex(cid.bytes()));
        assertEquals(EMPTY_SHA256, cid.hash());
    }

    @Test
    void emptyDagCborMapHasTheKnownCid() {
        // {} in DAG-CBOR is the single byte 0xa0; its CID is a well-known IPLD vector
        Cid cid = Cid.dagCbor(digest(new byte[] {(byte) 0xa0}));
        assertEquals("bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua", cid.toString());
    }

    @Test
    void cidParsesItsOwnBytes() throws Exception {
        Random r = new Random(7);
        for (int i = 0; i < 100; i++) {
            byte[] d = new byte[32];
            r.nextBytes(d);
            Cid cid = r.nextBoolean() ? Cid.raw(d) : Cid.dagCbor(d);
            assertEquals(Cid.BYTES, cid.bytes().length);
            assertEquals(cid, Cid.parse(cid.bytes()));
            assertArrayEquals(d, cid.digest());
            assertTrue(cid.toString().startsWith(cid.codec() == Cid.RAW ? "bafkrei" : "bafyrei"), cid.toString());
        }
    }

    @Test
    void hashIsStoredLowercase() {
        assertEquals(new Cid(Cid.RAW, EMPTY_SHA256), new Cid(Cid.RAW, EMPTY_SHA256.toUpperCase()));
    }

    @Test
    void unsupportedCidsAreRejected() {
        String digest = EMPTY_SHA256;
        rejected("1220" + digest, "CID unsupported: CIDv0");
        rejected("02551220" + digest, "CID unsupported: version 2");
        rejected("01701220" + digest, "CID unsupported: codec 0x70");           // dag-pb
        rejected("01a9021220" + digest, "CID unsupported: codec 0x129");        // dag-json, a two-byte varint
        rejected("015513" + "40" + digest + digest, "CID unsupported: multihash function 0x13");   // sha2-512
        rejected("01550000", "CID unsupported: multihash function 0x0");       // identity, the spec's "empty CID"
        rejected("0155121f" + digest.substring(2), "CID unsupported: a sha2-256 digest of 31 bytes");
        rejected("01551220" + digest + "00", "bad CID: 1 bytes follow the digest");
        rejected("01551220" + digest.substring(2), "bad CID: the CID digest ends after 31 of 32 bytes");
        rejected("", "bad CID: the CID is empty");
        rejected("0155", "bad CID: the CID ends before the multihash function");
        rejected("8180" + "00", "bad varint");
    }

    private static void rejected(String hex, String message) {
        CarFormatException e = assertThrows(CarFormatException.class, () -> Cid.parse(Archives.hex(hex)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void onlyRawAndDagCborCanBeConstructed() {
        assertThrows(IllegalArgumentException.class, () -> new Cid(0x70, EMPTY_SHA256));
        assertThrows(IllegalArgumentException.class, () -> new Cid(Cid.RAW, "xyz"));
        assertThrows(IllegalArgumentException.class, () -> Cid.raw(new byte[31]));
    }
}
