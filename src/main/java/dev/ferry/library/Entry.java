package dev.ferry.library;

import java.util.List;

/**
 * One asset in a library's index, as exchanged between peers: its metadata and whether it is deleted, when that
 * state arose ({@code changedAt}, ms since the epoch, which decides between a delete and a re-ingest that crossed
 * each other), and the revision (of the sender's index) at which it last changed. Immutable.
 */
public record Entry(String hash, long size, String mimeType, String application, List<String> tags, String user,
        String fileName, long createdAt, boolean deleted, long changedAt, long rev) {

    public Entry {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    public Entry withChangedAt(long at) {
        return new Entry(hash, size, mimeType, application, tags, user, fileName, createdAt, deleted, at, rev);
    }

    public Entry withRev(long newRev) {
        return new Entry(hash, size, mimeType, application, tags, user, fileName, createdAt, deleted, changedAt, newRev);
    }

    /** Same asset state, ignoring revisions. */
    public boolean sameState(Entry o) {
        return o != null && hash.equals(o.hash) && deleted == o.deleted && size == o.size
                && java.util.Objects.equals(mimeType, o.mimeType) && java.util.Objects.equals(application, o.application)
                && tags.equals(o.tags) && java.util.Objects.equals(user, o.user)
                && java.util.Objects.equals(fileName, o.fileName) && createdAt == o.createdAt;
    }
}
