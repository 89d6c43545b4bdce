package dev.ferry.discovery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which advertised addresses of a peer are worth dialling: only those on a subnet of the
 * interface the peer was heard on. Anyone on the link can advertise any address, so without this a
 * forged record could point Ferry at a host elsewhere; and a node bound to 127.0.0.1 yields only
 * loopback peers. It is also the second line behind the socket: JmDNS binds {@code *:5353}, and only
 * because the JDK turns Linux's {@code IP_MULTICAST_ALL} off does a socket hear just the groups it
 * joined itself on its own interface. IPv6 link-local addresses get the interface's scope so they can
 * be dialled. Immutable and thread-safe.
 */
final class LinkFilter {
    /** One subnet of the local interface: its address and prefix length. */
    record Subnet(InetAddress address, int prefixLength) {
        boolean contains(InetAddress other) {
            byte[] a = address.getAddress();
            byte[] b = other.getAddress();
            if (a.length != b.length) {
                return false;
            }
            int bits = Math.min(prefixLength, a.length * 8);
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (b[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Subnet> subnets;
    private final NetworkInterface scope;

    LinkFilter(List<Subnet> subnets, NetworkInterface scope) {
        this.subnets = List.copyOf(subnets);
        this.scope = scope;
    }

    static LinkFilter of(NetworkInterface nif) {
        List<Subnet> subnets = new ArrayList<>();
        for (InterfaceAddress ia : nif.getInterfaceAddresses()) {
            subnets.add(new Subnet(ia.getAddress(), ia.getNetworkPrefixLength()));
        }
        return new LinkFilter(subnets, nif);
    }

    /** The advertised addresses on our subnets, with the advertised port, in order and without repeats. */
    List<InetSocketAddress> usable(InetAddress[] advertised, int port) {
        Set<InetSocketAddress> out = new LinkedHashSet<>();
        for (InetAddress a : advertised) {
            if (a == null || a.isAnyLocalAddress() || a.isMulticastAddress()) {
                continue;
            }
            if (subnets.stream().anyMatch(s -> s.contains(a))) {
                out.add(new InetSocketAddress(scoped(a), port));
            }
        }
        return List.copyOf(out);
    }

    private InetAddress scoped(InetAddress a) {
        if (scope != null && a instanceof Inet6Address v6 && v6.isLinkLocalAddress() && v6.getScopeId() == 0) {
            try {
                return Inet6Address.getByAddress(null, v6.getAddress(), scope);
            } catch (UnknownHostException e) {
                return a; // cannot happen for a 16-byte address and a real interface
            }
        }
        return a;
    }
}
