package dev.ferry.testing;

import dev.ferry.config.FerryConfig;
import dev.ferry.config.HostPort;
import dev.ferry.daemon.Daemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A real daemon in this JVM on an ephemeral loopback port, with its own data directory. */
public final class TestNode implements AutoCloseable {
    public final Path dataDir;
    public final Daemon daemon;
    public final Http http;

    private TestNode(Path dataDir, Daemon daemon) {
        this.dataDir = dataDir;
        this.daemon = daemon;
        this.http = new Http(daemon.storeUrl());
    }

    public static TestNode start(Path dataDir) throws IOException {
        return start(baseConfig(dataDir));
    }

    public static TestNode start(FerryConfig config) throws IOException {
        return new TestNode(config.dataDir(), Daemon.start(config));
    }

    public static FerryConfig baseConfig(Path dataDir) {
        HostPort ephemeral = new HostPort("127.0.0.1", 0);
        return FerryConfig.defaults().withDataDir(dataDir).withStoreListenAddr(ephemeral)
                .withPeering(ephemeral, ephemeral, false, java.util.List.of(), dataDir.getFileName().toString());
    }

    /** Base URL of the sync API ({@code /status}, {@code /peers}). */
    public Http sync() {
        return new Http("http://127.0.0.1:" + daemon.peering().syncPort());
    }

    public String url() {
        return daemon.storeUrl();
    }

    /** Every regular file under the store's blob directory. */
    public long blobFiles() throws IOException {
        return countFiles(dataDir.resolve("store/blobs"));
    }

    /** Every file under the store's temp directory: uploads in flight or debris. */
    public long tempFiles() throws IOException {
        return countFiles(dataDir.resolve("store/tmp"));
    }

    public static long countFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
