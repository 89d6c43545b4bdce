package dev.ferry.daemon;

import dev.ferry.FerryException;
import dev.ferry.api.ApiServer;
import dev.ferry.api.ApiToken;
import dev.ferry.api.StoreApi;
import dev.ferry.config.FerryConfig;
import dev.ferry.store.AssetStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ferry node in this process. {@link #start} returns once every listener is up; {@link #close} is
 * idempotent and safe to call from a shutdown hook. Thread-safe.
 */
public final class Daemon implements AutoCloseable {
    /** File in the data directory holding the store API's base URL while the daemon runs (the CLI reads it). */
    public static final String STORE_URL_FILE = "store-api.url";
    /** File in the data directory holding the sync API's base URL while the daemon runs. */
    public static final String SYNC_URL_FILE = "sync-api.url";
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final FerryConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final AssetStore store;
    private final StoreApi storeApi;
    private final ApiServer storeServer;
    private final Peering peering;
    private boolean closed;

    private Daemon(FerryConfig config, FileChannel lockChannel, FileLock lock, AssetStore store, StoreApi storeApi,
            ApiServer storeServer, Peering peering) {
        this.config = config;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.store = store;
        this.storeApi = storeApi;
        this.storeServer = storeServer;
        this.peering = peering;
    }

    public static Daemon start(FerryConfig config) throws IOException {
        Path dataDir = config.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        FileChannel lockChannel = FileChannel.open(dataDir.resolve("daemon.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new FerryException("another Ferry daemon is using the data directory " + dataDir
                    + "; stop it or choose another data_dir");
        }
        AssetStore store = null;
        try {
            store = AssetStore.open(dataDir.resolve("store"), config.maxUploadBytes(), Clock.systemUTC());
            if (store.tempFilesRemovedAtOpen() > 0) {
                log.info("removed {} partial upload(s) left by an earlier crash", store.tempFilesRemovedAtOpen());
            }
            ApiToken token = ApiToken.loadOrCreate(dataDir);
            StoreApi storeApi = new StoreApi(store);
            // Multipart framing adds a little to the file's own size.
            long maxBody = config.maxUploadBytes() + (1 << 20);
            ApiServer server = ApiServer.start("store API", config.storeListenAddr(), token, config.requireToken(),
                    maxBody, storeApi::register);
            String url = "http://" + urlHost(config.storeListenAddr().host()) + ":" + server.port() + StoreApi.BASE;
            writeAtomically(dataDir.resolve(STORE_URL_FILE), url + "\n");
            log.info("Ferry {} store API on {} (data in {})", dev.ferry.Version.current(), url, dataDir);
            Peering peering;
            try {
                peering = Peering.start(config, dataDir, store, token);
            } catch (IOException | RuntimeException e) {
                storeApi.shutdown();
                server.close();
                Files.deleteIfExists(dataDir.resolve(STORE_URL_FILE));
                throw e;
            }
            return new Daemon(config, lockChannel, lock, store, storeApi, server, peering);
        } catch (IOException | RuntimeException e) {
            if (store != null) {
                store.close();
            }
            lock.release();
            lockChannel.close();
            throw e;
        }
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
        peering.close();
        storeApi.shutdown();
        storeServer.close();
        try {
            store.close();
            Files.deleteIfExists(config.dataDir().toAbsolutePath().resolve(STORE_URL_FILE));
            lock.release();
            lockChannel.close();
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
