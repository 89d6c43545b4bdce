package dev.ferry.daemon;

import dev.ferry.api.ApiServer;
import dev.ferry.api.ApiToken;
import dev.ferry.api.SyncApi;
import dev.ferry.config.FerryConfig;
import dev.ferry.discovery.DiscoveredPeer;
import dev.ferry.discovery.LanDiscovery;
import dev.ferry.peer.DiagnosticHandler;
import dev.ferry.peer.NodeIdentity;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerManager;
import dev.ferry.peer.PeerTable;
import dev.ferry.peer.RequestHandler;
import dev.ferry.protocol.Protocol;
import dev.ferry.library.LibraryStore;
import dev.ferry.sync.StoreAccess;
import dev.ferry.sync.SyncEngine;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer side of a node: identity, peer table, the peer listener and dialler, LAN discovery and the sync
 * API on {@code listen_addr}. Started after the store, closed before it (Goodbye to every peer first).
 */
public final class Peering implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Peering.class);
    private final NodeIdentity identity;
    private final PeerTable table;
    private final PeerManager peers;
    private final ApiServer syncServer;
    private final LanDiscovery discovery;
    private final Path dataDir;

    private final SyncEngine engine;
    private final LibraryStore libraries;

    private Peering(NodeIdentity identity, PeerTable table, PeerManager peers, ApiServer syncServer,
            LanDiscovery discovery, Path dataDir, SyncEngine engine, LibraryStore libraries) {
        this.engine = engine;
        this.libraries = libraries;
        this.identity = identity;
        this.table = table;
        this.peers = peers;
        this.syncServer = syncServer;
        this.discovery = discovery;
        this.dataDir = dataDir;
    }

    static Peering start(FerryConfig config, Path dataDir, StoreAccess store, ApiToken token) throws IOException {
        NodeIdentity identity = NodeIdentity.loadOrCreate(dataDir);
        PeerTable table = new PeerTable(dataDir.resolve("peers.db"));
        // The engine needs the manager and the manager needs the engine's handler: tie the knot with a reference.
        java.util.concurrent.atomic.AtomicReference<RequestHandler> handler = new java.util.concurrent.atomic.AtomicReference<>(RequestHandler.NONE);
        PeerManager peers = new PeerManager(identity, table,
                PeerManager.Settings.defaults(config.peerListenAddr(), config.name(), config.peers()),
                Clock.systemUTC(), new DiagnosticHandler((link, method, body, r) -> handler.get().handle(link, method, body, r)));
        LibraryStore libraries = new LibraryStore(dataDir.resolve("libraries.db"));
        SyncEngine engine = new SyncEngine(libraries, store, peers, Clock.systemUTC(), config.fullScanInterval());
        handler.set(engine);
        dev.ferry.folder.FolderSync folders = new dev.ferry.folder.FolderSync(libraries, peers, dataDir, Clock.systemUTC(),
                config.fullScanInterval(), config.versionsKeep());
        engine.attachFolders(folders);
        ApiServer sync = null;
        LanDiscovery discovery = null;
        try {
            engine.start();
            folders.start();
            peers.start();
            SyncApi api = new SyncApi(peers, store, engine);
            sync = ApiServer.start("sync API", config.listenAddr(), token, config.requireToken(), config.maxUploadBytes(), api::register);
            String url = "http://" + Daemon.urlHost(config.listenAddr().host()) + ":" + sync.port();
            Daemon.writeAtomically(dataDir.resolve(Daemon.SYNC_URL_FILE), url + "\n");
            log.info("sync API on {}", url);
            if (config.mdns()) {
                discovery = startDiscovery(config, identity.peerId(), peers);
            }
            return new Peering(identity, table, peers, sync, discovery, dataDir, engine, libraries);
        } catch (IOException | RuntimeException e) {
            engine.close();
            folders.events().close();
            peers.close();
            libraries.close();
            if (sync != null) {
                sync.close();
            }
            table.close();
            throw e;
        }
    }

    private static LanDiscovery startDiscovery(FerryConfig config, PeerId self, PeerManager peers) throws IOException {
        List<InetAddress> bind = config.mdnsInterfaces().isEmpty()
                ? multicastInterfaces()
                : LanDiscovery.resolveInterfaces(config.mdnsInterfaces());
        if (bind.isEmpty()) {
            log.info("LAN discovery: no multicast-capable interface is up; discovery is off");
            return null;
        }
        var ad = new LanDiscovery.Advertisement(self.toString(), Protocol.MAJOR, peers.listenPort(), "");
        return LanDiscovery.start(bind, ad, (DiscoveredPeer p) -> {
            try {
                List<String> addrs = p.addresses().stream()
                        .map(a -> new dev.ferry.config.HostPort(a.getAddress().getHostAddress(), a.getPort()).toString())
                        .toList();
                peers.discovered(PeerId.parse(p.peerId()), addrs);
            } catch (IllegalArgumentException e) {
                // a malformed announcement: discovery only yields candidates, so it is ignored
            }
        });
    }

    /** IPv4 addresses of the interfaces that are up, not loopback and support multicast. */
    private static List<InetAddress> multicastInterfaces() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback() && nif.supportsMulticast()) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        out.add(a);
                    }
                }
            }
        }
        return out;
    }

    public SyncEngine engine() {
        return engine;
    }

    public PeerManager peers() {
        return peers;
    }

    public PeerId peerId() {
        return identity.peerId();
    }

    public int syncPort() {
        return syncServer.port();
    }

    @Override
    public void close() {
        if (discovery != null) {
            discovery.close();
        }
        engine.close();
        peers.close();
        syncServer.close();
        if (engine.folders() != null) {
            engine.folders().events().close(); // last: an event published after it would never be stored
        }
        try {
            libraries.close();
            table.close();
            Files.deleteIfExists(dataDir.resolve(Daemon.SYNC_URL_FILE));
        } catch (IOException e) {
            log.warn("shutdown: {}", e.getMessage());
        }
    }
}
