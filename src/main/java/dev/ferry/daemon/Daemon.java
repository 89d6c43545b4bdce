package dev.ferry.daemon;

import dev.ferry.api.ApiServer;
import dev.ferry.api.ApiToken;
import dev.ferry.api.StoreApi;
import dev.ferry.config.FerryConfig;
import dev.ferry.store.AssetStore;
import dev.ferry.sync.LocalStoreAccess;
import dev.ferry.sync.RemoteStoreAccess;
import dev.ferry.sync.StoreAccess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ferry node in this process, in one of three modes: everything ({@code ferry start}), the store alone
 * ({@code ferry store}, the CAN Service of can-sync.txt) or the sync agent alone ({@code ferry sync}, which reaches
 * its store only through the store's HTTP API at {@code can_service_url}). {@link #start} returns once every
 * listener is up; {@link #close} is idempotent and safe to call from a shutdown hook. Thread-safe.
 */
public final class Daemon implements AutoCloseable {
    /** File in the data directory holding the store API's base URL while the daemon runs (the CLI reads it). */
    public static final String STORE_URL_FILE = "store-api.url";
    /** File in the data directory holding the sync API's base URL while the daemon runs. */
    public static final String SYNC_URL_FILE = "sync-api.url";
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** Which parts run in this process. */
    public enum Mode {
        ALL, STORE, SYNC;

        boolean store() {
            return this != SYNC;
        }

        boolean sync() {
            return this != STORE;
        }
    }

    private final FerryConfig config;
    private final Path dataDir;
    private DirLock storeLock;
    private DirLock syncLock;
    private AssetStore store;
    private StoreApi storeApi;
    private ApiServer storeServer;
    private Peering peering;
    private boolean closed;

    private Daemon(FerryConfig config) {
        this.config = config;
        this.dataDir = config.dataDir().toAbsolutePath();
    }

    public static Daemon start(FerryConfig config) throws IOException {
        return start(config, Mode.ALL);
    }

    public static Daemon start(FerryConfig config, Mode mode) throws IOException {
        Daemon d = new Daemon(config);
        try {
            Files.createDirectories(d.dataDir);
            ApiToken token = ApiToken.loadOrCreate(d.dataDir);
            StoreAccess access = null;
            if (mode.store()) {
                d.startStore(token);
                access = new LocalStoreAccess(d.store);
            }
            if (mode.sync()) {
                d.syncLock = DirLock.acquire(d.dataDir.resolve("sync.lock"), "sync agent");
                if (access == null) {
                    // The agent's own token: the same file as the store's when both use one data directory.
                    access = new RemoteStoreAccess(config.canServiceUrl(), ApiToken.read(d.dataDir));
                    log.info("sync agent using the store at {}", config.canServiceUrl());
                }
                d.peering = Peering.start(config, d.dataDir, access, token);
            }
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void startStore(ApiToken token) throws IOException {
        storeLock = DirLock.acquire(dataDir.resolve("store.lock"), "store");
        store = AssetStore.open(dataDir.resolve("store"), config.maxUploadBytes(), Clock.systemUTC());
        if (store.tempFilesRemovedAtOpen() > 0) {
            log.info("removed {} partial upload(s) left by an earlier crash", store.tempFilesRemovedAtOpen());
        }
        storeApi = new StoreApi(store);
        // Multipart framing adds a little to the file's own size.
        long maxBody = config.maxUploadBytes() + (1 << 20);
        storeServer = ApiServer.start("store API", config.storeListenAddr(), token, config.requireToken(), maxBody,
                storeApi::register);
        writeAtomically(dataDir.resolve(STORE_URL_FILE), storeUrl() + "\n");
        log.info("Ferry {} store API on {} (data in {})", dev.ferry.Version.current(), storeUrl(), dataDir);
    }

    static String urlHost(String host) {
        if (host.equals("0.0.0.0") || host.equals("::")) {
            return "127.0.0.1";
        }
        return host.contains(":") ? "[" + host + "]" : host;
    }

    public int storePort() {
        return storeServer.port();
    }

    public String storeUrl() {
        return "http://" + urlHost(config.storeListenAddr().host()) + ":" + storePort() + StoreApi.BASE;
    }

    public Peering peering() {
        return peering;
    }

    public AssetStore store() {
        return store;
    }

    public FerryConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (peering != null) {
            peering.close();
        }
        if (storeApi != null) {
            storeApi.shutdown();
        }
        if (storeServer != null) {
            storeServer.close();
        }
        try {
            if (store != null) {
                store.close();
                Files.deleteIfExists(dataDir.resolve(STORE_URL_FILE));
            }
            if (storeLock != null) {
                storeLock.close();
            }
            if (syncLock != null) {
                syncLock.close();
            }
        } catch (IOException e) {
            log.warn("shutdown: {}", e.getMessage());
        }
        log.info("Ferry stopped");
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
