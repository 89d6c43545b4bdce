package dev.ferry.cli;

import dev.ferry.config.FerryConfig;
import dev.ferry.daemon.Daemon;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry start}: runs the node in the foreground until SIGINT or SIGTERM, then shuts down cleanly. */
@Command(name = "start", description = "Run Ferry in the foreground (store API on 127.0.0.1:3210 by default).")
class StartCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(arity = "0..1", paramLabel = "CONFIG", description = "YAML configuration file (same as --config)")
    Path positionalConfig;

    @Override
    public Integer call() throws Exception {
        if (positionalConfig != null) {
            options.configFile = positionalConfig;
        }
        FerryConfig config = options.load();
        Logging.configure(config.logLevel());
        if (config.relayUrl() != null) {
            org.slf4j.LoggerFactory.getLogger(StartCommand.class)
                    .warn("relay_url is ignored: Ferry never routes traffic through a relay");
        }
        Daemon daemon = Daemon.start(config, mode());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "ferry-shutdown"));
        stopped.await();
        return 0;
    }


    /** Which parts of the node this command runs. */
    Daemon.Mode mode() {
        return Daemon.Mode.ALL;
    }
}
