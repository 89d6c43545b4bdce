package dev.ferry.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token of a node's HTTP APIs: 256 random bits, created on first start in
 * {@code <data_dir>/api-token} readable by the owner only, and read from there by the CLI.
 */
public final class ApiToken {
    public static final String FILE_NAME = "api-token";
    private final String value;

    private ApiToken(String value) {
        this.value = value;
    }

    /** Loads the token from {@code dataDir}, creating it (owner-only) on first use. */
    public static ApiToken loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return new ApiToken(Files.readString(file, StandardCharsets.UTF_8).trim());
        }
        Files.createDirectories(dataDir);
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new ApiToken(token);
    }

    /** Reads an existing token, or returns null when the daemon has not created one yet. */
    public static String read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
    }

    /** Constant-time comparison, so response timing does not leak the token. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }
}
