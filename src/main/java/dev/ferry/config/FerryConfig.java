package dev.ferry.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Validated configuration of one Ferry node. The first six fields are the CAN Sync keys of
 * {@code can-sync.txt}, with the seed's meaning; the rest are Ferry's own. See the README's
 * configuration reference for each key.
 *
 * @param canServiceUrl      URL of the store API the sync agent talks to when run split ({@code ferry sync})
 * @param listenAddr         address of the sync API ({@code 127.0.0.1:3213})
 * @param dataDir            where the store, keys and state live
 * @param relayUrl           accepted for compatibility; Ferry never uses a relay
 * @param pollInterval       fallback poll interval when push notifications are unavailable
 * @param fullScanInterval   period of the full reconcile that repairs anything missed
 * @param storeListenAddr    address of the store (CAN) API ({@code 127.0.0.1:3210}; {@code CAN_PORT} sets its port)
 * @param requireToken       demand the bearer token even from loopback clients
 * @param maxUploadBytes     largest request body the store API accepts (413 beyond it)
 * @param logLevel           error, warn, info or debug
 * @param peerListenAddr     where peers connect ({@code 0.0.0.0:3214}; an ephemeral port when that one is taken)
 * @param mdns               advertise and discover peers on the LAN
 * @param mdnsInterfaces     interface names or addresses mDNS may use (empty: every multicast-capable one)
 * @param peers              peers to dial at start
 * @param name               display name sent to peers (default: the host name)
 * @param versionsKeep       how long a folder library keeps replaced and deleted files in {@code .ferry/versions/}
 */
public record FerryConfig(
        String canServiceUrl,
        HostPort listenAddr,
        Path dataDir,
        String relayUrl,
        Duration pollInterval,
        Duration fullScanInterval,
        HostPort storeListenAddr,
        boolean requireToken,
        long maxUploadBytes,
        String logLevel,
        HostPort peerListenAddr,
        boolean mdns,
        java.util.List<String> mdnsInterfaces,
        java.util.List<StaticPeer> peers,
        String name,
        Duration versionsKeep) {

    public FerryConfig {
        mdnsInterfaces = java.util.List.copyOf(mdnsInterfaces);
        peers = java.util.List.copyOf(peers);
    }

    /** The embedded defaults: what {@code ferry start} runs with when given nothing. */
    public static FerryConfig defaults() {
        return ConfigLoader.load(null, java.util.Map.of());
    }


    public FerryConfig withDataDir(Path dir) {
        return new FerryConfig(canServiceUrl, listenAddr, dir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, requireToken, maxUploadBytes, logLevel, peerListenAddr, mdns, mdnsInterfaces, peers, name, versionsKeep);
    }

    public FerryConfig withStoreListenAddr(HostPort addr) {
        return new FerryConfig(canServiceUrl, listenAddr, dataDir, relayUrl, pollInterval, fullScanInterval,
                addr, requireToken, maxUploadBytes, logLevel, peerListenAddr, mdns, mdnsInterfaces, peers, name, versionsKeep);
    }

    public FerryConfig withRequireToken(boolean require) {
        return new FerryConfig(canServiceUrl, listenAddr, dataDir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, require, maxUploadBytes, logLevel, peerListenAddr, mdns, mdnsInterfaces, peers, name, versionsKeep);
    }

    public FerryConfig withMaxUploadBytes(long max) {
        return new FerryConfig(canServiceUrl, listenAddr, dataDir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, requireToken, max, logLevel, peerListenAddr, mdns, mdnsInterfaces, peers, name, versionsKeep);
    }

    /** Sync API, peer listener and mDNS settings together: what a test node on loopback needs. */
    public FerryConfig withPeering(HostPort syncApi, HostPort peerListen, boolean mdnsOn, java.util.List<StaticPeer> staticPeers,
            String displayName) {
        return new FerryConfig(canServiceUrl, syncApi, dataDir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, requireToken, maxUploadBytes, logLevel, peerListen, mdnsOn, mdnsInterfaces, staticPeers,
                displayName, versionsKeep);
    }
}
