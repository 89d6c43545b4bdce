package dev.ferry.folder;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.Arrays;

/**
 * One path of a folder library as peers exchange it (docs/protocol.md, "Folder libraries"): what the path holds
 * ({@code type} file, dir or symlink, or nothing when {@code deleted}), its size, modification time in nanoseconds,
 * permission bits, symlink target, the identity of its content ({@code blocksHash}, the SHA-256 of its block list,
 * see {@link BlockList}), its version vector, the revision of the sender's index at which it last changed, and
 * which peer made that change. Immutable.
 */
public record FileEntry(String path, String type, long size, long modifiedNs, int mode, String target,
        byte[] blocksHash, int blockCount, VersionVector version, boolean deleted, long rev, String modifiedBy) {
    public static final String FILE = "file";
    public static final String DIR = "dir";
    public static final String SYMLINK = "symlink";

    public FileEntry {
        version = version == null ? VersionVector.EMPTY : version;
    }

    @JsonIgnore
    public boolean isFile() {
        return FILE.equals(type);
    }

    @JsonIgnore
    public boolean isDir() {
        return DIR.equals(type);
    }

    @JsonIgnore
    public boolean isSymlink() {
        return SYMLINK.equals(type);
    }

    @JsonIgnore
    public boolean live() {
        return !deleted;
    }

    public FileEntry withRev(long r) {
        return new FileEntry(path, type, size, modifiedNs, mode, target, blocksHash, blockCount, version, deleted, r, modifiedBy);
    }

    public FileEntry withVersion(VersionVector v) {
        return new FileEntry(path, type, size, modifiedNs, mode, target, blocksHash, blockCount, v, deleted, rev, modifiedBy);
    }

    public FileEntry withPath(String p) {
        return new FileEntry(p, type, size, modifiedNs, mode, target, blocksHash, blockCount, version, deleted, rev, modifiedBy);
    }

    /** A tombstone of this entry at {@code v}, made by {@code by}. */
    public FileEntry asDeleted(VersionVector v, String by) {
        return new FileEntry(path, type, 0, modifiedNs, mode, null, null, 0, v, true, rev, by);
    }

    /** Same content and kind (what a person would call "the same file"), ignoring versions and times. */
    public boolean sameContent(FileEntry o) {
        if (o == null || deleted != o.deleted) {
            return false;
        }
        if (deleted) {
            return true;
        }
        return type.equals(o.type) && size == o.size && Arrays.equals(blocksHash, o.blocksHash)
                && java.util.Objects.equals(target, o.target) && (mode & 0111) == (o.mode & 0111);
    }

    @JsonIgnore
    public Instant modifiedAt() {
        return Instant.ofEpochSecond(0, modifiedNs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileEntry e && path.equals(e.path) && type.equals(e.type) && size == e.size
                && modifiedNs == e.modifiedNs && mode == e.mode && java.util.Objects.equals(target, e.target)
                && Arrays.equals(blocksHash, e.blocksHash) && blockCount == e.blockCount && version.equals(e.version)
                && deleted == e.deleted && rev == e.rev && java.util.Objects.equals(modifiedBy, e.modifiedBy);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + version.hashCode();
    }

    @Override
    public String toString() {
        return (deleted ? "deleted " : "") + type + " " + path + " " + size + "B v" + version + " r" + rev;
    }
}
