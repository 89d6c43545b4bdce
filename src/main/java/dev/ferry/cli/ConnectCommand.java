package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry connect ADDRESS [PEER_ID]}: adds a peer by hand through the running daemon. */
@Command(name = "connect", description = "Add a peer by address (and optionally the id it must prove).")
final class ConnectCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "HOST:PORT")
    String address;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PEER_ID")
    String peerId;

    @Override
    public Integer call() throws IOException {
        Logging.configure("warn");
        ObjectNode body = dev.ferry.api.Json.MAPPER.createObjectNode().put("address", address);
        if (peerId != null) {
            body.put("peer_id", peerId);
        }
        JsonNode p = SyncClient.connect(options.load()).post("/peers", body.toString());
        System.out.println(p.path("peer_id").asText() + "  " + (p.path("connected").asBoolean() ? "connected" : "added, connecting"));
        return 0;
    }
}
