package dev.ferry.folder;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How concurrent versions of one path are settled, identically on every peer: a change beats a delete; otherwise
 * the later modification time wins, then the greater peer id of the last modifier, then the greater vector, then
 * the greater content (type, block list hash, executable bits, link target). The
 * losing content survives as {@code NAME.sync-conflict-YYYYMMDD-HHMMSS-PEER.EXT}, named from the loser's own
 * modification time (UTC) and modifier, so every peer that holds the loser gives it the same name.
 */
final class Conflicts {
    static final String MARK = ".sync-conflict-";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private Conflicts() {}

    /** True if {@code remote} wins over the concurrent {@code local}. */
    static boolean remoteWins(FileEntry remote, FileEntry local) {
        if (remote.deleted() != local.deleted()) {
            return !remote.deleted();
        }
        if (remote.modifiedNs() != local.modifiedNs()) {
            return remote.modifiedNs() > local.modifiedNs();
        }
        int by = String.valueOf(remote.modifiedBy()).compareTo(String.valueOf(local.modifiedBy()));
        if (by != 0) {
            return by > 0;
        }
        int vectors = remote.version().toString().compareTo(local.version().toString());
        if (vectors != 0) {
            return vectors > 0;
        }
        // Equal vectors with different content (see order): the content decides, the same way on every peer.
        return contentKey(remote).compareTo(contentKey(local)) > 0;
    }

    /**
     * How {@code theirs} relates to {@code mine}: their version vectors' order, except that equal vectors over
     * different content count as concurrent. That happens when two peers make a conflict copy of the same name
     * (same loser's modifier and second) from different losing contents, each starting the copy's vector afresh;
     * treated as equal, the two copies would never converge.
     */
    static VersionVector.Order order(FileEntry theirs, FileEntry mine) {
        VersionVector.Order o = theirs.version().compare(mine.version());
        return o == VersionVector.Order.EQUAL && !theirs.sameContent(mine) ? VersionVector.Order.CONCURRENT : o;
    }

    private static String contentKey(FileEntry e) {
        return e.type() + ":" + (e.blocksHash() == null ? "" : java.util.HexFormat.of().formatHex(e.blocksHash())) + ":"
                + (e.mode() & 0111) + ":" + e.target();
    }

    /** The name the losing version of {@code path} takes. */
    static String copyName(String path, FileEntry loser) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        String stem = path;
        String ext = "";
        if (dot > slash + 1) {
            stem = path.substring(0, dot);
            ext = path.substring(dot);
        }
        String peer = loser.modifiedBy() == null ? "unknown" : loser.modifiedBy().substring(0, Math.min(7, loser.modifiedBy().length()));
        return stem + MARK + STAMP.format(Instant.ofEpochSecond(0, loser.modifiedNs())) + "-" + peer + ext;
    }
}
