package dev.ferry.protocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One library as announced in a handshake: its id, its monotonic revision, and the 32-byte digest of its
 * contents at that revision (equal digests mean nothing to sync). Immutable; the digest array is not copied.
 */
public record LibraryState(String id, long revision, byte[] digest) {

    public LibraryState {
        Check.text("library id", id, 1, Protocol.MAX_LIBRARY_ID);
        if (revision < 0) {
            throw new IllegalArgumentException("library " + id + " has negative revision " + revision);
        }
        if (digest == null || digest.length != Protocol.DIGEST_SIZE) {
            throw new IllegalArgumentException("library " + id + " digest must be " + Protocol.DIGEST_SIZE
                    + " bytes; got " + (digest == null ? "none" : digest.length));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LibraryState l && l.id.equals(id) && l.revision == revision
                && Arrays.equals(l.digest, digest);
    }

    @Override
    public int hashCode() {
        return (id.hashCode() * 31 + Long.hashCode(revision)) * 31 + Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "LibraryState[id=" + id + ", revision=" + revision + ", digest=" + HexFormat.of().formatHex(digest) + "]";
    }
}
