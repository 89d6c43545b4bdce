package dev.ferry.cli;

import picocli.CommandLine.Command;

/**
 * {@code ferry store}: the store alone, as can-sync.txt runs its CAN Service ({@code CAN_PORT} sets the
 * port). Until the sync engine exists this is the same node as {@code ferry start}.
 */
@Command(name = "store", description = "Run only the content-addressed store (port from CAN_PORT, default 3210).")
final class StoreCommand extends StartCommand {}
