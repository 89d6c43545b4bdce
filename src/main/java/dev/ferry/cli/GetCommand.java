package dev.ferry.cli;

import dev.ferry.FerryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry get HASH -o FILE}: downloads an asset, verifying its SHA-256 before the file appears; the
 * bytes go to a temp file beside the target, are fsynced, and renamed into place only when they hash right.
 */
@Command(name = "get", description = "Download an asset's bytes to a file, verified by hash.")
final class GetCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "HASH")
    String hash;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE")
    Path output;

    @Override
    public Integer call() throws IOException {
        String h;
        try {
            h = dev.ferry.store.ContentHash.parse(hash);
        } catch (IllegalArgumentException e) {
            throw new FerryException("HASH: " + e.getMessage());
        }
        Path target = output.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".ferry-part");
        try (StoreClient c = client.connect()) {
            String actual = c.download("/assets/" + h + "/content", (response, body) -> save(body, tmp,
                    response.getEntity().getContentLength()));
            if (!actual.equals(h)) {
                throw new FerryException("downloaded bytes hash to " + actual + ", not " + h + "; nothing was written");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            System.out.println(h + "  " + output);
            return 0;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String save(InputStream body, Path tmp, long length) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Progress progress = new Progress(tmp.getFileName().toString(), Math.max(0, length));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
                OutputStream out = new DigestOutputStream(java.nio.channels.Channels.newOutputStream(ch), sha)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = body.read(buf)) > 0) {
                out.write(buf, 0, n);
                progress.advance(n);
            }
            out.flush();
            ch.force(true);
        }
        progress.finish();
        return HexFormat.of().formatHex(sha.digest());
    }
}
