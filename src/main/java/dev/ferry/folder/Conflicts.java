package dev.ferry.folder;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How concurrent versions of one path are settled, identically on every peer: a change beats a delete; otherwise
 * the later modification time wins, then the greater peer id of the last modifier, then the greater vector. The
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
        return remote.version().toString().compareTo(local.version().toString()) > 0;
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
