package dev.ferry.car;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded sample libraries, and helpers to write, read and hand-assemble archives. Not thread-safe. */
final class Archives {
    private static final int[] ALPHABET_STARTS = {'a', 'A', '0', 0xe0, 0x4e00, 0x1f600, 0x0410};

    private Archives() {}

    /** An index and the bytes of each live asset, by hash. */
    record Library(CarIndex index, Map<String, byte[]> bytes) {
        byte[] write() {
            return Archives.write(index, bytes);
        }
    }

    /** A random library of {@code count} assets of 0 to {@code maxSize} bytes, about one in five deleted. */
    static Library library(Random r, int count, int maxSize) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        List<CarEntry> entries = new ArrayList<>();
        while (entries.size() < count) {
            int size = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(Math.min(maxSize, 16) + 1);
                case 1 -> maxSize;
                default -> r.nextInt(maxSize + 1);
            };
            byte[] data = new byte[size];
            r.nextBytes(data);
            String hash = sha256(data);
            if (bytes.containsKey(hash) || entries.stream().anyMatch(e -> e.hash().equals(hash))) {
                continue;   // equal sizes of 0 or 1 byte can collide; an index lists a hash once
            }
            boolean deleted = r.nextInt(5) == 0;
            entries.add(new CarEntry(hash, size, r.nextBoolean() ? "image/jpeg" : text(r, 1, 40),
                    r.nextBoolean() ? null : text(r, 0, 20), tags(r), r.nextBoolean() ? null : text(r, 0, 12),
                    r.nextBoolean() ? null : text(r, 0, 60), r.nextLong(), deleted));
            if (!deleted) {
                bytes.put(hash, data);
            }
        }
        CarIndex index = new CarIndex(text(r, 1, 36), text(r, 0, 30), r.nextInt(3) == 0 ? 0 : r.nextLong() >>> 2,
                r.nextLong() >>> 1, entries);
        return new Library(index, bytes);
    }

    static List<String> tags(Random r) {
        List<String> tags = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            tags.add(text(r, 0, 16));
        }
        return tags;
    }

    /** Random well-formed text of {@code min} to {@code max} code points, from several scripts and emoji. */
    static String text(Random r, int min, int max) {
        StringBuilder sb = new StringBuilder();
        int n = min + r.nextInt(max - min + 1);
        int start = ALPHABET_STARTS[r.nextInt(ALPHABET_STARTS.length)];
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(start + r.nextInt(26));
        }
        return sb.toString();
    }

    static byte[] write(CarIndex index, Map<String, byte[]> bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CarWriter w = new CarWriter(out)) {
            w.writeIndex(index);
            for (CarEntry e : index.live()) {
                w.writeBlock(e.hash(), e.size(), new ByteArrayInputStream(bytes.get(e.hash())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads a whole archive: its index, and each block's bytes by hash (in archive order). */
    static Library read(InputStream in, long maxBlockSize) throws IOException {
        try (CarReader reader = new CarReader(in, maxBlockSize)) {
            CarIndex index = reader.readIndex();
            Map<String, byte[]> bytes = new LinkedHashMap<>();
            for (CarReader.Block b; (b = reader.next()) != null; ) {
                bytes.put(b.cid().hash(), b.data().readAllBytes());
            }
            return new Library(index, bytes);
        }
    }

    static Library read(byte[] archive) throws IOException {
        return read(new ByteArrayInputStream(archive), Car.DEFAULT_MAX_BLOCK_SIZE);
    }

    /** The SHA-256 of {@code data}. */
    static byte[] digest(byte[] data) {
        MessageDigest d = Sha256.newDigest();
        return d.digest(data);
    }

    /** The SHA-256 of {@code data} as hex: a Ferry asset hash. */
    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(digest(data));
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Varint.write(out, v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Concatenation. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A length-prefixed section: varint(length of CID and data), the CID, the data. */
    static byte[] section(Cid cid, byte[] data) {
        byte[] c = cid.bytes();
        return concat(varint(c.length + data.length), c, data);
    }

    /** A length-prefixed header around arbitrary CBOR bytes. */
    static byte[] header(byte[] cbor) {
        return concat(varint(cbor.length), cbor);
    }

    /** An archive assembled by hand: a header for {@code root}, the index block, then raw blocks. */
    static byte[] assemble(Cid root, byte[] indexBlock, byte[]... blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(HeaderCodec.encode(root)));
        out.writeBytes(section(root, indexBlock));
        for (byte[] b : blocks) {
            out.writeBytes(section(Cid.raw(digest(b)), b));
        }
        return out.toByteArray();
    }

    static byte[] encodeIndex(CarIndex index) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            IndexCodec.write(index, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An archive whose index block is {@code indexBlock} (any bytes) with a root that matches it. */
    static byte[] withIndexBlock(byte[] indexBlock, byte[]... blocks) {
        return assemble(Cid.dagCbor(digest(indexBlock)), indexBlock, blocks);
    }

    /** An output stream that records whether it was closed. */
    static final class Recording extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean closed;
        int flushes;

        @Override
        public void write(int b) {
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
