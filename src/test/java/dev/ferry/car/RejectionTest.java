package dev.ferry.car;

import static dev.ferry.car.Archives.concat;
import static dev.ferry.car.Archives.digest;
import static dev.ferry.car.Archives.hex;
import static dev.ferry.car.Archives.section;
import static dev.ferry.car.Archives.varint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each way an archive can be wrong, and the problem the reader names for it. */
class RejectionTest {
    private static final byte[] A = bytes(1000, 1);
    private static final byte[] B = bytes(3000, 2);
    private static final CarIndex INDEX = new CarIndex("lib", "Library", 0, 9, List.of(
            entry(A, false), entry("gone".getBytes(StandardCharsets.UTF_8), true), entry(B, false)));
    private static final byte[] INDEX_BLOCK = Archives.encodeIndex(INDEX);
    private static final byte[] ARCHIVE = Archives.write(INDEX, Map.of(Archives.sha256(A), A, Archives.sha256(B), B));

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static CarEntry entry(byte[] data, boolean deleted) {
        return new CarEntry(Archives.sha256(data), data.length, "application/octet-stream", null, List.of("t"),
                null, null, 1, deleted);
    }

    /** Reads {@code archive} completely and returns the message it was rejected with. */
    private static String rejection(byte[] archive) {
        return rejection(archive, Car.DEFAULT_MAX_BLOCK_SIZE);
    }

    private static String rejection(byte[] archive, long maxBlockSize) {
        try {
            Archives.read(new ByteArrayInputStream(archive), maxBlockSize);
        } catch (CarFormatException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError("rejected with " + e + " instead of a CarFormatException", e);
        }
        return fail("accepted an archive that should be rejected: " + hex(Arrays.copyOf(archive, Math.min(200, archive.length))));
    }

    private static void assertRejected(String problem, byte[] archive) {
        String message = rejection(archive);
        assertTrue(message.startsWith(problem), "expected \"" + problem + "...\", got: " + message);
    }

    @Test
    void theSampleArchiveIsValid() throws Exception {
        assertEquals(INDEX, Archives.read(ARCHIVE).index());
    }

    @Test
    void blockWithWrongBytesIsRejected() {
        byte[] damaged = ARCHIVE.clone();
        damaged[damaged.length - 1500] ^= 0x40;   // inside B, the last block
        String message = rejection(damaged);
        assertTrue(message.startsWith("block CID does not match its bytes"), message);
        assertTrue(message.contains(INDEX.assets().get(2).cid().toString()), message);
    }

    @Test
    void indexBlockWithWrongBytesIsRejected() {
        byte[] damaged = ARCHIVE.clone();
        int at = indexOf(damaged, "Library".getBytes(StandardCharsets.UTF_8));
        damaged[at] = 'l';   // still a valid index, but not the one the root names
        assertRejected("block CID does not match its bytes", damaged);
        damaged[at - 1] = (byte) 0xff;   // now malformed CBOR as well: the damage is still what is reported
        assertRejected("block CID does not match its bytes", damaged);
    }

    @Test
    void oversizedBlockIsRejectedBeforeReading() {
        // the index promises a 1000-byte asset; its section announces 1 TiB and then the stream just ends
        CarIndex index = new CarIndex("lib", "Library", 0, 1, List.of(entry(A, false)));
        byte[] archive = concat(Archives.withIndexBlock(Archives.encodeIndex(index)),
                varint(Cid.BYTES + (1L << 40)), Cid.raw(digest(A)).bytes());
        String[] message = new String[1];
        long allocated = Allocation.measure(() -> message[0] = rejection(archive, 1 << 20));
        assertTrue(message[0].startsWith("block larger than limit: "), message[0]);
        assertTrue(message[0].contains("1099511627776 bytes, the limit is 1048576"), message[0]);
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes to refuse a 1 TiB block");

        // an index that promises an asset over the limit is refused before any block
        assertTrue(rejection(ARCHIVE, 2999).startsWith("block larger than limit: asset " + Archives.sha256(B)));
    }

    @Test
    void truncatedArchiveIsRejected() {
        for (int cut = 0; cut < ARCHIVE.length; cut++) {
            String message = rejection(Arrays.copyOf(ARCHIVE, cut));
            assertTrue(message.startsWith("truncated archive"), "cut at " + cut + ": " + message);
        }
        int betweenBlocks = ARCHIVE.length - section(Cid.raw(digest(B)), B).length;
        assertEquals("truncated archive: it ends after 1 of the 2 blocks its index lists; missing "
                + Cid.raw(digest(B)), rejection(Arrays.copyOf(ARCHIVE, betweenBlocks)));
    }

    @Test
    void badHeaderIsRejected() {
        String root = "d82a5825000171122" + "0" + hex(digest(INDEX_BLOCK));   // tag 42, bytes(37), 0x00, CID
        String roots = "65726f6f7473";
        String version = "6776657273696f6e";
        headerRejected("bad header: the header must be a map, not an array", "820102");
        headerRejected("bad header: version 2 (a CARv2 file); only CARv1 is supported", "a1" + version + "02");
        headerRejected("bad header: version 2 (a CARv2 file)", "a2" + roots + "81" + root + version + "02");
        headerRejected("bad header: no version", "a1" + roots + "81" + root);
        headerRejected("bad header: no roots", "a1" + version + "01");
        headerRejected("bad header: no roots", "a2" + roots + "80" + version + "01");
        headerRejected("bad header: 2 roots; a Ferry archive has exactly one", "a2" + roots + "82" + root + root + version + "01");
        headerRejected("bad header: the root bafkrei", "a2" + roots + "81" + "d82a582500015512" + "20"
                + hex(digest(INDEX_BLOCK)) + version + "01");
        headerRejected("bad header: root 0 is a byte string without tag 42", "a2" + roots + "81" + root.substring(4)
                + version + "01");
        headerRejected("bad header: root 0 is a CID link without the 0x00 multibase prefix",
                "a2" + roots + "81" + "d82a5824" + root.substring(10) + version + "01");
        headerRejected("bad header: version must be an integer, not a text string", "a2" + roots + "81" + root + version + "6131");
        headerRejected("bad header: the header has the key \"version\" twice", "a3" + roots + "81" + root + version + "01" + version + "01");
        headerRejected("bad header: unexpected an integer after the header map", "a2" + roots + "81" + root + version + "01" + "01");
        headerRejected("bad header: malformed CBOR", "a2" + roots + "81" + root + version + "ff");
        headerRejected("bad header: malformed CBOR", "a2" + roots + "81" + root + version);   // ends inside the map
        headerRejected("CID unsupported: codec 0x70", "a2" + roots + "81" + "d82a582500017012" + "20"
                + hex(digest(INDEX_BLOCK)) + version + "01");
        // a header key this version does not know is skipped
        byte[] unknown = Archives.hex("a3" + roots + "81" + root + version + "01" + "6a" + "66757475726564617461" + "a0");
        byte[] withUnknown = concat(Archives.header(unknown), Arrays.copyOfRange(ARCHIVE, 59, ARCHIVE.length));
        try {
            assertEquals(INDEX, Archives.read(withUnknown).index());
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        assertRejected("bad header: its length is 0", Archives.hex("00"));
        assertRejected("header too large: 1048577 bytes", varint(Car.MAX_HEADER_SIZE + 1));
        assertRejected("bad varint: the header's length is not minimally encoded", Archives.hex("ba00"));
        assertRejected("bad varint: the header's length is longer than 9 bytes", Archives.hex("ffffffffffffffffff01"));
        assertRejected("truncated archive: the stream is empty", new byte[0]);
    }

    private static void headerRejected(String problem, String headerHex) {
        byte[] header = Archives.hex(headerHex);
        assertRejected(problem, concat(Archives.header(header), section(Cid.dagCbor(digest(INDEX_BLOCK)), INDEX_BLOCK)));
    }

    @Test
    void rootNotMatchingFirstBlockIsRejected() {
        Cid other = Cid.dagCbor(digest(new byte[] {(byte) 0xa0}));
        byte[] archive = concat(Archives.header(HeaderCodec.encode(other)), section(Cid.dagCbor(digest(INDEX_BLOCK)), INDEX_BLOCK));
        assertRejected("root does not match the first block: the header's root is " + other, archive);
        archive = concat(Archives.header(HeaderCodec.encode(Cid.dagCbor(digest(A)))), section(Cid.raw(digest(A)), A));
        assertRejected("root does not match the first block", archive);
    }

    @Test
    void blocksOutOfIndexOrderAreRejected() {
        assertRejected("unexpected block: block 0 is " + Cid.raw(digest(B)),
                Archives.assemble(Cid.dagCbor(digest(INDEX_BLOCK)), INDEX_BLOCK, B, A));
        assertRejected("unexpected block: block 1 is " + Cid.raw(digest(A)),
                Archives.assemble(Cid.dagCbor(digest(INDEX_BLOCK)), INDEX_BLOCK, A, A, B));
    }

    @Test
    void bytesAfterTheLastBlockAreRejected() {
        assertRejected("unexpected block: the archive goes on after the last of the 2 blocks",
                concat(ARCHIVE, section(Cid.raw(digest(A)), A)));
        assertRejected("unexpected block", concat(ARCHIVE, new byte[] {0}));
    }

    @Test
    void blockLengthNotMatchingTheIndexIsRejected() {
        CarIndex index = new CarIndex("lib", "Library", 0, 1, List.of(entry(A, false)));
        byte[] archive = concat(Archives.withIndexBlock(Archives.encodeIndex(index)),
                varint(Cid.BYTES + A.length + 1), Cid.raw(digest(A)).bytes(), A, new byte[1]);
        assertRejected("bad block: " + Cid.raw(digest(A)) + " has 1001 bytes, but the index gives asset", archive);
        archive = concat(Archives.withIndexBlock(Archives.encodeIndex(index)), varint(10), Cid.raw(digest(A)).bytes());
        assertRejected("bad block: a section of 10 bytes cannot hold a CID (36 bytes)", archive);
    }

    @Test
    void unsupportedBlockCidIsRejected() {
        byte[] dagPb = Archives.hex("01701220" + Archives.sha256(A));
        assertRejected("CID unsupported: codec 0x70",
                concat(Archives.withIndexBlock(INDEX_BLOCK), varint(dagPb.length + A.length), dagPb, A));
        byte[] v0 = Archives.hex("1220" + Archives.sha256(A));
        assertRejected("CID unsupported: CIDv0",
                concat(Archives.withIndexBlock(INDEX_BLOCK), varint(v0.length + A.length), v0, A));
    }

    @Test
    void badIndexIsRejected() {
        String hashA = Archives.sha256(A);
        assertRejected("bad index: no \"since\"", Archives.withIndexBlock(Archives.hex("a0")));
        assertRejected("bad index: the index must be a map, not an array", Archives.withIndexBlock(Archives.hex("80")));
        assertRejected("bad index: unexpected a map after the index map", Archives.withIndexBlock(concat(INDEX_BLOCK,
                Archives.hex("a0")), A, B));
        assertRejected("bad index: malformed CBOR", Archives.withIndexBlock(Arrays.copyOf(INDEX_BLOCK, INDEX_BLOCK.length - 1)));
        // a live asset must link its block, a deleted one must not
        assertRejected("bad index: asset 0 (" + hashA + ") has cid null", Archives.withIndexBlock(
                replace(INDEX_BLOCK, "d82a582500" + "01551220" + hashA, "f6"), A, B));
        assertRejected("bad index: asset 1 (" + Archives.sha256("gone".getBytes(StandardCharsets.UTF_8)) + ") has cid bafkrei",
                Archives.withIndexBlock(replace(INDEX_BLOCK, "636964f6", "636964d82a582500" + "01551220" + hashA), A, B));
        // the link must be the hash's
        assertRejected("bad index: asset 0 (" + hashA + ") has cid " + Cid.raw(digest(B)), Archives.withIndexBlock(
                replace(INDEX_BLOCK, "01551220" + hashA, "01551220" + Archives.sha256(B)), A, B));
        // a required key missing: "size" renamed to "sizz", which is skipped as unknown
        assertRejected("bad index: asset 0 has no \"size\"", Archives.withIndexBlock(
                replace(INDEX_BLOCK, "6473697a65", "6473697a7a"), A, B));
        assertRejected("bad index: asset 0: size of asset " + hashA + " is negative", Archives.withIndexBlock(
                replace(INDEX_BLOCK, "6473697a65" + "1903e8", "6473697a65" + "3903e7"), A, B));
        assertRejected("bad index: asset 0 has the key \"hash\" twice", Archives.withIndexBlock(
                replace(INDEX_BLOCK, "6473697a65" + "1903e8", "6468617368" + "6161"), A, B));
        assertRejected("bad index: asset 0 hash has CBOR tag 1", Archives.withIndexBlock(
                replace(INDEX_BLOCK, "64686173687840", "6468617368" + "c1" + "7840"), A, B));
    }

    /** {@code bytes} with the first occurrence of {@code fromHex} replaced by {@code toHex}. */
    private static byte[] replace(byte[] bytes, String fromHex, String toHex) {
        String h = hex(bytes);
        int at = h.indexOf(fromHex);
        if (at < 0 || at % 2 != 0) {
            throw new AssertionError("no " + fromHex + " in the index");
        }
        return Archives.hex(h.substring(0, at) + toHex + h.substring(at + fromHex.length()));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
