package dev.ferry.api;

import dev.ferry.Version;
import dev.ferry.config.HostPort;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerManager;
import dev.ferry.store.AssetStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The sync API (can-sync.txt "Status &amp; Peers"), served on {@code listen_addr} ({@code 127.0.0.1:3213}):
 * {@code GET /status}, {@code GET /peers} and {@code POST /peers}. Libraries join this API in the next step.
 * Thread-safe.
 */
public final class SyncApi {
    private final PeerManager peers;
    private final dev.ferry.sync.StoreAccess store;
    private final long startedAt = System.currentTimeMillis();
    private final LibraryApi libraries;
    private final FolderEventStream folderEvents;

    public SyncApi(PeerManager peers, dev.ferry.sync.StoreAccess store, dev.ferry.sync.SyncEngine engine) {
        this.peers = peers;
        this.store = store;
        this.libraries = new LibraryApi(engine, peers);
        this.folderEvents = engine.folders() == null ? null : new FolderEventStream(engine.folders().events());
    }

    public void register(Javalin app) {
        libraries.register(app);
        if (folderEvents != null) {
            app.get("/events", folderEvents::handle);
        }
        app.get("/status", this::status);
        app.get("/peers", this::listPeers);
        app.post("/peers", this::addPeer);
    }

    private void status(Context ctx) {
        Params.onlyKnown(ctx, Set.of());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("peer_id", peers.localId().toString());
        data.put("version", Version.current());
        data.put("protocol", dev.ferry.protocol.Protocol.MAJOR + "." + dev.ferry.protocol.Protocol.MINOR);
        data.put("uptime_secs", (System.currentTimeMillis() - startedAt) / 1000);
        data.put("listen_addresses", peers.advertisedAddresses());
        data.put("peers_connected", peers.connectedCount());
        Map<String, Object> storeHealth = new LinkedHashMap<>();
        try {
            AssetStore.Stats s = store.stats();
            storeHealth.put("healthy", true);
            storeHealth.put("assets", s.assets());
            storeHealth.put("bytes", s.bytes());
            storeHealth.put("latest_seq", s.latestSeq());
        } catch (IOException e) {
            storeHealth.put("healthy", false);
            storeHealth.put("error", e.getMessage());
        }
        data.put("store", storeHealth);
        data.put("library_count", libraries.count());
        ctx.json(Json.success(data));
    }

    private void listPeers(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        ctx.json(Json.success(peers.peers()));
    }

    /** Body of {@code POST /peers}. */
    record AddPeer(String address, String peerId) {}

    private void addPeer(Context ctx) {
        Params.onlyKnown(ctx, Set.of());
        AddPeer req = StoreApi.body(ctx, AddPeer.class, null);
        if (req == null || req.address() == null || req.address().isBlank()) {
            throw ApiException.badRequest("field 'address' (HOST:PORT) is required");
        }
        HostPort address;
        try {
            address = HostPort.parse(req.address());
            if (address.port() == 0) {
                throw new IllegalArgumentException("port 0 cannot be dialled");
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field 'address': " + e.getMessage());
        }
        PeerId id = null;
        if (req.peerId() != null) {
            try {
                id = PeerId.parse(req.peerId());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("field 'peer_id': " + e.getMessage());
            }
        }
        try {
            ctx.status(201).json(Json.success(peers.addPeer(address, id)));
        } catch (IOException e) {
            throw new ApiException(502, "cannot connect to " + address + ": " + e.getMessage());
        }
    }
}
