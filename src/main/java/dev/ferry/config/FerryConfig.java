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
        String logLevel) {

    /** The embedded defaults: what {@code ferry start} runs with when given nothing. */
    public static FerryConfig defaults() {
        return ConfigLoader.load(null, java.util.Map.of());
    }

    public FerryConfig withDataDir(Path dir) {
        return new FerryConfig(canServiceUrl, listenAddr, dir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, requireToken, maxUploadBytes, logLevel);
    }

    public FerryConfig withStoreListenAddr(HostPort addr) {
        return new FerryConfig(canServiceUrl, listenAddr, dataDir, relayUrl, pollInterval, fullScanInterval,
                addr, requireToken, maxUploadBytes, logLevel);
    }

    public FerryConfig withRequireToken(boolean require) {
        return new FerryConfig(canServiceUrl, listenAddr, dataDir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, require, maxUploadBytes, logLevel);
    }

    public FerryConfig withMaxUploadBytes(long max) {
        return new FerryConfig(canServiceUrl, listenAddr, dataDir, relayUrl, pollInterval, fullScanInterval,
                storeListenAddr, requireToken, max, logLevel);
    }
}
