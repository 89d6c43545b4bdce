package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerIdTest {
    /** Bytes 0, 1, ..., 31. The expected text was checked against Python's base32 and Syncthing's luhnBase32. */
    private static final String COUNTING = "AAAQEAY-EAUDAOB-CAJBIFQ-YDIOB4B-IBCEQTC-QKRMFYX-YDENBWH-A5DYPQG";
    /** The device id in Syncthing's own tests (lib/protocol/deviceid_test.go). */
    private static final String SYNCTHING = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    private static byte[] counting() {
        byte[] bytes = new byte[32];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    @Test
    void knownBytesHaveAPinnedTextForm() {
        assertEquals(COUNTING, PeerId.fromBytes(counting()).toString());
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        assertEquals("7777777-777777N-7777777-777777N-7777777-777777N-7777777-77777Q4", PeerId.fromBytes(ones).toString());
        assertEquals("AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA", PeerId.fromBytes(new byte[32]).toString());
    }

    @Test
    void syncthingDeviceIdsCheckTheSameWay() {
        assertEquals(SYNCTHING, PeerId.parse(SYNCTHING).toString());
        assertEquals(SYNCTHING, PeerId.parse("p56ioi7mzjnu2yiqgdreydm2mgtimgl3bxnpq6w5bmtbbz4tjxzwicq2").toString());
    }

    @Test
    void luhnMatchesSyncthingsOwnVectors() {
        // lib/protocol/luhn_test.go: base 6 and base 10 (the latter is also textbook Luhn for even lengths).
        assertEquals('e', PeerId.luhn("abcdef", "abcdef"));
        assertEquals('3', PeerId.luhn("0123456789", "7992739871"));
        assertEquals('Y', PeerId.luhn(PeerId.BASE32, "P56IOI7MZJNU2"));
    }

    @Test
    void textFormRoundTrips() {
        Random random = new Random(42);
        for (int i = 0; i < 1000; i++) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            PeerId id = PeerId.fromBytes(bytes);
            String text = id.toString();
            assertTrue(text.matches("([A-Z2-7]{7}-){7}[A-Z2-7]{7}"), text);
            PeerId parsed = PeerId.parse(text);
            assertEquals(id, parsed);
            assertArrayEquals(bytes, parsed.bytes());
        }
    }

    @Test
    void caseDashesAndSpacesAreIgnored() {
        PeerId id = PeerId.parse(COUNTING);
        assertEquals(id, PeerId.parse(COUNTING.toLowerCase(Locale.ROOT)));
        assertEquals(id, PeerId.parse(COUNTING.replace("-", "")));
        assertEquals(id, PeerId.parse(COUNTING.replace('-', ' ')));
        assertEquals(id, PeerId.parse("  " + COUNTING.replace("-", "").replaceAll("(.{4})", "$1 ").toLowerCase(Locale.ROOT)));
    }

    @Test
    void anyMistypedCharacterIsDetected() {
        String compact = COUNTING.replace("-", "");
        int detected = 0;
        for (int i = 0; i < compact.length(); i++) {
            for (char c : PeerId.BASE32.toCharArray()) {
                if (c == compact.charAt(i)) {
                    continue;
                }
                String typo = compact.substring(0, i) + c + compact.substring(i + 1);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerId.parse(typo), typo);
                assertTrue(e.getMessage().contains("check character"), e.getMessage());
                detected++;
            }
        }
        assertEquals(56 * 31, detected);
    }

    @Test
    void swappedNeighboursAreUsuallyDetected() {
        String compact = COUNTING.replace("-", "");
        int swaps = 0;
        int caught = 0;
        for (int i = 0; i + 1 < compact.length(); i++) {
            if (compact.charAt(i) == compact.charAt(i + 1)) {
                continue;
            }
            String swapped = compact.substring(0, i) + compact.charAt(i + 1) + compact.charAt(i) + compact.substring(i + 2);
            swaps++;
            try {
                PeerId.parse(swapped);
            } catch (IllegalArgumentException e) {
                caught++;
            }
        }
        assertTrue(caught >= swaps * 9 / 10, caught + " of " + swaps);
    }

    @Test
    void wrongLengthIsRejectedNamingTheLength() {
        IllegalArgumentException shortId = assertThrows(IllegalArgumentException.class,
                () -> PeerId.parse(COUNTING.substring(0, COUNTING.length() - 1)));
        assertTrue(shortId.getMessage().contains("got 55"), shortId.getMessage());
        IllegalArgumentException unchecked = assertThrows(IllegalArgumentException.class,
                () -> PeerId.parse("AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYYDENBWHA5DYPQ"));
        assertTrue(unchecked.getMessage().contains("got 52"), unchecked.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse(""));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse(null));
        assertThrows(IllegalArgumentException.class, () -> PeerId.fromBytes(new byte[31]));
    }

    @Test
    void characterOutsideTheAlphabetIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PeerId.parse("0" + COUNTING.substring(1)));
        assertTrue(e.getMessage().contains("character 1") && e.getMessage().contains("'0'")
                && e.getMessage().contains("letter O"), e.getMessage());
        IllegalArgumentException star = assertThrows(IllegalArgumentException.class,
                () -> PeerId.parse(COUNTING.substring(0, 9) + "*" + COUNTING.substring(10)));
        assertTrue(star.getMessage().contains("character 9 ") && star.getMessage().contains("'*'"), star.getMessage());
    }

    @Test
    void idWithBitsBeyondTheHashIsRejected() {
        // The 52nd base32 character carries 1 bit of the hash and 4 unused bits; set one and re-check.
        String data = "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYYDENBWHA5DYPR";
        StringBuilder text = new StringBuilder();
        for (int q = 0; q < 4; q++) {
            String quarter = data.substring(q * 13, q * 13 + 13);
            text.append(quarter).append(PeerId.luhn(PeerId.BASE32, quarter));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerId.parse(text.toString()));
        assertTrue(e.getMessage().contains("bits beyond"), e.getMessage());
    }

    @Test
    void orderIsUnsignedByteWise() {
        byte[] low = new byte[32];
        byte[] high = new byte[32];
        low[0] = 0x7f;
        high[0] = (byte) 0x80;
        PeerId a = PeerId.fromBytes(low);
        PeerId b = PeerId.fromBytes(high);
        assertTrue(a.compareTo(b) < 0);
        assertTrue(b.compareTo(a) > 0);
        assertEquals(0, a.compareTo(PeerId.fromBytes(low)));
    }

    @Test
    void equalityIsByBytesAndTheBytesAreCopied() {
        byte[] bytes = counting();
        PeerId id = PeerId.fromBytes(bytes);
        bytes[0] = 9;
        assertEquals(PeerId.parse(COUNTING), id);
        assertEquals(PeerId.parse(COUNTING).hashCode(), id.hashCode());
        assertNotEquals(PeerId.fromBytes(bytes), id);
        id.bytes()[0] = 9;
        assertEquals(COUNTING, id.toString());
    }

    @Test
    void shortFormIsTheFirstGroup() {
        assertEquals("AAAQEAY", PeerId.parse(COUNTING).shortForm());
    }

    @Test
    void idOfACertificateIsTheSha256OfItsDer() throws Exception {
        var certificate = TestCertificates.selfSigned("EC", "secp256r1").certificate();
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        assertArrayEquals(expected, PeerId.fromCertificate(certificate).bytes());
    }
}
