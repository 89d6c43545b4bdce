package dev.ferry.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The TXT record rules, on raw bytes: what a node advertises and what it accepts from the LAN. */
class TxtRecordTest {
    private static byte[] txt(String... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String e : entries) {
            byte[] b = e.getBytes(StandardCharsets.UTF_8);
            out.write(b.length);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    private static TxtRecord.Valid valid(byte[] txt) {
        return assertInstanceOf(TxtRecord.Valid.class, TxtRecord.decode(txt));
    }

    private static String invalid(byte[] txt) {
        return assertInstanceOf(TxtRecord.Invalid.class, TxtRecord.decode(txt)).reason();
    }

    @Test
    void encodedRecordDecodesToTheSameFields() {
        var v = valid(TxtRecord.encode("N7QKX2M-ABCDEF", 1, "00ff"));
        assertEquals(new TxtRecord.Valid("N7QKX2M-ABCDEF", 1, "00ff"), v);
    }

    @Test
    void missingDigestMeansEmptyAndUnknownKeysAreIgnored() {
        assertEquals(new TxtRecord.Valid("p1", 2, ""), valid(txt("hostname=box", "peer_id=p1", "proto_ver=2")));
    }

    @Test
    void keysAreCaseInsensitiveAndOnlyTheFirstOccurrenceCounts() {
        var v = valid(txt("PEER_ID=first", "peer_id=second", "Proto_Ver=1", "proto_ver=x"));
        assertEquals(new TxtRecord.Valid("first", 1, ""), v);
    }

    @Test
    void digestIsLowerCased() {
        assertEquals("abcdef", valid(txt("peer_id=p", "proto_ver=1", "digest=ABCdef")).digest());
    }

    @Test
    void emptyStringsBetweenEntriesAreSkipped() {
        assertEquals("p", valid(txt("", "peer_id=p", "", "proto_ver=1")).peerId());
    }

    @Test
    void recordWithoutPeerIdIsRejected() {
        assertTrue(invalid(txt("proto_ver=1")).contains("no peer_id"));
        assertTrue(invalid(new byte[] {0}).contains("no peer_id"));
        assertTrue(invalid(null).contains("no TXT"));
    }

    @Test
    void peerIdLongerThan80CharactersIsRejected() {
        valid(txt("peer_id=" + "a".repeat(80), "proto_ver=1"));
        assertTrue(invalid(txt("peer_id=" + "a".repeat(81), "proto_ver=1")).contains("peer_id"));
    }

    @Test
    void peerIdWithSpacesControlOrNonAsciiCharactersIsRejected() {
        for (String bad : new String[] {"a b", "a\nb", "caf\u00e9", "a;b", ""}) {
            assertTrue(invalid(txt("peer_id=" + bad, "proto_ver=1")).contains("peer_id"), bad);
        }
        assertTrue(invalid(txt("peer_id", "proto_ver=1")).contains("(no value)"));
    }

    @Test
    void nonNumericOrOutOfRangeProtoVerIsRejected() {
        for (String bad : new String[] {"one", "1.0", "-1", "+1", " 1", "65536", "123456", ""}) {
            assertTrue(invalid(txt("peer_id=p", "proto_ver=" + bad)).contains("proto_ver"), bad);
        }
        assertTrue(invalid(txt("peer_id=p")).contains("proto_ver"));
        assertEquals(65535, valid(txt("peer_id=p", "proto_ver=65535")).protoMajor());
    }

    @Test
    void nonHexOrOversizedDigestIsRejected() {
        assertTrue(invalid(txt("peer_id=p", "proto_ver=1", "digest=xyz")).contains("digest"));
        assertTrue(invalid(txt("peer_id=p", "proto_ver=1", "digest=" + "a".repeat(129))).contains("digest"));
        assertTrue(invalid(txt("peer_id=p", "proto_ver=1", "digest")).contains("digest"));
        assertEquals(128, valid(txt("peer_id=p", "proto_ver=1", "digest=" + "a".repeat(128))).digest().length());
    }

    @Test
    void stringRunningPastTheEndIsRejected() {
        byte[] b = txt("peer_id=p", "proto_ver=1");
        b[0] = (byte) 200;
        assertTrue(invalid(b).contains("runs past the end"));
    }

    @Test
    void recordOver1300BytesIsRejected() {
        String filler = "x=" + "y".repeat(250);
        assertTrue(invalid(txt("peer_id=p", "proto_ver=1", filler, filler, filler, filler, filler, filler))
                .contains("exceeds"));
    }

    @Test
    void hostileValuesAreClippedInTheReason() {
        String reason = invalid(txt("peer_id=" + "\u0007".repeat(500)));
        assertTrue(reason.length() < 200, reason);
        assertTrue(reason.chars().allMatch(c -> c >= 0x20 && c < 0x7f), reason);
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(300)];
            r.nextBytes(b);
            TxtRecord.decode(b);
        }
    }
}
