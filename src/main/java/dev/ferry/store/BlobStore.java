package dev.ferry.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The blob files: {@code blobs/ab/abcdef...} (two-hex-digit fan-out keeps directories small) and a
 * {@code tmp/} directory for uploads in flight, emptied at every start because anything there is the
 * remnant of a crash. Moves into place are atomic renames followed by an fsync of the directory.
 * Thread-safe; the caller serialises moves and deletes of the same hash, and those of different hashes may run at once.
 */
final class BlobStore {
    private final Path blobs;
    private final Path tmp;
    /** Fan-out directories whose entry in {@code blobs/} this process has made durable (at most 256). */
    private final java.util.Set<Path> durableDirs = java.util.concurrent.ConcurrentHashMap.newKeySet();

    BlobStore(Path root) throws IOException {
        this.blobs = Files.createDirectories(root.resolve("blobs"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
    }

    /** Deletes what crashed uploads left in {@code tmp/}; returns how many files it removed. */
    int cleanTemp() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                n++;
            }
        }
        return n;
    }

    BlobWriter newWriter(long limit) throws IOException {
        return new BlobWriter(tmp.resolve("upload-" + UUID.randomUUID() + ".part"), limit);
    }

    Path path(String hash) {
        return blobs.resolve(hash.substring(0, 2)).resolve(hash);
    }

    boolean exists(String hash) {
        return Files.isRegularFile(path(hash));
    }

    /** Moves a finished temp file into place under its hash, or drops it when the blob is already there. */
    void install(Path temp, String hash) throws IOException {
        Path target = path(hash);
        if (Files.isRegularFile(target)) {
            Files.deleteIfExists(temp);
            return;
        }
        Path dir = target.getParent();
        ensureDirectory(dir);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("blob directory " + blobs + " and temp directory " + tmp + " must be on one file system", e);
        }
        try {
            fsyncDirectory(dir);
        } catch (UncheckedIOException e) {
            // Not known to be durable, so not left in place: a retry would find it there and trust it. The upload
            // fails and its bytes go; the client or the fetcher sends them again.
            Files.deleteIfExists(target);
            throw e.getCause();
        }
    }

    /**
     * Creates a fan-out directory durably (its entry in {@code blobs/} fsynced) before any blob goes in, once per
     * directory and process. Under this store's monitor: blobs of different hashes are installed at once, and another
     * install must not see a new directory, put its blob there and report it stored before the directory's own entry
     * is on disk.
     */
    private void ensureDirectory(Path dir) throws IOException {
        if (durableDirs.contains(dir)) {
            return;
        }
        synchronized (this) {
            if (!durableDirs.contains(dir)) {
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir); // only then: on an existing directory it fails and recovers
                }
                // Also for a directory that exists: it may be one a failed fsync, or a crash, left behind.
                fsyncDirectory(blobs);
                durableDirs.add(dir);
            }
        }
    }

    void delete(String hash) throws IOException {
        Path p = path(hash);
        if (Files.deleteIfExists(p)) {
            fsyncDirectory(p.getParent());
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fsync directory " + dir, e);
        }
    }
}
