package dev.ferry.folder;

import dev.ferry.chunk.Chunk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The blocks of a file's content, in order: each a size and the SHA-256 of its bytes, with FastCDC boundaries
 * (docs/protocol.md, "Blocks"). Its wire and database form is 36 bytes per block (size as a 4-byte big-endian
 * integer, then the 32-byte hash); the SHA-256 of that form is the content's identity, {@code blocks_hash}.
 * Immutable.
 */
public final class BlockList {
    public static final int RECORD = 36;
    private final byte[] encoded;

    private BlockList(byte[] encoded) {
        this.encoded = encoded;
    }

    public static BlockList of(List<Chunk> chunks) {
        ByteBuffer b = ByteBuffer.allocate(chunks.size() * RECORD);
        for (Chunk c : chunks) {
            b.putInt(c.length()).put(c.sha256());
        }
        return new BlockList(b.array());
    }

    /** Parses the wire form, refusing a length that is not a whole number of records or an impossible size. */
    public static BlockList decode(byte[] encoded) throws IOException {
        if (encoded.length % RECORD != 0) {
            throw new IOException("a block list is a multiple of " + RECORD + " bytes, not " + encoded.length);
        }
        ByteBuffer b = ByteBuffer.wrap(encoded);
        for (int i = 0; i < encoded.length / RECORD; i++) {
            int size = b.getInt(i * RECORD);
            if (size <= 0 || size > dev.ferry.chunk.FastCdc.PROTOCOL_MAX) {
                throw new IOException("block " + i + " has an impossible size " + size);
            }
        }
        return new BlockList(encoded.clone());
    }

    public static BlockList empty() {
        return new BlockList(new byte[0]);
    }

    public byte[] encoded() {
        return encoded.clone();
    }

    public int count() {
        return encoded.length / RECORD;
    }

    public int size(int i) {
        return ByteBuffer.wrap(encoded).getInt(i * RECORD);
    }

    public byte[] hash(int i) {
        byte[] h = new byte[32];
        System.arraycopy(encoded, i * RECORD + 4, h, 0, 32);
        return h;
    }

    /** The blocks with their offsets in the file. */
    public List<Block> blocks() {
        List<Block> out = new ArrayList<>(count());
        long offset = 0;
        for (int i = 0; i < count(); i++) {
            int s = size(i);
            out.add(new Block(offset, s, hash(i)));
            offset += s;
        }
        return Collections.unmodifiableList(out);
    }

    public long totalSize() {
        long t = 0;
        for (int i = 0; i < count(); i++) {
            t += size(i);
        }
        return t;
    }

    /** The content identity: SHA-256 of the encoded list. */
    public byte[] identity() {
        return sha256().digest(encoded);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One block at its offset. */
    public record Block(long offset, int size, byte[] hash) {
        /** The first 8 bytes of the hash as a number: the database's key for finding a block locally. */
        public long key() {
            return ByteBuffer.wrap(hash).getLong();
        }
    }

    /** Accumulates chunks as a scan produces them. */
    static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void add(Chunk c) {
            out.write(c.length() >>> 24);
            out.write(c.length() >>> 16);
            out.write(c.length() >>> 8);
            out.write(c.length());
            out.writeBytes(c.sha256());
        }

        BlockList build() {
            return new BlockList(out.toByteArray());
        }
    }
}
