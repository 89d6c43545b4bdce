package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry import FILE}: stores the assets of a CARv1 archive, each verified against its CID. */
@Command(name = "import", description = "Import the assets of a CARv1 file into the store.")
final class ImportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws IOException {
        Logging.configure("warn");
        JsonNode d = SyncClient.connect(options.load()).postFile("/import", file);
        System.out.printf("%s: %d added, %d already present (library %s, revision %d)%n", file, d.path("added").asInt(),
                d.path("already_present").asInt(), d.path("library_id").asText(), d.path("revision").asLong());
        return 0;
    }
}
