package dev.ferry.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Turning configured names into bind addresses; only reads the interface list, sends nothing. */
class InterfacesTest {
    private static String failure(List<String> names) {
        return assertThrows(IllegalArgumentException.class, () -> LanDiscovery.resolveInterfaces(names)).getMessage();
    }

    @Test
    void loopbackIsFoundByNameAndByAddress() throws Exception {
        String lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress()).getName();
        assertTrue(LanDiscovery.resolveInterfaces(List.of(lo)).contains(InetAddress.getByName("127.0.0.1")));
        assertEquals(List.of(InetAddress.getByName("127.0.0.1")), LanDiscovery.resolveInterfaces(List.of("127.0.0.1")));
    }

    @Test
    void repeatedNamesGiveOneAddress() {
        assertEquals(1, LanDiscovery.resolveInterfaces(List.of("127.0.0.1", " 127.0.0.1 ")).size());
    }

    @Test
    void unknownInterfaceNameIsRefusedWithTheKnownOnes() {
        String m = failure(List.of("nosuch0"));
        assertTrue(m.contains("unknown network interface 'nosuch0'"), m);
        assertTrue(m.contains("known interfaces:"), m);
    }

    @Test
    void wildcardAndMulticastAddressesAreRefused() {
        assertTrue(failure(List.of("0.0.0.0")).contains("wildcard"));
        assertTrue(failure(List.of("::")).contains("wildcard"));
        assertTrue(failure(List.of("224.0.0.251")).contains("multicast"));
    }

    @Test
    void addressNoInterfaceHasIsRefused() {
        assertTrue(failure(List.of("192.0.2.123")).contains("no local interface has the address 192.0.2.123"));
    }

    @Test
    void malformedAndEmptyEntriesAreRefused() {
        assertTrue(failure(List.of("300.1.1.1")).contains("not a valid IPv4"));
        assertTrue(failure(List.of("fe80:::zz")).contains("not a valid IP"));
        assertTrue(failure(List.of(" ")).contains("empty"));
        assertTrue(failure(List.of()).contains("no discovery interfaces"));
    }

    @Test
    void hostNamesAreNeverLookedUp() {
        assertNull(Interfaces.parseLiteral("localhost"));
        assertTrue(failure(List.of("localhost")).contains("unknown network interface 'localhost'"));
    }
}
