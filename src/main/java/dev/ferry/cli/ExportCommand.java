package dev.ferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry export LIBRARY --car FILE [--since REV]}: the library as a CARv1 archive, written atomically. */
@Command(name = "export", description = "Write a library (or what changed since a revision) to a CARv1 file.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "LIBRARY", description = "library id")
    String library;

    @Option(names = "--car", required = true, paramLabel = "FILE")
    Path file;

    @Option(names = "--since", defaultValue = "0", paramLabel = "REV")
    long since;

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn");
        String base = SyncClient.connect(options.load()).base();
        HttpResponse<InputStream> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(base + "/libraries/" + library + "/export?since=" + since)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            String body = new String(r.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            throw new dev.ferry.FerryException(dev.ferry.api.Json.MAPPER.readTree(body).path("error").asText(body));
        }
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
        try (InputStream in = r.body()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        System.out.println(target + "  " + Files.size(target) + " bytes");
        return 0;
    }
}
