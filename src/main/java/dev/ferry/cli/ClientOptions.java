package dev.ferry.cli;

import java.io.IOException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of every client command: where the node's configuration is, or the API URL directly. */
final class ClientOptions {
    @Mixin
    ConfigOptions config;

    @Option(names = "--url", paramLabel = "URL",
            description = "store API base URL (default: the running daemon's, e.g. http://127.0.0.1:3210/api/v1/can/0)")
    String url;

    StoreClient connect() throws IOException {
        return connect(1);
    }

    /** A client that can carry {@code parallel} requests at once. */
    StoreClient connect(int parallel) throws IOException {
        Logging.configure("warn");
        return StoreClient.connect(config.load(), url, parallel);
    }
}
