package dev.ferry.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns a checked frame header and its payload into a {@link Message}. Control payloads are CBOR maps: known
 * keys are read with their types checked, unknown keys are skipped, a missing or repeated known key is an
 * error, and the finished message passes its constructor's limits or the frame is rejected. Stateless.
 */
final class PayloadReader {
    private PayloadReader() {}

    static Message read(int type, int channel, boolean end, byte[] payload) throws ProtocolException {
        String what = FrameType.name(type);
        return switch (type) {
            case FrameType.HELLO -> {
                Fields f = handshake(CborReader.open(payload, what));
                yield build(what, () -> new Hello(f.major, f.minor, f.peerId, f.name, f.addrs, f.features, f.libs));
            }
            case FrameType.HELLO_ACK -> {
                Fields f = handshake(CborReader.open(payload, what));
                yield build(what, () -> new HelloAck(f.major, f.minor, f.peerId, f.name, f.addrs, f.features, f.libs));
            }
            case FrameType.ERROR -> error(channel, CborReader.open(payload, what));
            case FrameType.PING -> empty(payload, what, new Ping());
            case FrameType.PONG -> empty(payload, what, new Pong());
            case FrameType.GOODBYE -> goodbye(CborReader.open(payload, what));
            case FrameType.REQUEST -> request(channel, CborReader.open(payload, what));
            case FrameType.RESPONSE -> response(channel, end, CborReader.open(payload, what));
            case FrameType.DATA -> build(what, () -> new Data(channel, payload, end));
            case FrameType.CREDIT -> credit(channel, CborReader.open(payload, what));
            case FrameType.CANCEL -> empty(payload, what, new Cancel(channel));
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame " + what);
        };
    }

    private record Fields(int major, int minor, String peerId, String name, List<String> addrs,
            List<String> features, List<LibraryState> libs) {}

    private static Fields handshake(CborReader r) throws ProtocolException {
        int[] version = null;
        String peerId = null;
        String name = null;
        List<String> addrs = null;
        List<String> features = null;
        List<LibraryState> libs = null;
        r.beginMap("payload");
        for (String key; (key = r.nextKey()) != null; ) {
            switch (key) {
                case "v" -> {
                    r.once(version, key);
                    r.beginArray(key);
                    version = new int[] {r.int32(key), r.int32(key)};
                    if (!r.endOfArray()) {
                        throw r.error("\"v\" must have exactly 2 entries [major, minor]");
                    }
                }
                case "id" -> {
                    r.once(peerId, key);
                    peerId = r.text(key);
                }
                case "name" -> {
                    r.once(name, key);
                    name = r.text(key);
                }
                case "addrs" -> {
                    r.once(addrs, key);
                    addrs = r.texts(key, Protocol.MAX_LISTEN_ADDRS);
                }
                case "feat" -> {
                    r.once(features, key);
                    features = r.texts(key, Protocol.MAX_FEATURES);
                }
                case "libs" -> {
                    r.once(libs, key);
                    libs = libraries(r);
                }
                default -> r.skipValue();
            }
        }
        r.end();
        r.required(version, "v");
        return new Fields(version[0], version[1], r.required(peerId, "id"), r.required(name, "name"),
                r.required(addrs, "addrs"), r.required(features, "feat"), r.required(libs, "libs"));
    }

    private static List<LibraryState> libraries(CborReader r) throws ProtocolException {
        r.beginArray("libs");
        List<LibraryState> out = new ArrayList<>();
        while (!r.endOfArray()) {
            if (out.size() == Protocol.MAX_LIBRARIES) {
                throw r.error("\"libs\" has more than " + Protocol.MAX_LIBRARIES + " entries");
            }
            String id = null;
            Long rev = null;
            byte[] digest = null;
            r.beginMap("libs");
            for (String key; (key = r.nextKey()) != null; ) {
                switch (key) {
                    case "id" -> {
                        r.once(id, key);
                        id = r.text(key);
                    }
                    case "rev" -> {
                        r.once(rev, key);
                        rev = r.int64(key);
                    }
                    case "digest" -> {
                        r.once(digest, key);
                        digest = r.bytes(key);
                    }
                    default -> r.skipValue();
                }
            }
            String libId = r.required(id, "id");
            long revision = r.required(rev, "rev");
            byte[] libDigest = r.required(digest, "digest");
            out.add(build("Hello library " + out.size(), () -> new LibraryState(libId, revision, libDigest)));
        }
        return out;
    }

    private static Message error(int channel, CborReader r) throws ProtocolException {
        Integer code = null;
        String msg = null;
        r.beginMap("payload");
        for (String key; (key = r.nextKey()) != null; ) {
            switch (key) {
                case "code" -> {
                    r.once(code, key);
                    code = r.int32(key);
                }
                case "msg" -> {
                    r.once(msg, key);
                    msg = r.text(key);
                }
                default -> r.skipValue();
            }
        }
        r.end();
        int c = r.required(code, "code");
        String m = r.required(msg, "msg");
        return build("Error", () -> new ErrorMessage(channel, c, m));
    }

    private static Message goodbye(CborReader r) throws ProtocolException {
        String reason = null;
        r.beginMap("payload");
        for (String key; (key = r.nextKey()) != null; ) {
            if (key.equals("reason")) {
                r.once(reason, key);
                reason = r.text(key);
            } else {
                r.skipValue();
            }
        }
        r.end();
        String why = r.required(reason, "reason");
        return build("Goodbye", () -> new Goodbye(why));
    }

    private static Message request(int channel, CborReader r) throws ProtocolException {
        String method = null;
        byte[] body = null;
        r.beginMap("payload");
        for (String key; (key = r.nextKey()) != null; ) {
            switch (key) {
                case "m" -> {
                    r.once(method, key);
                    method = r.text(key);
                }
                case "b" -> {
                    r.once(body, key);
                    body = r.bytes(key);
                }
                default -> r.skipValue();
            }
        }
        r.end();
        String m = r.required(method, "m");
        byte[] b = r.required(body, "b");
        return build("Request", () -> new Request(channel, m, b));
    }

    private static Message response(int channel, boolean end, CborReader r) throws ProtocolException {
        Integer status = null;
        byte[] body = null;
        r.beginMap("payload");
        for (String key; (key = r.nextKey()) != null; ) {
            switch (key) {
                case "s" -> {
                    r.once(status, key);
                    status = r.int32(key);
                }
                case "b" -> {
                    r.once(body, key);
                    body = r.bytes(key);
                }
                default -> r.skipValue();
            }
        }
        r.end();
        int s = r.required(status, "s");
        byte[] b = r.required(body, "b");
        return build("Response", () -> new Response(channel, s, b, end));
    }

    private static Message credit(int channel, CborReader r) throws ProtocolException {
        Long n = null;
        r.beginMap("payload");
        for (String key; (key = r.nextKey()) != null; ) {
            if (key.equals("n")) {
                r.once(n, key);
                n = r.int64(key);
            } else {
                r.skipValue();
            }
        }
        r.end();
        long bytes = r.required(n, "n");
        return build("Credit", () -> new Credit(channel, bytes));
    }

    /** Ping, Pong and Cancel: a zero-length payload or a map whose keys are all unknown. */
    private static Message empty(byte[] payload, String what, Message message) throws ProtocolException {
        if (payload.length > 0) {
            CborReader r = CborReader.open(payload, what);
            r.beginMap("payload");
            while (r.nextKey() != null) {
                r.skipValue();
            }
            r.end();
        }
        return message;
    }

    /** Runs a constructor, turning its limit checks into a protocol error. */
    private static <T> T build(String what, Supplier<T> constructor) throws ProtocolException {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.PROTOCOL, what + ": " + e.getMessage(), e);
        }
    }
}
