package dev.ferry.cli;

import dev.ferry.peer.NodeIdentity;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ferry id}: prints this node's peer id (creating the identity on first use, as the daemon would). */
@Command(name = "id", description = "Print this node's peer id.")
final class IdCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws IOException {
        Logging.configure("warn");
        System.out.println(NodeIdentity.loadOrCreate(options.load().dataDir().toAbsolutePath()).peerId());
        return 0;
    }
}
