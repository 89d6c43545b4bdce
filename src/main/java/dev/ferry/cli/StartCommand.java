package dev.ferry.cli;

import dev.ferry.config.FerryConfig;
import dev.ferry.daemon.Daemon;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry start}: runs the node in the foreground until SIGINT or SIGTERM, then shuts down cleanly. */
@Command(name = "start", description = "Run Ferry in the foreground (store API on 127.0.0.1:3210 by default).")
class StartCommand implements Callable<Integer> {
    /** How long a SIGTERM during start-up waits for the start to end before the JVM exits anyway. */
    private static final long STARTUP_WAIT_SECONDS = 60;

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
        // The hook is there before the daemon starts: a SIGTERM while it starts (the store is up, the sync agent not
        // yet) waits for the start to end and then stops it cleanly, instead of exiting as if killed.
        AtomicReference<Daemon> running = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.await(STARTUP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Daemon daemon = running.get();
            if (daemon != null) {
                daemon.close();
            }
            stopped.countDown();
        }, "ferry-shutdown"));
        try {
            running.set(Daemon.start(config, mode()));
        } finally {
            started.countDown(); // a start that failed closed what it had opened and left nothing to stop
        }
        stopped.await();
        return 0;
    }


    /** Which parts of the node this command runs. */
    Daemon.Mode mode() {
        return Daemon.Mode.ALL;
    }
}
