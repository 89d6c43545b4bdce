package dev.ferry.peer;

import dev.ferry.config.HostPort;
import dev.ferry.config.StaticPeer;
import dev.ferry.protocol.Hello;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node connected to its peers: listens for them, dials the known ones with exponential backoff
 * and jitter, keeps exactly one link per peer, and remembers what it learns in the {@link PeerTable}.
 *
 * <p><b>One link per peer.</b> When two peers dial each other at once, both end up with two links. Each side
 * keeps the link dialled by the peer with the smaller id (for two links dialled by the same side, the newer
 * one) and closes the other with Goodbye; both sides compute the same answer without talking.
 *
 * <p><b>Addresses</b> come from configuration, {@code POST /peers}, the listener addresses a peer announces in
 * its Hello, and discovery; never from the source port of a connection. This node announces its listener's
 * real port (an ephemeral one if the configured port was taken) on every local address.
 *
 * <p><b>Unknown peers</b> that connect are authenticated (their certificate proves their id) and get a link,
 * but are not recorded, not dialled back and served nothing until they prove a capability (invites, later).
 * Thread-safe.
 */
public final class PeerManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerManager.class);
    /** Feature names this build offers in Hello; a link uses those both sides offer. */
    public static final List<String> FEATURES = List.of("ping", "streams");

    /** How this manager behaves; {@link #defaults} is what the daemon uses. */
    public record Settings(HostPort listen, String name, List<StaticPeer> staticPeers, LinkSettings link,
            Duration dialTimeout, Duration firstBackoff, Duration maxBackoff) {
        public static Settings defaults(HostPort listen, String name, List<StaticPeer> staticPeers) {
            return new Settings(listen, name, staticPeers, LinkSettings.defaults(), Duration.ofSeconds(5),
                    Duration.ofMillis(500), Duration.ofSeconds(60));
        }
    }

    /** One row of {@code GET /peers}. */
    public record PeerView(String peerId, String name, List<String> addresses, boolean known, boolean connected,
            String direction, String remoteAddress, long lastSeen, long rttMillis, long bytesIn, long bytesOut,
            long connectedSince) {}

    private final NodeIdentity identity;
    private final PeerTls tls;
    private final PeerTable table;
    private final Settings settings;
    private final Clock clock;
    private final RequestHandler handler;
    private final Map<PeerId, PeerLink> links = new ConcurrentHashMap<>();
    private final Map<PeerId, Dialer> dialers = new ConcurrentHashMap<>();
    /** Addresses heard from discovery, kept in memory only: discovery repeats them while they are true. */
    private final Map<PeerId, List<String>> discovered = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "peer-ticker");
        t.setDaemon(true);
        return t;
    });
    private final List<java.util.function.Consumer<PeerLink>> openListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile java.util.function.Function<PeerId, List<dev.ferry.protocol.LibraryState>> libraryStates = id -> List.of();
    /** Methods an authenticated but unknown peer may call: the ones by which it proves a capability. */
    private static final java.util.Set<String> OPEN_METHODS = java.util.Set.of("library.join");
    private volatile java.net.ServerSocket server;
    /** Handshakes in progress at once; a connection beyond this is closed unread (costs a stranger nothing to open). */
    static final int MAX_HANDSHAKES = 64;
    /** Links to peers that are not known (they may only try to join); more are refused. */
    static final int MAX_UNKNOWN_LINKS = 32;
    private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
    private volatile List<String> advertised = List.of();
    private volatile boolean running;

    public PeerManager(NodeIdentity identity, PeerTable table, Settings settings, Clock clock, RequestHandler handler) {
        this.identity = identity;
        this.tls = new PeerTls(identity);
        this.table = table;
        this.settings = settings;
        this.clock = clock;
        this.handler = handler;
    }

    public PeerId localId() {
        return identity.peerId();
    }

    /** Connects to a peer at one of {@code addresses} proving {@code id}, recording it as known; returns the link. */
    public PeerLink connectKnown(PeerId id, List<String> addresses, String source) throws IOException {
        Optional<PeerLink> existing = link(id);
        if (existing.isPresent()) {
            return existing.get();
        }
        IOException last = new IOException("no address to try");
        for (String a : addresses) {
            try {
                PeerLink l = dial(resolve(HostPort.parse(a)), id);
                table.remember(id, addresses, source, clock.millis());
                register(l);
                dialer(id);
                return link(id).orElse(l);
            } catch (IOException | IllegalArgumentException e) {
                last = e instanceof IOException io ? io : new IOException(e.getMessage());
            }
        }
        throw last;
    }

    /** Binds the listener (falling back to an ephemeral port when the configured one is taken) and starts dialling. */
    public void start() throws IOException {
        running = true;
        InetSocketAddress bind = settings.listen().toSocketAddress();
        try {
            server = tls.listen(bind, id -> true);
        } catch (BindException e) {
            if (settings.listen().port() == 0) {
                throw e;
            }
            server = tls.listen(new InetSocketAddress(bind.getAddress(), 0), id -> true);
            log.info("peer port {} is taken; listening on {} instead and announcing that", settings.listen().port(),
                    server.getLocalPort());
        }
        advertised = advertisedAddresses(server.getInetAddress(), server.getLocalPort());
        log.info("peer {} listening on {} ({})", localId(), settings.listen().withPort(server.getLocalPort()),
                String.join(", ", advertised));
        Thread.ofPlatform().daemon().name("peer-accept").start(this::acceptLoop);
        for (StaticPeer p : settings.staticPeers()) {
            if (p.peerId() != null) {
                PeerId id = PeerId.parse(p.peerId());
                table.remember(id, List.of(p.address().toString()), "config", clock.millis());
            } else {
                Thread.ofVirtual().start(() -> learnIdOf(p.address()));
            }
        }
        for (PeerTable.Entry e : table.all()) {
            dialer(e.id());
        }
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    public int listenPort() {
        return server.getLocalPort();
    }

    /** The addresses announced in Hello and discovery: every local address with the real listener port. */
    public List<String> advertisedAddresses() {
        return advertised;
    }

    private Hello hello(PeerId remote) {
        return Hello.current(localId().toString(), settings.name(), advertised, FEATURES, libraryStates.apply(remote));
    }

    /** What this node says in Hello about the libraries it shares with a given peer. */
    public void setLibraryStates(java.util.function.Function<PeerId, List<dev.ferry.protocol.LibraryState>> states) {
        this.libraryStates = states;
    }

    /** Called (on a virtual thread) for every link that is kept, after the Hello exchange. */
    public void onLinkOpen(java.util.function.Consumer<PeerLink> listener) {
        openListeners.add(listener);
    }

    public boolean isKnown(PeerId id) throws IOException {
        return table.knows(id);
    }

    /** How a known peer became known (the {@code source} given to {@link #trust}: "invite", "introduced", …); empty if unknown. */
    public Optional<String> knownThrough(PeerId id) throws IOException {
        return table.get(id).map(PeerTable.Entry::source);
    }

    /** Makes a peer unknown again and drops its link. */
    public void forget(PeerId id) throws IOException {
        table.forget(id);
        Dialer d = dialers.remove(id);
        if (d != null) {
            d.wake();
        }
        link(id).ifPresent(l -> l.close("forgotten"));
    }

    /** Makes a peer known (after it proved a capability), with the addresses it announced. */
    public void trust(PeerId id, List<String> addresses, String source) throws IOException {
        table.remember(id, addresses, source, clock.millis());
        dialer(id);
    }

    // ---- incoming -------------------------------------------------------------------------------------

    private void acceptLoop() {
        while (running) {
            SSLSocket s;
            try {
                s = (SSLSocket) server.accept();
            } catch (IOException e) {
                if (running) {
                    log.warn("peer listener failed: {}", e.getMessage());
                }
                return;
            }
            if (!handshakes.tryAcquire()) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // refused anyway
                }
                continue;
            }
            Thread.ofVirtual().name("peer-incoming").start(() -> {
                try {
                    admit(s);
                } finally {
                    handshakes.release();
                }
            });
        }
    }

    private void admit(SSLSocket s) {
        String from = String.valueOf(s.getRemoteSocketAddress());
        try {
            PeerId id = tls.handshake(s, settings.link().handshakeTimeout());
            if (id.equals(localId())) {
                s.close();
                return;
            }
            PeerLink link = PeerLink.open(new TlsTransport(s, id), false, hello(id), settings.link(), clock, this::serve);
            register(link);
        } catch (IOException e) {
            log.info("refused connection from {}: {}", from, e.getMessage());
        }
    }

    // ---- outgoing -------------------------------------------------------------------------------------

    /** Dials {@code address}; with {@code expected} null any id is accepted and returned. Does not register. */
    private PeerLink dial(InetSocketAddress address, PeerId expected) throws IOException {
        SSLSocket s = tls.connect(address, expected, settings.dialTimeout());
        PeerId id = PeerTls.peerIdOf(s.getSession());
        if (id.equals(localId())) {
            s.close();
            throw new IOException(address + " is this node itself (" + id.shortForm() + ")");
        }
        return PeerLink.open(new TlsTransport(s, id), true, hello(id), settings.link(), clock, this::serve);
    }

    /**
     * Adds a peer by hand ({@code ferry connect}, {@code POST /peers}). With an id it is recorded at once and
     * dialled in the background; without one the address is dialled now and the id the peer proves is recorded.
     */
    public PeerView addPeer(HostPort address, PeerId expected) throws IOException {
        if (expected != null) {
            if (expected.equals(localId())) {
                throw new IOException("peer id " + expected + " is this node's own");
            }
            PeerLink link = null;
            try {
                link = dial(resolve(address), expected);
            } catch (javax.net.ssl.SSLHandshakeException e) {
                throw e; // something answers there, but not that peer: recording it would only retry in vain
            } catch (IOException e) {
                log.info("peer {} not reachable at {} yet: {}; will keep trying", expected.shortForm(), address, e.getMessage());
            }
            table.remember(expected, List.of(address.toString()), "manual", clock.millis());
            if (link != null) {
                register(link);
            }
            dialer(expected).wake();
            return view(expected);
        }
        PeerLink link = dial(resolve(address), null);
        table.remember(link.remoteId(), List.of(address.toString()), "manual", clock.millis());
        register(link);
        dialer(link.remoteId());
        return view(link.remoteId());
    }

    private void learnIdOf(HostPort address) {
        int failures = 0;
        while (running) {
            try {
                addPeer(address, null);
                return;
            } catch (IOException e) {
                if (failures++ == 0) {
                    log.info("configured peer {} not reachable yet: {}", address, e.getMessage());
                }
                sleep(backoff(failures));
            }
        }
    }

    /** A known peer found by discovery at these addresses; unknown ids are ignored (discovery is not trust). */
    public void discovered(PeerId id, List<String> addresses) {
        if (id.equals(localId()) || !table.knows(id)) {
            return;
        }
        List<String> before = discovered.put(id, List.copyOf(addresses));
        if (!addresses.equals(before)) {
            log.info("discovered peer {} at {}", id.shortForm(), addresses);
            dialer(id).wake();
        }
    }

    private Dialer dialer(PeerId id) {
        return dialers.computeIfAbsent(id, k -> {
            Dialer d = new Dialer(k);
            Thread.ofVirtual().name("peer-dial-" + k.shortForm()).start(d);
            return d;
        });
    }

    /** Keeps one known peer connected: dials its addresses in turn, backing off exponentially with jitter. */
    private final class Dialer implements Runnable {
        private final PeerId id;
        private final Semaphore wakeUp = new Semaphore(0);

        Dialer(PeerId id) {
            this.id = id;
        }

        void wake() {
            wakeUp.release();
        }

        @Override
        public void run() {
            int failures = 0;
            while (running) {
                Optional<PeerTable.Entry> entry;
                try {
                    entry = table.get(id);
                } catch (IOException e) {
                    entry = Optional.empty();
                }
                if (entry.isEmpty()) {
                    dialers.remove(id);
                    return;
                }
                if (isConnected(id)) {
                    failures = 0;
                    await(Duration.ofSeconds(5));
                    continue;
                }
                LinkedHashSet<String> addresses = new LinkedHashSet<>(discovered.getOrDefault(id, List.of()));
                addresses.addAll(entry.get().addresses());
                IOException last = null;
                for (String a : addresses) {
                    if (!running || isConnected(id)) {
                        break;
                    }
                    try {
                        register(dial(resolve(HostPort.parse(a)), id));
                        last = null;
                        break;
                    } catch (IOException | RuntimeException e) {
                        // Any bad address (a peer or an introduction may list anything) fails that address, not the dialler.
                        last = e instanceof IOException io ? io : new IOException("bad address '" + a + "': " + e.getMessage());
                    }
                }
                if (last == null && isConnected(id)) {
                    failures = 0;
                    continue;
                }
                if (failures++ == 0 && last != null) {
                    log.info("cannot reach peer {}: {} (retrying with backoff)", id.shortForm(), last.getMessage());
                }
                await(backoff(failures));
            }
        }

        private void await(Duration d) {
            try {
                wakeUp.tryAcquire(d.toMillis(), TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Exponential backoff with ±50% jitter, so peers that lost each other do not redial in lockstep. */
    Duration backoff(int failures) {
        long base = settings.firstBackoff().toMillis() << Math.min(20, Math.max(0, failures - 1));
        long capped = Math.min(base, settings.maxBackoff().toMillis());
        return Duration.ofMillis((long) (capped * (0.5 + ThreadLocalRandom.current().nextDouble())));
    }

    // ---- links ----------------------------------------------------------------------------------------

    private void register(PeerLink link) {
        PeerId id = link.remoteId();
        PeerLink dropped = null;
        boolean known = table.knows(id);
        synchronized (this) {
            if (!running) {
                link.close("shutting down");
                return;
            }
            if (!known && unknownLinks() >= MAX_UNKNOWN_LINKS) {
                link.fail(dev.ferry.protocol.ErrorCode.RATE_LIMIT, "too many connections from unknown peers; try later");
                return;
            }
            link.setListener(this::closed);
            PeerLink existing = links.get(id);
            if (existing != null && existing.isOpen()) {
                PeerLink keep = preferred(existing, link);
                dropped = keep == existing ? link : existing;
                links.put(id, keep);
            } else {
                links.put(id, link);
            }
        }
        if (dropped != null) {
            dropped.close("duplicate connection");
            if (dropped == link) {
                return;
            }
        }
        var hello = link.remoteHello();
        try {
            table.heard(id, hello.name(), listenAddressesOf(link), clock.millis());
        } catch (IOException e) {
            log.warn("cannot record peer {}: {}", id.shortForm(), e.getMessage());
        }
        log.info("connected to peer {} \"{}\" ({}, {})", id.shortForm(), hello.name(), link.outgoing() ? "outgoing" : "incoming",
                link.remoteAddress());
        for (var l : openListeners) {
            Thread.ofVirtual().start(() -> l.accept(link));
        }
    }

    /** Of two links to one peer, the one both sides keep: dialled by the smaller id; the newer if dialled by the same side. */
    private PeerLink preferred(PeerLink a, PeerLink b) {
        PeerId dialerA = a.outgoing() ? localId() : a.remoteId();
        PeerId dialerB = b.outgoing() ? localId() : b.remoteId();
        int c = dialerA.compareTo(dialerB);
        if (c == 0) {
            return b;
        }
        return c < 0 ? a : b;
    }

    private void closed(PeerLink link, String reason) {
        PeerId id = link.remoteId();
        if (links.remove(id, link)) {
            log.info("disconnected from peer {}: {}", id.shortForm(), reason);
            try {
                table.touch(id, link.lastReceived());
            } catch (IOException ignored) {
                // best effort
            }
            Dialer d = dialers.get(id);
            if (d != null) {
                d.wake();
            }
        }
    }

    /** The peer's announced listener addresses; an unspecified host (0.0.0.0) becomes the host it connected from. */
    private static List<String> listenAddressesOf(PeerLink link) {
        List<String> out = new ArrayList<>();
        for (String a : link.remoteHello().listenAddrs()) {
            try {
                HostPort hp = HostPort.parse(a);
                InetAddress host = InetAddress.getByName(hp.host());
                if (host.isAnyLocalAddress()) {
                    hp = new HostPort(link.remoteAddress().getAddress().getHostAddress(), hp.port());
                }
                out.add(hp.toString());
            } catch (IOException | IllegalArgumentException e) {
                // an address we cannot use is simply not recorded
            }
        }
        return out;
    }

    private void serve(PeerLink link, String method, byte[] body, RequestHandler.Responder r) throws Exception {
        if (!table.knows(link.remoteId()) && !OPEN_METHODS.contains(method)) {
            // Authenticated but unknown: it sees nothing until it proves a capability.
            RequestHandler.NONE.handle(link, method, body, r);
            return;
        }
        handler.handle(link, method, body, r);
    }

    private void tick() {
        for (PeerLink l : links.values()) {
            try {
                l.tick();
            } catch (RuntimeException e) {
                log.warn("tick of {} failed: {}", l, e.toString());
            }
        }
    }

    public boolean isConnected(PeerId id) {
        PeerLink l = links.get(id);
        return l != null && l.isOpen();
    }

    public Optional<PeerLink> link(PeerId id) {
        return Optional.ofNullable(links.get(id)).filter(PeerLink::isOpen);
    }

    public PeerView view(PeerId id) throws IOException {
        Optional<PeerTable.Entry> e = table.get(id);
        PeerLink l = link(id).orElse(null);
        return view(id, e.orElse(null), l);
    }

    private static PeerView view(PeerId id, PeerTable.Entry e, PeerLink l) {
        String name = l != null ? l.remoteHello().name() : e != null ? e.name() : "";
        return new PeerView(id.toString(), name, e != null ? e.addresses() : List.of(), e != null, l != null,
                l == null ? null : l.outgoing() ? "outgoing" : "incoming",
                l == null ? null : String.valueOf(l.remoteAddress()),
                l != null ? l.lastReceived() : e != null ? e.lastSeen() : 0,
                l != null ? l.rttMillis() : -1, l != null ? l.bytesIn() : 0, l != null ? l.bytesOut() : 0,
                l != null ? l.openedAt() : 0);
    }

    /** Known peers (connected or not) and connected unknown ones. */
    public List<PeerView> peers() throws IOException {
        List<PeerView> out = new ArrayList<>();
        for (PeerTable.Entry e : table.all()) {
            out.add(view(e.id(), e, link(e.id()).orElse(null)));
        }
        for (PeerLink l : links.values()) {
            if (l.isOpen() && !table.knows(l.remoteId())) {
                out.add(view(l.remoteId(), null, l));
            }
        }
        return out;
    }

    private int unknownLinks() {
        int n = 0;
        for (PeerLink l : links.values()) {
            if (l.isOpen() && !table.knows(l.remoteId())) {
                n++;
            }
        }
        return n;
    }

    public int connectedCount() {
        return (int) links.values().stream().filter(PeerLink::isOpen).count();
    }

    /** Says Goodbye on every link and stops listening and dialling. */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        ticker.shutdownNow();
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        dialers.values().forEach(Dialer::wake);
        for (PeerLink l : List.copyOf(links.values())) {
            l.close("shutting down");
        }
    }

    private static InetSocketAddress resolve(HostPort hp) throws IOException {
        InetSocketAddress a = new InetSocketAddress(hp.host(), hp.port());
        if (a.isUnresolved()) {
            throw new IOException("cannot resolve host " + hp.host());
        }
        return a;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every usable local address with {@code port}, loopback last; just the bound address when not a wildcard. */
    static List<String> advertisedAddresses(InetAddress bound, int port) {
        if (!bound.isAnyLocalAddress()) {
            return List.of(new HostPort(bound.getHostAddress(), port).toString());
        }
        List<String> outside = new ArrayList<>();
        List<String> loopback = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet6Address && (a.isLinkLocalAddress() || bound instanceof java.net.Inet4Address)) {
                        continue;
                    }
                    String host = a.getHostAddress();
                    int pct = host.indexOf('%');
                    String text = new HostPort(pct < 0 ? host : host.substring(0, pct), port).toString();
                    (a.isLoopbackAddress() ? loopback : outside).add(text);
                }
            }
        } catch (SocketException e) {
            loopback.add("127.0.0.1:" + port);
        }
        outside.addAll(loopback);
        return outside.stream().distinct().limit(dev.ferry.protocol.Protocol.MAX_LISTEN_ADDRS).toList();
    }
}
