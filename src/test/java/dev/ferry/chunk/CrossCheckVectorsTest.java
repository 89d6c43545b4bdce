package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cross-check vectors on inputs anyone can regenerate ({@link TestData#splitMix64}), for the cases the crate's
 * published vectors cannot reach without its JPEG fixture: random and low-entropy content, cuts by both
 * judgements of a pair, both mask regions, final chunks below the minimum, an odd minimum.
 *
 * <p>Provenance, so nobody mistakes these for published vectors: each list (gear hash, offset, length per chunk)
 * was produced by a dependency-free Rust program holding the crate's {@code v2020::cut} and {@code logarithm2}
 * transcribed from nlfiedler/fastcdc-rs src/v2020/mod.rs, with the crate's GEAR, GEAR_LS and MASKS tables,
 * compiled with rustc 1.95.0; that program reproduces the crate's own {@code test_cut_all_zeros} before
 * printing anything. The SHA-256 values were computed separately with Python's hashlib on the same bytes.
 */
class CrossCheckVectorsTest {
    @Test
    void randomBytesAtTheSmallestSizesMatchTheCrate() {
        check(new FastCdc(64, 256, 1_024), TestData.splitMix64(1L, 8_192), """
            9196529370131899035 0 371
            14701293796380641871 371 289
            1691941378977255860 660 280
            5107844602165734596 940 311
            10077169211696302430 1251 862
            16836192714463150228 2113 423
            3713993205258125339 2536 465
            13520272303953838779 3001 537
            16468511631207569528 3538 232
            11662631822318406910 3770 463
            11034368953707152832 4233 266
            15322045758349319528 4499 464
            8022278242446675066 4963 282
            3210615753896168594 5245 270
            8817548734332176577 5515 277
            8882246097779101754 5792 482
            18427633617959195764 6274 492
            17837881086867156218 6766 283
            3346126290276061062 7049 65
            17743298824083081062 7114 64
            5992735609847370036 7178 300
            11842389257715091798 7478 173
            17784190671947563202 7651 406
            8855976309561956233 8057 135
            """);
    }

    @Test
    void randomBytesAtTheCrates16KiBTestSizesMatchTheCrate() {
        check(new FastCdc(4_096, 16_384, 65_535), TestData.splitMix64(7L, 262_144), """
            4054931061140910603 0 13149
            1597735534870922590 13149 18022
            9588203396926551731 31171 8311
            10862154796624833831 39482 24189
            12360448588141559927 63671 6307
            3121004170014966076 69978 11556
            13308141299476562446 81534 4908
            12267890185329563918 86442 9114
            2772285137361056778 95556 39493
            9354051540615201156 135049 22686
            15714755046453596966 157735 40475
            4719218533052998452 198210 13096
            6420525315677355586 211306 35946
            16835054297963588506 247252 7017
            1943868528788797589 254269 6501
            0 260770 1374
            """);
    }

    @Test
    void randomBytesAtTheProtocolSizesMatchTheCrate() {
        check(new FastCdc(16_384, 65_536, 262_144), TestData.splitMix64(42L, 1_048_576), """
            13403360931409883716 0 106594
            14200976495270801594 106594 75208
            13714094807638873962 181802 19070
            4132336748525316052 200872 105223
            1829596839444779352 306095 66060
            16676027601634486457 372155 92895
            9182915784494095822 465050 156030
            2643052986796640286 621080 42707
            10595927588197749904 663787 136630
            4101105257307746848 800417 120388
            14779413958025291464 920805 69647
            12705785294862683486 990452 50111
            0 1040563 8013
            """);
    }

    @Test
    void anOddMinimumAndAnAverageThatIsNoPowerOfTwoMatchTheCrate() {
        check(new FastCdc(65, 300, 1_500), TestData.splitMix64(5L, 8_000), """
            12120768128796076730 0 667
            5074766962433992891 667 471
            17090125699790424330 1138 302
            17293638736969534540 1440 190
            8655450289329455771 1630 83
            6908989808110996090 1713 421
            17307229635425864882 2134 321
            16671338354447230113 2455 429
            9053296482698144476 2884 357
            3256941325051304176 3241 336
            11400093411713306840 3577 700
            10424623032008713356 4277 313
            17302130638685602006 4590 169
            1247637083817792622 4759 354
            1684190662035254481 5113 317
            1109289118266917058 5430 222
            17149072039122961689 5652 87
            11240151400128367704 5739 257
            3978837244522309878 5996 429
            8148599100768585042 6425 600
            17743298824083081062 7025 64
            11839167801461395936 7089 338
            12993167081012010452 7427 128
            16113091099414295619 7555 445
            """);
    }

    @Test
    void lowEntropyBytesMatchTheCrate() {
        check(new FastCdc(64, 256, 1_024), lowEntropy(TestData.splitMix64(3L, 4_000)), """
            5361749205532549324 0 311
            5696885990014102778 311 413
            8398594844313526494 724 293
            14636369605515646196 1017 132
            1390380582833766676 1149 558
            12562980218764086556 1707 326
            4296269253287894488 2033 436
            14287099077417239104 2469 455
            14364080709197447520 2924 272
            12538517623723283920 3196 330
            17181809089849694252 3526 150
            523019056025838636 3676 324
            """);
    }

    @Test
    void protocolSizeChunksOfTheCrossCheckInputHaveTheseSha256s() {
        // TestData.splitMix64(42, 1 MiB), whole input SHA-256 5b2605c7135a3f8c54d75039514f0bcb798cfe1a8d74f57380d45aaadea36dca
        List<String> expected = List.of(
            "ed82c0f9cce23e2e51fed8f02254b02b79df92068c1ad3622fe73147fa024503",
            "41d55e84a0970b559a16b3d0c28fa449199c18bccb87e9d6412d90ff09ad3d2a",
            "4d6fabd5fcb9206541e1a27de1c347866e15db5c9cb7e17e2fe7b0ef47407880",
            "6aa4ccdf3b4b2024d58744b7634925b0d51027b531036ebe35798e79af3b9e43",
            "8366491fc7327e621b7ca303bb12296cab339a930af0af98911c91db8002d8e7",
            "05a5bb08153cf4324b64dbc5727df44cdec3f5626f14e0af4a229ff53a858cee",
            "1e583af1d95addc69f710329935bdb27fdbf450e8f134189197e241183a66e18",
            "e133cfefac104465327b2dc18fa1a94bd81bc4a7995eba3fc7a78d2538caf863",
            "f9ecb50788c47face1e0b2bff41f22dd990f24428d5ea029e2fd94f9dd3523d5",
            "244ade66aad4ba78002f12bf16f26256a90349e0f0d05366fc7f84f38b8305f9",
            "f8c266fd9c1786ca9383f28ad0ef62330979fcefc775cdd07f038fd3701fe4be",
            "15c5cd74aae71ec3b5bc921453f5a7dfbd58ef38a232983f6f4f853ec90db730",
            "f2dbbd3a087607883d41f40ebbaac1d0cbf39886586b64efce9c07e00872016f");
        List<String> actual = new ArrayList<>();
        for (Chunk c : FastCdc.protocol().chunks(TestData.splitMix64(42L, 1_048_576))) {
            actual.add(c.hex());
        }
        assertEquals(expected, actual);
    }

    @Test
    void zerosAtTheProtocolSizesAreMaximumChunksWithTheDocumentedHashes() {
        // docs/protocol.md test vector (1); the gear hash of a long zero run does not depend on the sizes
        byte[] zeros = new byte[1_048_576];
        check(FastCdc.protocol(), zeros, """
            14169102344523991076 0 262144
            14169102344523991076 262144 262144
            14169102344523991076 524288 262144
            14169102344523991076 786432 262144
            """);
        for (Chunk c : FastCdc.protocol().chunks(zeros)) {
            assertEquals("8a39d2abd3999ab73c34db2476849cddf303ce389b35826850f9a700589b4a90", c.hex());
        }
    }

    @Test
    void theCrossCheckGeneratorStartsWithTheseBytes() {
        // guards the generator itself: the Rust and Python copies printed these first bytes
        assertEquals("956eeb2f2632d7bd", java.util.HexFormat.of().formatHex(TestData.splitMix64(42L, 8)));
        assertEquals("c15c0289ec2d0a91", java.util.HexFormat.of().formatHex(TestData.splitMix64(1L, 8)));
        assertEquals("0101010100000101", java.util.HexFormat.of().formatHex(lowEntropy(TestData.splitMix64(3L, 8))));
    }

    /** Keeps only the lowest bit of every byte: long runs of few distinct values. */
    private static byte[] lowEntropy(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] &= 1;
        }
        return data;
    }

    /** Checks cut by cut (with gear hash) on the array, then the same boundaries through the stream iterator. */
    private static void check(FastCdc cdc, byte[] data, String vectors) {
        List<long[]> expected = new ArrayList<>();
        for (String line : vectors.strip().split("\\n")) {
            String[] f = line.strip().split(" ");
            expected.add(new long[] {Long.parseUnsignedLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        int cursor = 0;
        for (long[] e : expected) {
            assertEquals(e[1], cursor, "chunk offset");
            FastCdc.Cut cut = cdc.cutWithHash(data, cursor, data.length - cursor);
            assertEquals(Long.toUnsignedString(e[0]), Long.toUnsignedString(cut.hash()), "gear hash at offset " + cursor);
            assertEquals(e[2], cut.end() - cursor, "length of chunk at offset " + cursor);
            cursor = cut.end();
        }
        assertEquals(data.length, cursor, "the vectors cover the input");
        List<Chunk> streamed = TestData.drain(cdc.chunks(new ByteArrayInputStream(data)));
        assertEquals(expected.size(), streamed.size());
        for (int i = 0; i < streamed.size(); i++) {
            assertEquals(expected.get(i)[1], streamed.get(i).offset());
            assertEquals(expected.get(i)[2], streamed.get(i).length());
        }
    }
}
