package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.chunk.FastCdc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test vectors docs/protocol.md gives for block lists and the folder digest, checked against the code. */
class ProtocolVectorsTest {
    static final String A = "BLIZ2HY-54WERAD-OA6UXHN-LECL327-6QTQ3GN-AWXNR3J-ODGXGTS-3JUK6QY";
    static final String B = "HKQNU5N-AIVKZEL-GCAOJIF-MLEVU5W-YAQP7PZ-YQDSYRJ-FYUOE4L-JPRC6AP";

    static String blocksHash(byte[] content) {
        return HexFormat.of().formatHex(BlockList.of(FastCdc.protocol().chunks(content)).identity());
    }

    @Test
    void blockListVectors() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", blocksHash(new byte[0]));
        assertEquals("6eef9a29ef930443f026dfba076e51c3408bc46fb58b03afd971a60899660466",
                blocksHash("hello from a\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("9db71bb8314d6f5e8f45c6facd84dc9faf51371284d0b5ff9921a0879577a16b", blocksHash(new byte[1 << 20]));
    }

    @Test
    void folderDigestVector(@TempDir Path dir) throws Exception {
        try (FolderIndex idx = new FolderIndex(dir.resolve("v.db"))) {
            idx.put(new FolderIndex.Change(new FileEntry("docs", FileEntry.DIR, 0, 0, 0755, null, null, 0,
                    new VersionVector(Map.of(A, 1L)), false, 0, A), null, 0));
            idx.put(new FolderIndex.Change(new FileEntry("docs/readme.txt", FileEntry.FILE, 13, 0, 0644, null, new byte[32], 1,
                    new VersionVector(Map.of(A, 1L)), false, 0, A), null, 0));
            idx.put(new FolderIndex.Change(new FileEntry("old.txt", FileEntry.FILE, 0, 0, 0644, null, null, 0,
                    new VersionVector(Map.of(A, 3L, B, 2L)), true, 0, B), null, 0));
            assertEquals("6729e01765007ca03b25a37216bd6e5c152d0ee32f85c1a9537935b697f0d339", HexFormat.of().formatHex(idx.digest()));
        }
    }
}
