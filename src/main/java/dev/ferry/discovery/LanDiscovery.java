package dev.ferry.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import javax.jmdns.impl.ServiceInfoImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advertises this node on the LAN and reports the Ferry nodes it hears, over mDNS / DNS-SD with one
 * JmDNS instance per configured local address (seed: lanspread-peer-protocol, "Startup and advertise").
 * The service is {@value #SERVICE_TYPE}, instance {@code ferry-<first 7 id characters>}, the SRV port is
 * the peer listener's port and the TXT record is described in {@link TxtRecord}.
 *
 * <p>Threading: {@link #start} returns once the sockets are open and the service is registered
 * (well under a second); JmDNS then probes three times one second apart and announces, so others see
 * this node about 4 s after start, and it sees nodes that are already announced about as fast.
 * {@code onPeer} is called on JmDNS's threads, possibly many times for the same peer and concurrently
 * from the instances of different addresses: it must be quick and must not block (hand the peer to a
 * queue or an executor). {@link #updateDigest} never blocks. {@link #close} blocks about 2 s while
 * JmDNS sends its goodbye packets. All three may be called from any thread. JmDNS runs non-daemon
 * threads and its own shutdown hook, so an instance that is never closed keeps a JVM whose main
 * thread ended alive; close it.
 *
 * <p>Only the given addresses are used: the wildcard address is refused and each JmDNS socket sends
 * multicast only through the interface owning its address. Binding to 127.0.0.1 keeps discovery on
 * the machine, which is how to run it by hand.
 */
public final class LanDiscovery implements AutoCloseable {
    static final String SERVICE_TYPE = "_ferry._tcp.local.";
    private static final long TXT_RETRY_MS = 250;
    private static final Logger log = LoggerFactory.getLogger(LanDiscovery.class);

    /**
     * What this node advertises. Validated with the same rules a receiver applies, so a node cannot
     * advertise what its peers would drop.
     *
     * @param peerId     the node's id, 1-80 characters of {@code [A-Za-z0-9._:+/=-]}
     * @param protoMajor the peer protocol's major version, 0-65535
     * @param port       the peer listener's port, 1-65535
     * @param digest     the library revision digest in hex, empty when there is none yet
     */
    public record Advertisement(String peerId, int protoMajor, int port, String digest) {
        public Advertisement {
            Objects.requireNonNull(peerId, "peerId");
            Objects.requireNonNull(digest, "digest");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("advertised port " + port + " is outside 1-65535");
            }
            if (TxtRecord.decode(TxtRecord.encode(peerId, protoMajor, digest)) instanceof TxtRecord.Invalid bad) {
                throw new IllegalArgumentException("cannot advertise: " + bad.reason());
            }
        }

        public Advertisement withDigest(String newDigest) {
            return new Advertisement(peerId, protoMajor, port, newDigest);
        }

        byte[] txt() {
            return TxtRecord.encode(peerId, protoMajor, digest);
        }

        /** {@code ferry-} and the first 7 letters or digits of the id: a valid DNS label. */
        String instanceName() {
            String alnum = peerId.replaceAll("[^A-Za-z0-9]", "");
            return "ferry-" + alnum.substring(0, Math.min(7, alnum.length())).toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One bound address: its JmDNS and the service registered with it. */
    private record Instance(InetAddress address, JmDNS jmdns, ServiceInfo service) {}

    private final List<Instance> instances;
    private final ThreadPoolExecutor resolver;
    private Advertisement self; // guarded by this
    private boolean closed; // guarded by this

    private LanDiscovery(List<Instance> instances, ThreadPoolExecutor resolver, Advertisement self) {
        this.instances = instances;
        this.resolver = resolver;
        this.self = self;
    }

    /**
     * Opens one JmDNS instance per address, registers {@code self} with each and starts browsing.
     *
     * @throws IllegalArgumentException if the list is empty or an address is the wildcard, multicast,
     *                                  or not an address of a local interface
     * @throws IOException              if a socket cannot be opened; instances already opened are closed
     */
    public static LanDiscovery start(List<InetAddress> bindAddresses, Advertisement self, Consumer<DiscoveredPeer> onPeer)
            throws IOException {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(onPeer, "onPeer");
        List<InetAddress> addresses = List.copyOf(new LinkedHashSet<>(bindAddresses));
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("discovery needs at least one bind address");
        }
        List<NetworkInterface> nifs = new ArrayList<>();
        for (InetAddress a : addresses) {
            nifs.add(Interfaces.requireLocal(a)); // all checked before the first socket opens
        }
        ThreadPoolExecutor resolver = resolverExecutor();
        List<Instance> opened = new ArrayList<>();
        try {
            for (int i = 0; i < addresses.size(); i++) {
                InetAddress address = addresses.get(i);
                JmDNS jmdns = JmDNS.create(address, self.instanceName());
                ServiceInfo service = ServiceInfo.create(SERVICE_TYPE, self.instanceName(), self.port(), 0, 0, self.txt());
                opened.add(new Instance(address, jmdns, service));
                jmdns.addServiceListener(SERVICE_TYPE,
                        new PeerListener(self.peerId(), LinkFilter.of(nifs.get(i)), resolver, onPeer));
                jmdns.registerService(service);
                log.debug("mDNS on {} ({}) advertising {} port {}", address.getHostAddress(), nifs.get(i).getName(),
                        self.instanceName(), self.port());
            }
        } catch (IOException | RuntimeException e) {
            closeAll(opened);
            resolver.shutdownNow();
            throw e;
        }
        log.info("discovery advertising peer {} port {} on {}", self.peerId(), self.port(),
                addresses.stream().map(InetAddress::getHostAddress).toList());
        return new LanDiscovery(List.copyOf(opened), resolver, self);
    }

    /** See {@link Interfaces#resolve}: names like {@code eth0} or literal IPs, never a DNS lookup. */
    public static List<InetAddress> resolveInterfaces(List<String> names) {
        return Interfaces.resolve(names);
    }

    /**
     * Re-announces the TXT record with a new library digest; peers that already resolved us get
     * {@code onPeer} again with it. Returns at once: a service JmDNS is still probing or announcing
     * gets the new record as soon as that is done (changing it earlier would stall JmDNS, see
     * {@link #publishText}). Does nothing once closed.
     */
    public synchronized void updateDigest(String digest) {
        Advertisement next = self.withDigest(digest);
        if (closed || next.equals(self)) {
            return;
        }
        self = next;
        publishText();
    }

    /**
     * Hands the current TXT record to every instance whose service is announced, and retries in
     * {@value #TXT_RETRY_MS} ms for the others. JmDNS 3.6.1 re-announces a service whose text is set
     * while it is announced, but setting it while the service is probing or announcing takes the
     * running task's ownership away and the service is never announced at all.
     */
    private synchronized void publishText() {
        if (closed) {
            return;
        }
        byte[] txt = self.txt();
        boolean waiting = false;
        for (Instance in : instances) {
            if (Arrays.equals(in.service().getTextBytes(), txt)) {
                continue;
            }
            if (in.service() instanceof ServiceInfoImpl impl && impl.isAnnounced()) {
                in.service().setText(txt);
            } else {
                waiting = true;
            }
        }
        if (waiting) {
            CompletableFuture.runAsync(this::publishText,
                    CompletableFuture.delayedExecutor(TXT_RETRY_MS, TimeUnit.MILLISECONDS));
        }
    }

    /** Unregisters the service (JmDNS sends goodbye packets) and closes every instance. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        resolver.shutdownNow();
        closeAll(instances);
    }

    /**
     * Closes the instances in parallel: each takes about 2 s because JmDNS sends three goodbye
     * packets one second apart and waits for them.
     */
    private static void closeAll(List<Instance> instances) {
        List<Thread> closers = new ArrayList<>();
        for (Instance in : instances) {
            closers.add(Thread.ofPlatform().daemon().name("ferry-mdns-close").start(() -> {
                try {
                    in.jmdns().close(); // unregisters the service first, which sends its goodbyes
                } catch (IOException | RuntimeException e) {
                    log.warn("closing mDNS on {} failed: {}", in.address().getHostAddress(), e.toString());
                }
            }));
        }
        boolean interrupted = false;
        for (Thread t : closers) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // finish closing: the sockets must not outlive close()
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One thread, a bounded queue, excess dropped: a flood of services cannot grow memory or block JmDNS. */
    private static ThreadPoolExecutor resolverExecutor() {
        ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256),
                r -> {
                    Thread t = new Thread(r, "ferry-mdns-resolve");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        ex.allowCoreThreadTimeOut(true);
        return ex;
    }
}
