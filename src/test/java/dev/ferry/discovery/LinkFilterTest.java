package dev.ferry.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which advertised addresses a node is willing to dial. */
class LinkFilterTest {
    private static InetAddress ip(String literal) {
        return Interfaces.parseLiteral(literal);
    }

    private static final LinkFilter LAN = new LinkFilter(List.of(new LinkFilter.Subnet(ip("192.168.1.20"), 24)), null);

    @Test
    void subnetContainsOnlyAddressesUnderItsPrefix() {
        var s = new LinkFilter.Subnet(ip("10.123.0.1"), 24);
        assertTrue(s.contains(ip("10.123.0.200")));
        assertFalse(s.contains(ip("10.123.1.1")));
        assertFalse(s.contains(ip("::1")));
        assertTrue(new LinkFilter.Subnet(ip("10.0.0.1"), 0).contains(ip("8.8.8.8")));
        assertTrue(new LinkFilter.Subnet(ip("10.0.0.1"), 31).contains(ip("10.0.0.0")));
        assertTrue(new LinkFilter.Subnet(ip("fe80::1"), 64).contains(ip("fe80::abcd:1")));
    }

    @Test
    void addressesOffTheLinkAreDropped() {
        var usable = LAN.usable(new InetAddress[] {ip("203.0.113.9"), ip("192.168.1.7"), ip("127.0.0.1")}, 4100);
        assertEquals(List.of(new InetSocketAddress(ip("192.168.1.7"), 4100)), usable);
    }

    @Test
    void wildcardMulticastAndRepeatedAddressesAreDropped() {
        var filter = new LinkFilter(List.of(new LinkFilter.Subnet(ip("0.0.0.0"), 0)), null);
        var usable = filter.usable(new InetAddress[] {ip("0.0.0.0"), ip("224.0.0.251"), ip("10.1.1.1"), ip("10.1.1.1"), null}, 1);
        assertEquals(List.of(new InetSocketAddress(ip("10.1.1.1"), 1)), usable);
    }

    @Test
    void loopbackBoundNodeOnlyAcceptsLoopbackPeers() {
        var lo = new LinkFilter(List.of(new LinkFilter.Subnet(ip("127.0.0.1"), 8)), null);
        assertEquals(List.of(), lo.usable(new InetAddress[] {ip("192.168.1.7")}, 4100));
        assertEquals(1, lo.usable(new InetAddress[] {ip("127.0.0.1")}, 4100).size());
    }
}
