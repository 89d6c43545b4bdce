package dev.ferry.discovery;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A Ferry node heard on the LAN: what its mDNS TXT record claims and the listener addresses of its
 * service (the A/AAAA records of the SRV target with the SRV port, never a packet's source port).
 * Nothing here is authenticated; treat it as a hint of where to dial, and key the peer by the id its
 * TLS certificate proves, not by this one.
 *
 * @param peerId        the {@code peer_id} TXT value: 1-80 characters of {@code [A-Za-z0-9._:+/=-]}, never ours
 * @param protoMajor    the {@code proto_ver} TXT value
 * @param libraryDigest the {@code digest} TXT value, lower-case hex, empty when the peer has no library yet
 * @param addresses     at least one address, all on the subnet of the interface the peer was heard on
 */
public record DiscoveredPeer(String peerId, int protoMajor, String libraryDigest, List<InetSocketAddress> addresses) {
    public DiscoveredPeer {
        addresses = List.copyOf(addresses);
    }
}
