package dev.ferry.discovery;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one JmDNS instance's service events into {@link DiscoveredPeer}s. Runs on JmDNS's threads, so
 * it never blocks: the resolve request (which waits inside JmDNS) is handed to {@code resolver}, and
 * the only foreign code it calls is {@code onPeer}, whose exceptions it logs and swallows.
 * What it hears is untrusted: the TXT record goes through {@link TxtRecord#decode}, addresses through
 * {@link LinkFilter}, and a bad record is logged once per service name at debug. Thread-safe.
 */
final class PeerListener implements ServiceListener {
    private static final Logger log = LoggerFactory.getLogger(LanDiscovery.class);
    /** Bounds the memory an mDNS flood can make us spend on remembering what we logged. */
    private static final int MEMORY = 1024;

    private final String ownPeerId;
    private final LinkFilter link;
    private final Executor resolver;
    private final Consumer<DiscoveredPeer> onPeer;
    private final Set<String> rejected = ConcurrentHashMap.newKeySet();
    private final Map<String, List<InetSocketAddress>> announced = new ConcurrentHashMap<>();

    PeerListener(String ownPeerId, LinkFilter link, Executor resolver, Consumer<DiscoveredPeer> onPeer) {
        this.ownPeerId = ownPeerId;
        this.link = link;
        this.resolver = resolver;
        this.onPeer = onPeer;
    }

    @Override
    public void serviceAdded(ServiceEvent event) {
        var dns = event.getDNS();
        String type = event.getType();
        String name = event.getName();
        try {
            // 1 ms: JmDNS sends the query and waits at most one 200 ms round for the answer, on our thread.
            resolver.execute(() -> dns.requestServiceInfo(type, name, 1));
        } catch (RejectedExecutionException e) {
            log.debug("mDNS resolve queue full or closed; not resolving {}", name);
        }
    }

    @Override
    public void serviceRemoved(ServiceEvent event) {
        log.debug("mDNS service {} went away", event.getName());
    }

    @Override
    public void serviceResolved(ServiceEvent event) {
        ServiceInfo info = event.getInfo();
        if (info == null) {
            return;
        }
        String name = event.getName();
        byte[] text = info.getTextBytes();
        if (text == null || text.length == 0 || (text.length == 1 && text[0] == 0)) {
            return; // JmDNS reports a service before its TXT record has arrived; it reports again after
        }
        switch (TxtRecord.decode(text)) {
            case TxtRecord.Invalid bad -> rejectOnce(name, bad.reason());
            case TxtRecord.Valid txt when txt.peerId().equals(ownPeerId) -> { }
            case TxtRecord.Valid txt -> deliver(name, txt, info);
        }
    }

    private void deliver(String name, TxtRecord.Valid txt, ServiceInfo info) {
        int port = info.getPort();
        if (port < 1 || port > 65535) {
            rejectOnce(name, "port " + port + " of " + txt.peerId() + " is outside 1-65535");
            return;
        }
        List<InetSocketAddress> addresses = link.usable(info.getInetAddresses(), port);
        if (addresses.isEmpty()) {
            rejectOnce(name, txt.peerId() + " advertises no address on this interface's subnets");
            return;
        }
        DiscoveredPeer peer = new DiscoveredPeer(txt.peerId(), txt.protoMajor(), txt.digest(), addresses);
        if (!addresses.equals(announced.get(peer.peerId()))) {
            if (announced.size() >= MEMORY) {
                announced.clear();
            }
            announced.put(peer.peerId(), addresses);
            log.info("discovered peer {} at {}", peer.peerId(), addresses.stream().map(PeerListener::text).toList());
        }
        try {
            onPeer.accept(peer);
        } catch (RuntimeException e) {
            log.warn("discovery consumer failed on peer {}", peer.peerId(), e);
        }
    }

    private static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void rejectOnce(String serviceName, String reason) {
        if (rejected.size() >= MEMORY) {
            rejected.clear();
        }
        if (rejected.add(serviceName + "\n" + reason)) {
            log.debug("ignoring mDNS service '{}': {}", serviceName, reason);
        }
    }
}
