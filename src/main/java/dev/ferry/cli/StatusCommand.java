package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry status}: is the daemon up, and what does its store hold. */
@Command(name = "status", description = "Show the running daemon's status.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--json", description = "print the API's JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (StoreClient c = client.connect()) {
            JsonNode d = c.get("/health");
            if (json) {
                System.out.println(d.toPrettyString());
                return 0;
            }
            System.out.printf("ferry %s running, store API %s%n", d.path("version").asText(), c.baseUrl);
            System.out.printf("  assets      %d (%s)%n", d.path("assets").asLong(), human(d.path("bytes").asLong()));
            System.out.printf("  tombstones  %d%n", d.path("tombstones").asLong());
            System.out.printf("  latest seq  %d%n", d.path("latest_seq").asLong());
            System.out.printf("  uptime      %ds%n", d.path("uptime_secs").asLong());
        }
        return 0;
    }

    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format("%.1f %s", v, units[u]);
    }
}
