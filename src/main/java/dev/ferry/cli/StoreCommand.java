package dev.ferry.cli;

import dev.ferry.daemon.Daemon;
import picocli.CommandLine.Command;

/** {@code ferry store}: the store alone, as can-sync.txt runs its CAN Service ({@code CAN_PORT} sets the port). */
@Command(name = "store", description = "Run only the content-addressed store (port from CAN_PORT, default 3210).")
final class StoreCommand extends StartCommand {
    @Override
    Daemon.Mode mode() {
        return Daemon.Mode.STORE;
    }
}
