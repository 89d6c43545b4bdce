package dev.ferry.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random messages, valid by construction, of every type. Not thread-safe (one Random). */
final class Samples {
    private static final int[] ALPHABET_STARTS = {'a', 'A', '0', 0xe0, 0x4e00, 0x1f600, 0x0410};

    private final Random random;

    Samples(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    /** One message of each of the eleven types. */
    List<Message> oneOfEach() {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            out.add(ofKind(i));
        }
        return out;
    }

    Message any() {
        return ofKind(random.nextInt(11));
    }

    Message ofKind(int kind) {
        return switch (kind) {
            case 0 -> hello(random.nextInt(4));
            case 1 -> {
                Hello h = hello(random.nextInt(4));
                yield new HelloAck(h.major(), h.minor(), h.peerId(), h.name(), h.listenAddrs(), h.features(), h.libraries());
            }
            case 2 -> new ErrorMessage(random.nextBoolean() ? 0 : channel(), random.nextInt(12) + (random.nextInt(20) == 0 ? 1000 : 0),
                    text(0, 40));
            case 3 -> new Ping();
            case 4 -> new Pong();
            case 5 -> new Goodbye(text(0, 30));
            case 6 -> new Request(channel(), text(1, Protocol.MAX_METHOD), bytes(random.nextInt(200)));
            case 7 -> new Response(channel(), random.nextInt(4) == 0 ? random.nextInt(12) : 0, bytes(random.nextInt(200)),
                    random.nextBoolean());
            case 8 -> new Data(channel(), bytes(random.nextInt(300)), random.nextBoolean());
            case 9 -> new Credit(channel(), random.nextBoolean() ? 1 + random.nextInt(1 << 20) : 1 + (random.nextLong() >>> 1));
            case 10 -> new Cancel(channel());
            default -> throw new IllegalArgumentException("kind " + kind);
        };
    }

    Hello hello(int libraries) {
        List<String> addrs = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            addrs.add("10.0." + random.nextInt(256) + "." + random.nextInt(256) + ":" + random.nextInt(65536));
        }
        List<String> features = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            features.add(text(1, Protocol.MAX_FEATURE));
        }
        List<LibraryState> libs = new ArrayList<>();
        for (int i = 0; i < libraries; i++) {
            libs.add(new LibraryState(text(1, 40), random.nextInt(3) == 0 ? random.nextLong() >>> 1 : random.nextInt(1000),
                    bytes(Protocol.DIGEST_SIZE)));
        }
        return new Hello(random.nextInt(3), random.nextInt(5), text(1, Protocol.MAX_PEER_ID), text(0, Protocol.MAX_NAME),
                addrs, features, libs);
    }

    /** A nonzero channel, often above 2^31 (a negative int). */
    int channel() {
        int c = random.nextInt(3) == 0 ? random.nextInt() : 1 + random.nextInt(100);
        return c == 0 ? 1 : c;
    }

    byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Between min and max code points from a few scripts, emoji included. */
    String text(int min, int max) {
        int n = min + random.nextInt(Math.min(max, 24) - min + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.appendCodePoint(ALPHABET_STARTS[random.nextInt(ALPHABET_STARTS.length)] + random.nextInt(26));
        }
        return b.toString();
    }
}
