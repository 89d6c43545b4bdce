package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry ls}: lists the store's assets, newest first, with the API's filters. */
@Command(name = "ls", description = "List assets, newest first.")
final class LsCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--limit", defaultValue = "50", description = "how many (1-1000, default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--offset", defaultValue = "0")
    long offset;

    @Option(names = "--app", paramLabel = "NAME")
    String application;

    @Option(names = "--tag", paramLabel = "TAG")
    List<String> tags;

    @Option(names = "--user", paramLabel = "ID")
    String user;

    @Option(names = "--mime-prefix", paramLabel = "PREFIX")
    String mimePrefix;

    @Option(names = "--json", description = "print the API's JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        StringBuilder q = new StringBuilder("/list?limit=" + limit + "&offset=" + offset);
        add(q, "application", application);
        add(q, "user", user);
        add(q, "mime_prefix", mimePrefix);
        if (tags != null) {
            tags.forEach(t -> add(q, "tag", t));
        }
        try (StoreClient c = client.connect()) {
            JsonNode data = c.get(q.toString());
            if (json) {
                System.out.println(data.toPrettyString());
                return 0;
            }
            for (JsonNode a : data.path("assets")) {
                System.out.printf("%s  %10d  %-24s %-12s %s%n", a.path("hash").asText(), a.path("size").asLong(),
                        a.path("mime_type").asText(), a.path("application").asText("-"), a.path("file_name").asText("-"));
            }
            System.err.printf("%d of %d asset(s)%n", data.path("assets").size(), data.path("total").asLong());
        }
        return 0;
    }

    private static void add(StringBuilder q, String name, String value) {
        if (value != null) {
            q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }
}
