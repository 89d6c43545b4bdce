package dev.ferry.cli;

import dev.ferry.FerryException;
import dev.ferry.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ferry} launcher. */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Ferry: peer-to-peer sync with a content-addressed asset store.",
        subcommands = {StartCommand.class, StoreCommand.class, SyncCommand.class, IngestCommand.class, LsCommand.class, GetCommand.class,
                IdCommand.class, ConnectCommand.class, PeersCommand.class, ExportCommand.class, ImportCommand.class,
                StatusCommand.class, LibraryCommand.class, EventsCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof FerryException) {
                cmd.getErr().println("ferry: " + e.getMessage());
                return e instanceof dev.ferry.config.ConfigException ? 2 : 1;
            }
            if (e instanceof java.io.IOException) {
                cmd.getErr().println("ferry: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl.execute(args);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ferry " + Version.current() + " (Java " + Runtime.version() + ")"};
        }
    }
}
