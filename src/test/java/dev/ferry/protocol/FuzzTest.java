package dev.ferry.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the decoder, run with the normal suite. Every input must decode to messages (which then
 * re-encode to themselves) or fail with ProtocolException or EOFException; any other exception, or a batch that
 * takes too long, fails with the seed. The seed is printed; rerun one with {@code -Dferry.fuzz.seed=N}, and fuzz
 * longer with {@code -Dferry.fuzz.scale=K} (K times as many inputs).
 */
class FuzzTest {
    private static final long SEED = Long.getLong("ferry.fuzz.seed", System.nanoTime());
    private static final int SCALE = Integer.getInteger("ferry.fuzz.scale", 1);
    private static final int BATCH = 20_000;
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(10);

    /** Bytes CBOR and the frame header give meaning to: item heads of every major type, breaks, big lengths. */
    private static final byte[] INTERESTING = HexFormat.of().parseHex(
            "00011718191a1b1f20383b404158595a5b5f6061787a7b7f808198999a9b9fa0a1b8bbbfc0c2c3d8f4f5f6f7f9fafbff"
                    + "7f80fe0106101112131420");

    private static String describe(long seed, byte[] input) {
        String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 256));
        return "seed " + seed + " (-Dferry.fuzz.seed=" + SEED + "), input of " + input.length + " bytes: " + hex;
    }

    /** Decodes {@code input} both as a stream and as one frame; returns the number of messages decoded. */
    private static int survive(long seed, byte[] input) {
        int messages = 0;
        try {
            FrameReader reader = new FrameReader(new ByteArrayInputStream(input));
            for (Message m; (m = reader.read()) != null; ) {
                assertEquals(m, MessageCodec.decode(MessageCodec.encode(m)), describe(seed, input));
                messages++;
            }
        } catch (ProtocolException | EOFException expected) {
            // the only ways to refuse
        } catch (Throwable t) {
            fail("stream decoding threw " + t + "; " + describe(seed, input), t);
        }
        try {
            MessageCodec.decode(input);
        } catch (ProtocolException expected) {
            // the only way to refuse
        } catch (Throwable t) {
            fail("frame decoding threw " + t + "; " + describe(seed, input), t);
        }
        return messages;
    }

    /** Runs {@code count} inputs in batches, each batch under a preemptive time limit; returns messages decoded. */
    private static long run(String name, int count, Function<Random, byte[]> generator) {
        System.out.println("FuzzTest." + name + " seed " + SEED + " (rerun with -Dferry.fuzz.seed=" + SEED + ")");
        Random random = new Random(SEED ^ name.hashCode());
        long start = System.nanoTime();
        long[] decoded = {0};
        int total = count * SCALE;
        for (int done = 0; done < total; done += BATCH) {
            int n = Math.min(BATCH, total - done);
            assertTimeoutPreemptively(BATCH_LIMIT, () -> {
                for (int i = 0; i < n; i++) {
                    long seed = random.nextLong();
                    decoded[0] += survive(seed, generator.apply(new Random(seed)));
                }
            }, () -> "a batch of " + n + " inputs took over " + BATCH_LIMIT + " (-Dferry.fuzz.seed=" + SEED + ")");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("FuzzTest.%s: %d inputs in %.2f s (%.0f inputs/s), %d messages decoded%n",
                name, total, seconds, total / seconds, decoded[0]);
        return decoded[0];
    }

    @Test
    void randomBytesNeverBreakTheDecoder() {
        run("randomBytes", 100_000, r -> {
            byte[] b = new byte[r.nextInt(64)];
            r.nextBytes(b);
            return b;
        });
    }

    @Test
    void randomPayloadsBehindValidHeadersNeverBreakTheDecoder() {
        int[] types = {FrameType.HELLO, FrameType.HELLO_ACK, FrameType.ERROR, FrameType.PING, FrameType.PONG,
            FrameType.GOODBYE, FrameType.REQUEST, FrameType.RESPONSE, FrameType.DATA, FrameType.CREDIT, FrameType.CANCEL};
        long decoded = run("randomPayloads", 100_000, r -> {
            int type = types[r.nextInt(types.length)];
            int channel = FrameType.isConnectionLevel(type) ? 0 : 1 + r.nextInt(5);
            byte[] payload = new byte[r.nextInt(48)];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = r.nextInt(3) == 0 ? (byte) r.nextInt(256)
                        : r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : (byte) "vidnameaddrsfeatlibsrevdigestcodemsgreasonmbsn".charAt(r.nextInt(46));
            }
            return Frames.frame(type, r.nextInt(8) == 0 ? 1 : 0, channel, payload);
        });
        assertTrue(decoded > 1000, "the generator should reach past the header checks; decoded " + decoded);
    }

    @Test
    void mutatedFramesNeverBreakTheDecoder() {
        Samples samples = new Samples(SEED);
        List<byte[]> corpus = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            samples.oneOfEach().forEach(m -> corpus.add(MessageCodec.encode(m)));
        }
        long decoded = run("mutatedFrames", 120_000, r -> {
            byte[] b = corpus.get(r.nextInt(corpus.size()));
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                b = mutate(r, b, corpus);
            }
            if (b.length >= 4 && r.nextInt(3) > 0) {
                ByteBuffer.wrap(b).putInt(0, b.length - 4);   // a consistent length lets the payload reach the CBOR parser
            }
            return b;
        });
        assertTrue(decoded > 10_000, "mutations should leave many frames decodable; decoded " + decoded);
    }

    private static byte[] mutate(Random r, byte[] in, List<byte[]> corpus) {
        byte[] b = in.clone();
        int at = b.length == 0 ? 0 : r.nextInt(b.length);
        switch (r.nextInt(8)) {
            case 0 -> {
                if (b.length > 0) {
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                if (b.length > 0) {
                    b[at] = INTERESTING[r.nextInt(INTERESTING.length)];
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length + 1));
            case 3 -> {
                byte[] other = corpus.get(r.nextInt(corpus.size()));
                int from = r.nextInt(other.length + 1);
                byte[] spliced = Arrays.copyOf(b, at + other.length - from);
                System.arraycopy(other, from, spliced, at, other.length - from);
                b = spliced;
            }
            case 4 -> {
                if (b.length >= 4) {
                    int[] lengths = {0, 5, 6, b.length - 5, b.length - 3, Protocol.MAX_FRAME_LENGTH,
                        Protocol.MAX_FRAME_LENGTH + 1, Integer.MAX_VALUE, -1, r.nextInt()};
                    ByteBuffer.wrap(b).putInt(0, lengths[r.nextInt(lengths.length)]);
                }
            }
            case 5 -> {
                byte[] inserted = new byte[1 + r.nextInt(8)];
                r.nextBytes(inserted);
                byte[] grown = new byte[b.length + inserted.length];
                System.arraycopy(b, 0, grown, 0, at);
                System.arraycopy(inserted, 0, grown, at, inserted.length);
                System.arraycopy(b, at, grown, at + inserted.length, b.length - at);
                b = grown;
            }
            case 6 -> {
                int end = Math.min(b.length, at + 1 + r.nextInt(8));
                byte[] shrunk = new byte[b.length - (end - at)];
                System.arraycopy(b, 0, shrunk, 0, at);
                System.arraycopy(b, end, shrunk, at, b.length - end);
                b = shrunk;
            }
            default -> {
                byte[] other = corpus.get(r.nextInt(corpus.size()));
                b = Arrays.copyOf(b, b.length + other.length);   // a second frame behind the first
                System.arraycopy(other, 0, b, b.length - other.length, other.length);
            }
        }
        return b;
    }

    @Test
    void hugeLengthFieldIsRejectedWithATinyHeapFootprint() {
        byte[] header = ByteBuffer.allocate(10).putInt(Integer.MAX_VALUE).put((byte) FrameType.DATA).put((byte) 0).putInt(1).array();
        ProtocolException[] thrown = new ProtocolException[1];
        long allocated = Allocation.measure(() -> {
            try {
                new FrameReader(new ByteArrayInputStream(header)).read();
            } catch (ProtocolException e) {
                thrown[0] = e;
            } catch (Exception e) {
                fail(e);
            }
        });
        System.out.println("FuzzTest.hugeLengthField: rejected after allocating " + allocated + " bytes");
        assertEquals(ErrorCode.FRAME_TOO_LARGE, thrown[0].code());
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes to reject a 2 GiB frame");
    }
}
