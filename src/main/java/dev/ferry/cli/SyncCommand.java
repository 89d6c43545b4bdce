package dev.ferry.cli;

import dev.ferry.daemon.Daemon;
import picocli.CommandLine.Command;

/**
 * {@code ferry sync [CONFIG.yaml]}: the sync agent alone, as can-sync.txt runs CAN Sync: it reaches its store only
 * through the store's HTTP API at {@code can_service_url} and serves the sync API on {@code listen_addr}.
 */
@Command(name = "sync", description = "Run only the sync agent, using the store at can_service_url.")
final class SyncCommand extends StartCommand {
    @Override
    Daemon.Mode mode() {
        return Daemon.Mode.SYNC;
    }
}
