package dev.ferry.folder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one lstat says about a path: its kind, size, modification time in nanoseconds, permission bits and file key
 * (inode). Read with one {@code unix:} attribute call that never follows links. Immutable.
 */
record DiskState(String type, long size, long modifiedNs, int mode, long inode) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;

    /** The state of {@code p}, or null if nothing is there; a special file (fifo, socket, device) has type null. */
    static DiskState of(Path p) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:mode,ino,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        int mode = (Integer) a.get("mode");
        String type = switch (mode & S_IFMT) {
            case S_IFDIR -> FileEntry.DIR;
            case S_IFLNK -> FileEntry.SYMLINK;
            case S_IFREG -> FileEntry.FILE;
            default -> null;
        };
        long ns = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
        return new DiskState(type, (Long) a.get("size"), ns, mode & 07777, (Long) a.get("ino"));
    }

    /**
     * Modification times are taken from a coarse clock (a few ms per tick), so a file rewritten with the same size
     * within one tick of being recorded would look unchanged; a record made less than this long after the file's
     * time is not trusted (git calls this "racy"), and the file is read once more.
     */
    static final long RACY_NS = 30_000_000L;

    /** True if the index's record of a file still describes what is on disk, so its content need not be read. */
    boolean unchangedFrom(FolderIndex.Local l) {
        if (l == null) {
            return false;
        }
        FileEntry e = l.entry();
        return unchangedFrom(new FolderIndex.Stat(e.path(), e.type(), e.size(), e.modifiedNs(), e.mode(), e.deleted(), l.inode(),
                l.recordedNs()));
    }

    boolean unchangedFrom(FolderIndex.Stat s) {
        return s != null && !s.deleted() && type != null && type.equals(s.type()) && size == s.size() && modifiedNs == s.modifiedNs()
                && inode == s.inode() && (mode & 0111) == (s.mode() & 0111) && s.recordedNs() - modifiedNs > RACY_NS;
    }
}
