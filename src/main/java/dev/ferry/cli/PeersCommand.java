package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry peers}: the running daemon's peers, as {@code GET /peers} shows them. */
@Command(name = "peers", description = "List known and connected peers.")
final class PeersCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--json", description = "print the API's JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Logging.configure("warn");
        JsonNode peers = SyncClient.connect(options.load()).get("/peers");
        if (json) {
            System.out.println(peers.toPrettyString());
            return 0;
        }
        for (JsonNode p : peers) {
            String state = p.path("connected").asBoolean()
                    ? "connected " + p.path("direction").asText() + " rtt " + p.path("rtt_millis").asLong() + " ms"
                    : "offline";
            System.out.printf("%s  %-16s %-28s %s%s%n", p.path("peer_id").asText(), p.path("name").asText(), state,
                    addresses(p.path("addresses")),
                    p.path("known").asBoolean() ? "" : "  (unknown: no capability yet)");
        }
        if (peers.isEmpty()) {
            System.err.println("no peers yet: add one with ferry connect HOST:PORT [PEER_ID]");
        }
        return 0;
    }

    private static String addresses(JsonNode array) {
        java.util.List<String> out = new java.util.ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return String.join(",", out);
    }
}
