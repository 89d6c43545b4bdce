package dev.ferry.library;

/** An invite this node issued: its secret stays here; {@code expiresAt} null means it never expires. */
public record Invite(String id, String libraryId, byte[] secret, long createdAt, Long expiresAt, boolean revoked) {
    public boolean usableAt(long now) {
        return !revoked && (expiresAt == null || now < expiresAt);
    }
}
