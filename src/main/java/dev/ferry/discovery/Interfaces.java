package dev.ferry.discovery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Maps configured interface names and literal addresses to the local addresses JmDNS is bound to,
 * and refuses anything that would let JmDNS pick an interface by itself: the wildcard address, a
 * multicast address, or an address no local interface has (JmDNS would then fall back to the
 * default interface). Never resolves a host name through DNS. Stateless and thread-safe.
 */
final class Interfaces {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private Interfaces() {}

    static List<InetAddress> resolve(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no discovery interfaces given");
        }
        Set<InetAddress> out = new LinkedHashSet<>();
        for (String raw : names) {
            String name = raw == null ? "" : raw.trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty discovery interface name in " + names);
            }
            InetAddress literal = parseLiteral(name);
            if (literal != null) {
                requireLocal(literal);
                out.add(literal);
            } else {
                out.addAll(addressesOf(name));
            }
        }
        return List.copyOf(out);
    }

    /** The interface that owns {@code address}; refuses addresses JmDNS must not be given. */
    static NetworkInterface requireLocal(InetAddress address) {
        if (address.isAnyLocalAddress()) {
            throw new IllegalArgumentException("discovery refuses the wildcard address " + address.getHostAddress()
                    + ": name an interface or one of its addresses, so multicast never leaves anywhere else");
        }
        if (address.isMulticastAddress()) {
            throw new IllegalArgumentException("discovery cannot bind to the multicast address " + address.getHostAddress());
        }
        NetworkInterface nif;
        try {
            nif = NetworkInterface.getByInetAddress(address);
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot look up the interface of " + address.getHostAddress() + ": " + e.getMessage(), e);
        }
        if (nif == null) {
            throw new IllegalArgumentException("no local interface has the address " + address.getHostAddress()
                    + " (known interfaces: " + knownNames() + ")");
        }
        return nif;
    }

    /** An IPv4 dotted quad or an IPv6 literal (brackets and {@code %scope} allowed), else null. */
    static InetAddress parseLiteral(String text) {
        String s = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        var m = IPV4.matcher(s);
        boolean v4 = m.matches();
        if (v4) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    throw new IllegalArgumentException("'" + text + "' is not a valid IPv4 address");
                }
            }
        } else if (!s.contains(":")) {
            return null;
        }
        try {
            return InetAddress.getByName(s); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid IP address", e);
        }
    }

    /** The IPv4 addresses of the named interface, or its IPv6 ones when it has no IPv4 address. */
    private static List<InetAddress> addressesOf(String name) {
        NetworkInterface nif;
        try {
            nif = NetworkInterface.getByName(name);
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot look up network interface '" + name + "': " + e.getMessage(), e);
        }
        if (nif == null) {
            throw new IllegalArgumentException("unknown network interface '" + name + "' (known interfaces: "
                    + knownNames() + "; an IP address of one of them is accepted too)");
        }
        List<InetAddress> all = Collections.list(nif.getInetAddresses());
        List<InetAddress> v4 = all.stream().filter(a -> a instanceof Inet4Address).toList();
        List<InetAddress> chosen = v4.isEmpty() ? all : v4;
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("network interface '" + name + "' has no IP address");
        }
        return chosen;
    }

    private static String knownNames() {
        try {
            List<String> names = new ArrayList<>();
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                names.add(nif.getName());
            }
            return String.join(", ", names);
        } catch (SocketException e) {
            return "unavailable: " + e.getMessage();
        }
    }
}
