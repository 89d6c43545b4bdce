package dev.ferry.car;

import static dev.ferry.car.Archives.digest;
import static dev.ferry.car.Archives.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bytes Ferry writes, against hand-computed encodings and the DAG-CBOR rules. */
class FormatTest {
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    /** The header for one dag-cbor root whose digest is {@code digestHex}, byte by byte. */
    private static String expectedHeader(String digestHex) {
        return "3a"                         // varint: 58 bytes of header follow
                + "a2"                      // map(2)
                + "65" + "726f6f7473"       // "roots" (5 bytes, so it sorts before "version")
                + "81"                      // array(1)
                + "d82a"                    // tag(42)
                + "5825"                    // bytes(37)
                + "00"                      // multibase identity prefix
                + "01" + "71" + "12" + "20" // CIDv1, dag-cbor, sha2-256, 32 bytes
                + digestHex
                + "67" + "76657273696f6e"   // "version"
                + "01";                     // 1
    }

    @Test
    void headerIsDeterministicDagCbor() {
        Cid root = Cid.dagCbor(digest(new byte[0]));
        byte[] header = HeaderCodec.encode(root);
        assertEquals(expectedHeader(EMPTY_SHA256), hex(Archives.header(header)));
        DagCborCheck.check(header);

        Archives.Library library = Archives.library(new Random(1), 3, 100);
        byte[] archive = library.write();
        byte[] index = Archives.encodeIndex(library.index());
        String written = hex(archive).substring(0, 2 * 59);
        assertEquals(expectedHeader(hex(digest(index))), written);
    }

    @Test
    void indexBlockIsDeterministicDagCbor() {
        CarIndex index = new CarIndex("lib", "Photos", 0, 7, List.of(
                new CarEntry(EMPTY_SHA256, 0, "text/plain", null, List.of("a"), null, "e.txt", 1_700_000_000_000L, false),
                new CarEntry(ABC_SHA256, 3, "text/plain", "app", List.of(), "u", null, 24, true)));
        String expected = "a4"                                          // map(4), keys by length then bytes
                + "65" + "73696e6365" + "00"                            // "since": 0
                + "66" + "617373657473" + "82"                          // "assets": array(2)
                // live asset: map(10)
                + "aa"
                + "63" + "636964"                                       // "cid":
                + "d82a" + "5825" + "00" + "01551220" + EMPTY_SHA256    //   tag 42, bytes(37): 0x00, CIDv1 raw
                + "64" + "68617368" + "7840" + ascii(EMPTY_SHA256)      // "hash": text(64)
                + "64" + "73697a65" + "00"                              // "size": 0
                + "64" + "74616773" + "81" + "6161"                     // "tags": ["a"]
                + "64" + "75736572" + "f6"                              // "user": null
                + "67" + "64656c65746564" + "f4"                        // "deleted": false
                + "69" + "66696c655f6e616d65" + "65" + "652e747874"     // "file_name": "e.txt"
                + "69" + "6d696d655f74797065" + "6a" + "746578742f706c61696e"   // "mime_type": "text/plain"
                + "6a" + "637265617465645f6174" + "1b0000018bcfe56800"  // "created_at": 1700000000000
                + "6b" + "6170706c69636174696f6e" + "f6"                // "application": null
                // deleted asset: no link
                + "aa"
                + "63" + "636964" + "f6"                                // "cid": null
                + "64" + "68617368" + "7840" + ascii(ABC_SHA256)
                + "64" + "73697a65" + "03"
                + "64" + "74616773" + "80"                              // "tags": []
                + "64" + "75736572" + "6175"                            // "user": "u"
                + "67" + "64656c65746564" + "f5"                        // "deleted": true
                + "69" + "66696c655f6e616d65" + "f6"
                + "69" + "6d696d655f74797065" + "6a" + "746578742f706c61696e"
                + "6a" + "637265617465645f6174" + "1818"                // "created_at": 24, one extra byte
                + "6b" + "6170706c69636174696f6e" + "63" + "617070"     // "application": "app"
                + "67" + "6c696272617279"                               // "library":
                + "a2" + "62" + "6964" + "63" + "6c6962"                //   {"id": "lib",
                + "64" + "6e616d65" + "66" + "50686f746f73"             //    "name": "Photos"}
                + "68" + "7265766973696f6e" + "07";                     // "revision": 7
        byte[] block = Archives.encodeIndex(index);
        assertEquals(expected, hex(block));
        DagCborCheck.check(block);

        byte[] archive = Archives.write(index, Map.of(EMPTY_SHA256, new byte[0]));
        String afterHeader = hex(archive).substring(2 * 59);
        Cid root = Cid.dagCbor(digest(block));
        assertEquals(hex(Archives.varint(Cid.BYTES + block.length)) + hex(root.bytes()) + expected
                + "24" + "01551220" + EMPTY_SHA256, afterHeader);   // then the empty asset: 36 bytes, no data
    }

    @Test
    void indexBlockIsStrictDagCbor() {
        Random r = new Random(11);
        for (int i = 0; i < 50; i++) {
            CarIndex index = Archives.library(r, r.nextInt(20), 10).index();
            if (i % 10 == 0) {
                index = withLongTexts(index, r);
            }
            DagCborCheck.check(Archives.encodeIndex(index));
        }
    }

    /** Texts long enough that Jackson's {@code writeString} would have chunked them (indefinite length). */
    private static CarIndex withLongTexts(CarIndex index, Random r) {
        List<CarEntry> assets = new ArrayList<>(index.assets());
        byte[] unique = new byte[32];
        r.nextBytes(unique);
        assets.add(new CarEntry(hex(unique), 0, Archives.text(r, 9000, 9000), null,
                List.of(Archives.text(r, 70_000, 70_000)), null, "x".repeat(20_000), 0, false));
        return new CarIndex(index.libraryId(), Archives.text(r, 100_000, 100_000), index.since(), index.revision(),
                assets);
    }

    private static String ascii(String s) {
        return hex(s.getBytes(StandardCharsets.US_ASCII));
    }
}
