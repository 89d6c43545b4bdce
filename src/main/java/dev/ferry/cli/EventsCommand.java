package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry events}: follows the folder libraries' events ({@code GET /events} on the sync API), one line each. */
@Command(name = "events", description = "Follow what happens in folder libraries (scans, changes, conflicts, errors), "
        + "one line per event.")
final class EventsCommand implements Callable<Integer> {
    /** Fields every event has; the rest are printed as key=value. */
    private static final Set<String> COMMON = Set.of("id", "type", "library_id", "path", "at");

    @Mixin
    ConfigOptions options;

    @Option(names = "--since", paramLabel = "ID", description = "First the kept events after this id (0: all kept).")
    Long since;

    @Option(names = "--library", paramLabel = "ID", description = "Only this library's events.")
    String library;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N events (default: follow until interrupted).")
    Long count;

    @Option(names = "--json", description = "Print each event's JSON as it comes.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        StringBuilder query = new StringBuilder();
        if (since != null) {
            query.append(query.isEmpty() ? '?' : '&').append("since=").append(since);
        }
        if (library != null) {
            query.append(query.isEmpty() ? '?' : '&').append("library=").append(java.net.URLEncoder.encode(library,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        long[] left = {count == null ? Long.MAX_VALUE : count};
        if (left[0] <= 0) {
            return 0;
        }
        LibraryCommand.client(options).events("/events" + query, e -> {
            System.out.println(json ? e.toString() : line(e));
            return --left[0] > 0;
        });
        return 0;
    }

    static String line(JsonNode e) {
        StringBuilder b = new StringBuilder();
        b.append(Instant.ofEpochMilli(e.path("at").asLong())).append("  ").append(String.format("%-18s", e.path("type").asText()));
        if (!e.path("path").isNull() && !e.path("path").isMissingNode()) {
            b.append(' ').append(e.path("path").asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!COMMON.contains(f.getKey())) {
                b.append("  ").append(f.getKey()).append('=').append(f.getValue().isTextual() ? f.getValue().asText() : f.getValue());
            }
        }
        return b.toString().stripTrailing();
    }
}
