package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry ingest FILE...}: uploads files (directories recursively) to the running daemon's store. */
@Command(name = "ingest", description = "Add files to the store; prints HASH  PATH per file.")
final class IngestCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "files or directories (walked recursively)")
    List<Path> files;

    @Option(names = "--mime", paramLabel = "TYPE", description = "MIME type (default: guessed from the file name)")
    String mime;

    @Option(names = "--app", paramLabel = "NAME", description = "application tag")
    String application;

    @Option(names = "--tag", paramLabel = "TAG", description = "tag; repeat for several")
    List<String> tags = new ArrayList<>();

    @Option(names = "--user", paramLabel = "ID", description = "user identity")
    String user;

    @Option(names = {"-j", "--jobs"}, defaultValue = "4", description = "uploads in flight at once (default ${DEFAULT-VALUE})")
    int jobs;

    @Override
    public Integer call() throws Exception {
        List<Path> all = expand(files);
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<dev.ferry.FerryException> fatal = new java.util.concurrent.atomic.AtomicReference<>();
        // Several uploads in flight: while one waits for its fsync on the daemon, the next is already streaming.
        int parallel = Math.max(1, Math.min(jobs, all.size()));
        try (StoreClient c = client.connect(parallel);
                var pool = java.util.concurrent.Executors.newFixedThreadPool(parallel)) {
            for (Path f : all) {
                pool.execute(() -> {
                    if (fatal.get() != null) {
                        return;
                    }
                    try {
                        JsonNode a = c.postMultipart("/ingest", entity(f));
                        synchronized (System.out) {
                            System.out.println(a.path("hash").asText() + "  " + f
                                    + (a.path("duplicate").asBoolean() ? "  (already stored)" : ""));
                        }
                    } catch (dev.ferry.FerryException e) {
                        if (e.getMessage().startsWith("no Ferry daemon")) {
                            fatal.compareAndSet(null, e);
                            return;
                        }
                        System.err.println("ferry: " + f + ": " + e.getMessage());
                        failed.incrementAndGet();
                    } catch (IOException e) {
                        System.err.println("ferry: " + f + ": " + e.getMessage());
                        failed.incrementAndGet();
                    }
                });
            }
        }
        if (fatal.get() != null) {
            throw fatal.get();
        }
        return failed.get() == 0 ? 0 : 1;
    }

    private static List<Path> expand(List<Path> args) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new dev.ferry.FerryException(p + ": no such file or directory");
            }
        }
        return out;
    }

    private HttpEntity entity(Path f) throws IOException {
        String type = mime != null ? mime : guessMime(f);
        MultipartEntityBuilder b = MultipartEntityBuilder.create()
                .addBinaryBody("file", f.toFile(), ContentType.APPLICATION_OCTET_STREAM, f.getFileName().toString())
                .addTextBody("mime_type", type);
        if (application != null) {
            b.addTextBody("application", application);
        }
        if (!tags.isEmpty()) {
            b.addTextBody("tags", String.join(",", tags));
        }
        if (user != null) {
            b.addTextBody("user", user);
        }
        Progress progress = new Progress(f.getFileName().toString(), Files.size(f));
        return new HttpEntityWrapper(b.build()) {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                super.writeTo(new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] buf, int off, int len) throws IOException {
                        out.write(buf, off, len);
                        progress.advance(len);
                    }
                });
                progress.finish();
            }
        };
    }

    static String guessMime(Path f) {
        try {
            String t = Files.probeContentType(f);
            if (t != null) {
                return t;
            }
        } catch (IOException ignored) {
            // fall through to the default
        }
        String t = java.net.URLConnection.guessContentTypeFromName(f.getFileName().toString());
        return t != null ? t : "application/octet-stream";
    }
}
