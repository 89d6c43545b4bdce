package dev.ferry.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A node cannot advertise what its peers would drop. */
class AdvertisementTest {
    private static String failure(String peerId, int proto, int port, String digest) {
        return assertThrows(IllegalArgumentException.class,
                () -> new LanDiscovery.Advertisement(peerId, proto, port, digest)).getMessage();
    }

    @Test
    void advertisementFollowsTheReceiversRules() {
        assertTrue(failure("a".repeat(81), 1, 4100, "").contains("peer_id"));
        assertTrue(failure("p", 70000, 4100, "").contains("proto_ver"));
        assertTrue(failure("p", 1, 4100, "not-hex").contains("digest"));
        assertTrue(failure("p", 1, 0, "").contains("port 0"));
        assertTrue(failure("p", 1, 65536, "").contains("port 65536"));
    }

    @Test
    void instanceNameIsFerryAndTheFirstSevenLettersOrDigitsOfTheId() {
        assertEquals("ferry-n7qkx2m", new LanDiscovery.Advertisement("N7QKX2M-ABCDEF", 1, 4100, "").instanceName());
        assertEquals("ferry-ab", new LanDiscovery.Advertisement("a-b", 1, 4100, "").instanceName());
    }

    @Test
    void withDigestKeepsEverythingElse() {
        var a = new LanDiscovery.Advertisement("p", 1, 4100, "");
        assertEquals(new LanDiscovery.Advertisement("p", 1, 4100, "beef"), a.withDigest("beef"));
    }
}
