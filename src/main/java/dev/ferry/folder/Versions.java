package dev.ferry.folder;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder's version store, {@code .ferry/versions/}: a file that a peer's change replaces or deletes is first
 * moved here as {@code PATH~YYYYMMDD-HHMMSS[.EXT]} (UTC, the time it was replaced), kept for a configurable time,
 * and can be listed and restored. Moving, not copying, keeps replacing a large file cheap.
 */
final class Versions {
    private static final Logger log = LoggerFactory.getLogger(Versions.class);
    static final String DIR = ".ferry/versions";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Folder folder;
    private final Duration keep;

    Versions(Folder folder, Duration keep) {
        this.folder = folder;
        this.keep = keep;
    }

    /** Where the current file at {@code rel} goes when it is replaced now (not yet moved). */
    String placeFor(String rel, Instant now) {
        String name = rel;
        String ext = "";
        int slash = rel.lastIndexOf('/');
        int dot = rel.lastIndexOf('.');
        if (dot > slash + 1) {
            name = rel.substring(0, dot);
            ext = rel.substring(dot);
        }
        String base = DIR + "/" + name + "~" + STAMP.format(now);
        String candidate = base + ext;
        for (int i = 1; Files.exists(folder.root().resolve(candidate), java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
            candidate = base + "-" + i + ext;
        }
        return candidate;
    }

    /** Moves what is at {@code rel} to {@code place} (from {@link #placeFor}); returns where it went (null: a link, deleted). */
    Path moveAside(String rel, String place) throws IOException {
        Path source = folder.root().resolve(rel);
        if (Files.isSymbolicLink(source)) {
            // A link holds no content worth keeping, and a kept link could later lead a move out of the root.
            Files.delete(source);
            return null;
        }
        Path target = folder.root().resolve(place);
        Files.createDirectories(target.getParent());
        Files.move(folder.root().resolve(rel), target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    List<KeptVersion> list() throws IOException {
        Path dir = folder.root().resolve(DIR);
        List<KeptVersion> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String version = dir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
                String path = originalPath(version);
                if (path != null) {
                    out.add(new KeptVersion(path, version, stampOf(version), attrs.size()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        out.sort(Comparator.comparing(KeptVersion::path).thenComparing(KeptVersion::at));
        return out;
    }

    /**
     * The file at a path the index recorded, which is either a library path (checked as {@link PathRules#resolveSafely}
     * does) or one in the version store ({@code .ferry/versions/...}, which library paths may never name): a
     * block or a whole kept version can be read from either, and from nowhere else.
     */
    static Path resolveIndexed(Path root, String indexed) throws IOException {
        if (indexed.startsWith(DIR + "/")) {
            String inside = indexed.substring(DIR.length() + 1);
            if (dev.ferry.scan.PathRules.problem(inside) != null) {
                throw new IllegalArgumentException("refusing version store path '" + indexed + "'");
            }
            return root.resolve(DIR).resolve(inside);
        }
        return dev.ferry.scan.PathRules.resolveSafely(root, indexed);
    }

    /** {@code dir/name~20260101-120000.txt} → {@code dir/name.txt}; null if the name does not have that form. */
    static String originalPath(String version) {
        int tilde = version.lastIndexOf('~');
        if (tilde < 0 || version.length() < tilde + 16) {
            return null;
        }
        String rest = version.substring(tilde + 16); // after ~YYYYMMDD-HHMMSS
        int dot = rest.indexOf('.');
        String ext = dot < 0 ? "" : rest.substring(dot);
        return version.substring(0, tilde) + ext;
    }

    static long stampOf(String version) {
        int tilde = version.lastIndexOf('~');
        try {
            return Instant.from(STAMP.parse(version.substring(tilde + 1, tilde + 16))).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * Copies a kept version back to its path (the copy is written to a temp file and renamed into place); the
     * scanner then sees it as a local change, which syncs to members like any edit. The current file, if any, is
     * itself moved into the store first.
     */
    String restore(String version) throws IOException {
        String path = originalPath(version);
        if (path == null || version.contains("..") || version.startsWith("/")) {
            throw new IllegalArgumentException("not a version name: " + version);
        }
        Path source = folder.root().resolve(DIR).resolve(version).normalize();
        if (!source.startsWith(folder.root().resolve(DIR)) || !Files.isRegularFile(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NoSuchFileException("no kept version " + version);
        }
        Path target = dev.ferry.scan.PathRules.resolveSafely(folder.root(), path);
        Path tmp = target.resolveSibling(".ferry-tmp-restore-" + target.getFileName());
        Files.createDirectories(target.getParent());
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        folder.withApplyLock(() -> {
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                moveAside(path, placeFor(path, Instant.now()));
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.from(Instant.now()));
            return null;
        });
        folder.changed(path);
        return path;
    }

    /** Deletes versions older than the keep time. */
    void cleanup() {
        long limit = System.currentTimeMillis() - keep.toMillis();
        try {
            for (KeptVersion v : list()) {
                if (v.at() > 0 && v.at() < limit) {
                    Files.deleteIfExists(folder.root().resolve(DIR).resolve(v.version()));
                    folder.index().dropBlocks(DIR + "/" + v.version());
                }
            }
        } catch (IOException e) {
            log.warn("folder {}: cleaning the version store: {}", folder.id(), e.getMessage());
        }
    }
}
