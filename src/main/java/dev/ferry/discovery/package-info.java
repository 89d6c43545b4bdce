/**
 * LAN discovery: advertises this node as a DNS-SD service ({@code _ferry._tcp.local.}, TXT
 * {@code peer_id}, {@code proto_ver}, {@code digest}) over mDNS and reports the other Ferry nodes it
 * hears, each as a peer id with the listener addresses it advertised (seed: lanspread-peer-protocol,
 * "Startup and advertise"; listener addresses come from mDNS, never from a source port). It must never
 * trust what it hears: a {@link dev.ferry.discovery.DiscoveredPeer} is only a candidate address, and
 * who is really there is decided by the TLS handshake in the peer layer. It must never send multicast
 * on an interface it was not given: every mDNS socket is pinned to one configured local address, the
 * wildcard address is refused, and peers whose addresses are not on that address's subnets are dropped.
 */
package dev.ferry.discovery;
