package dev.ferry.car;

import java.util.List;

/**
 * One asset in an archive's index: its metadata, and whether it is live (its bytes follow as a raw block whose
 * CID is {@code Cid.raw(hash)}) or a tombstone ({@code deleted}, no block). {@code hash} is the SHA-256 of the
 * bytes as 64 hex digits (stored lowercase); times are milliseconds since the epoch. Nullable:
 * {@code application}, {@code user}, {@code fileName}. Immutable; {@code tags} is copied.
 */
public record CarEntry(
        String hash,
        long size,
        String mimeType,
        String application,
        List<String> tags,
        String user,
        String fileName,
        long createdAt,
        boolean deleted) {

    public CarEntry {
        hash = Cid.hex("asset hash", hash);
        Check.nonNegative("size of asset " + hash, size);
        Check.text("MIME type of asset " + hash, mimeType);
        Check.nullableText("application of asset " + hash, application);
        tags = Check.texts("tags of asset " + hash, tags);
        Check.nullableText("user of asset " + hash, user);
        Check.nullableText("file name of asset " + hash, fileName);
    }

    /** The CID of this asset's raw block: the same SHA-256 as {@link #hash()}. */
    public Cid cid() {
        return new Cid(Cid.RAW, hash);
    }
}
