package dev.ferry.discovery;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The TXT record of a Ferry service, encoded and decoded here without JmDNS so the rules can be tested
 * without sockets. Wire format (RFC 6763 section 6): a sequence of length-prefixed {@code key=value}
 * strings. Ferry's keys:
 * <ul>
 *   <li>{@code peer_id}: required, 1 to {@value #MAX_PEER_ID} characters of {@code [A-Za-z0-9._:+/=-]}</li>
 *   <li>{@code proto_ver}: required, a decimal integer 0 to 65535 (the protocol's major version)</li>
 *   <li>{@code digest}: optional (absent means empty), up to {@value #MAX_DIGEST} hex digits</li>
 * </ul>
 * Keys are case-insensitive and only the first occurrence of a key counts (RFC 6763 section 6.4);
 * unknown keys are ignored so later versions can add some. A record over {@value #MAX_TXT_BYTES}
 * bytes, a string running past the end, or a Ferry key without a value makes the whole record
 * invalid. Stateless and thread-safe.
 */
final class TxtRecord {
    static final int MAX_PEER_ID = 80;
    static final int MAX_DIGEST = 128;
    static final int MAX_TXT_BYTES = 1300;

    private static final Pattern PEER_ID = Pattern.compile("[A-Za-z0-9._:+/=-]{1," + MAX_PEER_ID + "}");
    private static final Pattern PROTO_VER = Pattern.compile("[0-9]{1,5}");
    private static final Pattern DIGEST = Pattern.compile("[0-9A-Fa-f]{0," + MAX_DIGEST + "}");

    /** What a TXT record said, or why it was rejected. */
    sealed interface Result {}

    record Valid(String peerId, int protoMajor, String digest) implements Result {}

    record Invalid(String reason) implements Result {}

    private TxtRecord() {}

    /** Encodes our own advertisement; {@link LanDiscovery.Advertisement} has already checked its fields. */
    static byte[] encode(String peerId, int protoMajor, String digest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entry(out, "peer_id=" + peerId);
        entry(out, "proto_ver=" + protoMajor);
        entry(out, "digest=" + digest);
        return out.toByteArray();
    }

    private static void entry(ByteArrayOutputStream out, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    /** Decodes a TXT record heard from the network. Never throws. */
    static Result decode(byte[] txt) {
        if (txt == null) {
            return new Invalid("no TXT record");
        }
        if (txt.length > MAX_TXT_BYTES) {
            return new Invalid("TXT record of " + txt.length + " bytes exceeds " + MAX_TXT_BYTES);
        }
        Map<String, String> values = new HashMap<>();
        int i = 0;
        while (i < txt.length) {
            int len = txt[i] & 0xff;
            if (i + 1 + len > txt.length) {
                return new Invalid("TXT string at offset " + i + " of length " + len + " runs past the end");
            }
            String s = new String(txt, i + 1, len, StandardCharsets.UTF_8);
            i += 1 + len;
            if (s.isEmpty()) {
                continue; // JmDNS writes a lone empty string for an empty record
            }
            int eq = s.indexOf('=');
            String key = (eq < 0 ? s : s.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : s.substring(eq + 1);
            if (key.isEmpty() || values.containsKey(key)) {
                continue;
            }
            values.put(key, value);
        }
        return validate(values);
    }

    private static Result validate(Map<String, String> values) {
        if (!values.containsKey("peer_id")) {
            return new Invalid("no peer_id");
        }
        String peerId = values.get("peer_id");
        if (peerId == null || !PEER_ID.matcher(peerId).matches()) {
            return new Invalid("peer_id is not 1-" + MAX_PEER_ID + " characters of [A-Za-z0-9._:+/=-]: "
                    + clip(peerId));
        }
        String proto = values.get("proto_ver");
        if (proto == null || !PROTO_VER.matcher(proto).matches() || Integer.parseInt(proto) > 65535) {
            return new Invalid("proto_ver of " + peerId + " is not an integer 0-65535: " + clip(proto));
        }
        String digest = values.containsKey("digest") ? values.get("digest") : "";
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            return new Invalid("digest of " + peerId + " is not up to " + MAX_DIGEST + " hex digits: " + clip(digest));
        }
        return new Valid(peerId, Integer.parseInt(proto), digest.toLowerCase(Locale.ROOT));
    }

    /** Keeps hostile values short and printable in log lines. */
    private static String clip(String s) {
        if (s == null) {
            return "(no value)";
        }
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "' (" + s.length() + " chars)";
    }
}
