package dev.ferry.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a {@link FerryConfig} from, in rising precedence: the embedded defaults, an optional YAML
 * file, {@code CAN_PORT} (the seed's variable for the store port), and {@code FERRY_<KEY>} variables
 * ({@code FERRY_DATA_DIR} overrides {@code data_dir}). Unknown keys and bad values are refused with a
 * {@link ConfigException} naming the key and where it came from. Stateless and thread-safe.
 */
public final class ConfigLoader {

    static final Set<String> KEYS = Set.of(
            "can_service_url", "listen_addr", "data_dir", "relay_url", "poll_interval_secs",
            "full_scan_interval_secs", "store_listen_addr", "require_token", "max_upload_bytes", "log_level",
            "peer_listen_addr", "mdns", "mdns_interfaces", "peers", "name", "versions_keep_days");

    private ConfigLoader() {}

    /**
     * @param file the YAML file, or null for none
     * @param env  the process environment (only {@code FERRY_*}, {@code CAN_PORT} and {@code XDG_DATA_HOME}/{@code HOME} are read)
     */
    public static FerryConfig load(Path file, Map<String, String> env) {
        Map<String, Source> values = new LinkedHashMap<>();
        if (file != null) {
            readYaml(file).forEach((k, v) -> values.put(k, new Source(v, "'" + k + "' in " + file)));
        }
        String canPort = env.get("CAN_PORT");
        for (var e : env.entrySet()) {
            if (!e.getKey().startsWith("FERRY_") || LAUNCHER_VARIABLES.contains(e.getKey())) {
                continue;
            }
            String key = e.getKey().substring("FERRY_".length()).toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown environment variable " + e.getKey()
                        + "; known keys are " + new TreeSet<>(KEYS) + " as FERRY_<KEY>");
            }
            values.put(key, new Source(e.getValue(), "environment variable " + e.getKey()));
        }
        return build(values, canPort, env);
    }

    /** Variables the launcher script reads itself; they are not configuration keys. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("FERRY_JAVA_OPTS");

    private record Source(Object value, String where) {}

    private static Map<String, Object> readYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist or is not a file");
        }
        Object root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Object.class);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException("config file " + file + " must be a mapping of keys to values");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown key '" + key + "' in " + file + "; known keys are " + new TreeSet<>(KEYS));
            }
            out.put(key, e.getValue());
        }
        return out;
    }

    private static FerryConfig build(Map<String, Source> v, String canPort, Map<String, String> env) {
        HostPort store = hostPort(v, "store_listen_addr", "127.0.0.1:3210");
        if (canPort != null && !v.containsKey("store_listen_addr")) {
            store = store.withPort(port(canPort, "environment variable CAN_PORT"));
        }
        String canUrl = url(v, "can_service_url", "http://127.0.0.1:3210/api/v1/can/0");
        Source relay = v.get("relay_url");
        String relayUrl = relay == null || relay.value() == null || "null".equals(String.valueOf(relay.value()))
                ? null : String.valueOf(relay.value());
        return new FerryConfig(
                canUrl,
                hostPort(v, "listen_addr", "127.0.0.1:3213"),
                path(v, "data_dir", defaultDataDir(env, store.port())),
                relayUrl,
                Duration.ofSeconds(positiveLong(v, "poll_interval_secs", 5)),
                Duration.ofSeconds(positiveLong(v, "full_scan_interval_secs", 300)),
                store,
                bool(v, "require_token", false),
                size(v, "max_upload_bytes", 64L << 30),
                oneOf(v, "log_level", "info", Set.of("error", "warn", "info", "debug")),
                hostPort(v, "peer_listen_addr", "0.0.0.0:3214"),
                bool(v, "mdns", true),
                stringList(v, "mdns_interfaces"),
                peers(v),
                name(v),
                Duration.ofDays(positiveLong(v, "versions_keep_days", 30)));
    }

    /** A YAML list of strings, or in the environment a comma-separated list. */
    private static java.util.List<String> stringList(Map<String, Source> v, String key) {
        Source s = v.get(key);
        if (s == null || s.value() == null) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        if (s.value() instanceof java.util.List<?> list) {
            for (Object o : list) {
                if (o == null || o instanceof Map || o instanceof java.util.List) {
                    throw new ConfigException(s.where() + ": expected a list of texts");
                }
                out.add(String.valueOf(o).trim());
            }
        } else if (s.value() instanceof Map) {
            throw new ConfigException(s.where() + ": expected a list");
        } else {
            for (String part : String.valueOf(s.value()).split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /**
     * {@code peers}: a YAML list whose entries are {@code {address: HOST:PORT, id: PEER-ID}} (id optional) or
     * {@code HOST:PORT[@PEER-ID]} texts; in the environment, comma-separated texts.
     */
    private static java.util.List<StaticPeer> peers(Map<String, Source> v) {
        Source s = v.get("peers");
        if (s == null || s.value() == null) {
            return java.util.List.of();
        }
        java.util.List<Object> entries = new java.util.ArrayList<>();
        if (s.value() instanceof java.util.List<?> list) {
            entries.addAll(list);
        } else if (s.value() instanceof Map) {
            throw new ConfigException(s.where() + ": expected a list of peers");
        } else {
            for (String part : String.valueOf(s.value()).split(",")) {
                if (!part.isBlank()) {
                    entries.add(part.trim());
                }
            }
        }
        java.util.List<StaticPeer> out = new java.util.ArrayList<>();
        for (Object e : entries) {
            String address;
            String id = null;
            if (e instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    if (!"address".equals(k) && !"id".equals(k)) {
                        throw new ConfigException(s.where() + ": unknown key '" + k + "' in a peer; expected address and id");
                    }
                }
                address = m.get("address") == null ? null : String.valueOf(m.get("address"));
                id = m.get("id") == null ? null : String.valueOf(m.get("id")).trim();
            } else if (e instanceof String text) {
                int at = text.indexOf('@');
                address = at < 0 ? text : text.substring(0, at);
                id = at < 0 ? null : text.substring(at + 1).trim();
            } else {
                throw new ConfigException(s.where() + ": a peer is HOST:PORT, HOST:PORT@PEER-ID or {address, id}");
            }
            if (address == null) {
                throw new ConfigException(s.where() + ": a peer needs an address");
            }
            try {
                out.add(new StaticPeer(HostPort.parse(address), id == null || id.isEmpty() ? null : id));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(s.where() + ": " + ex.getMessage());
            }
        }
        return out;
    }

    private static String name(Map<String, Source> v) {
        String n = text(v, "name", null);
        if (n == null) {
            n = hostName();
        }
        if (n.isEmpty() || n.codePointCount(0, n.length()) > 64) {
            throw new ConfigException(where(v, "name") + ": a name is 1 to 64 characters");
        }
        return n;
    }

    /** The host's name without a DNS lookup (InetAddress.getLocalHost can stall for seconds without a resolver). */
    private static String hostName() {
        try {
            String n = Files.readString(Path.of("/etc/hostname")).trim();
            if (!n.isEmpty()) {
                return n.length() > 64 ? n.substring(0, 64) : n;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or no such file
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.trim() : "ferry";
    }

    /**
     * {@code $XDG_DATA_HOME/ferry} or {@code ~/.local/share/ferry}; a store on another port than 3210 (the seed's
     * {@code CAN_PORT=3220 cargo run} for a second machine on one host) gets its own, {@code ferry-3220}.
     */
    static Path defaultDataDir(Map<String, String> env, int storePort) {
        String dir = storePort == 3210 || storePort == 0 ? "ferry" : "ferry-" + storePort;
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, dir);
        }
        return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share", dir);
    }

    private static String text(Map<String, Source> v, String key, String dflt) {
        Source s = v.get(key);
        if (s == null) {
            return dflt;
        }
        if (s.value() == null || s.value() instanceof Map || s.value() instanceof java.util.List) {
            throw new ConfigException(s.where() + ": expected a single value");
        }
        return String.valueOf(s.value()).trim();
    }

    private static String where(Map<String, Source> v, String key) {
        return v.get(key).where();
    }

    private static HostPort hostPort(Map<String, Source> v, String key, String dflt) {
        String t = text(v, key, dflt);
        try {
            return HostPort.parse(t);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(v, key) + ": " + e.getMessage());
        }
    }

    private static int port(String t, String where) {
        try {
            int p = Integer.parseInt(t.trim());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(where + ": expected a port number 0-65535, got '" + t + "'");
    }

    private static String url(Map<String, Source> v, String key, String dflt) {
        String t = text(v, key, dflt);
        try {
            URI u = URI.create(t);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw new ConfigException(where(v, key) + ": expected an http(s) URL, got '" + t + "'");
    }

    private static Path path(Map<String, Source> v, String key, Path dflt) {
        String t = text(v, key, null);
        if (t == null) {
            return dflt;
        }
        if (t.isEmpty()) {
            throw new ConfigException(where(v, key) + ": must not be empty");
        }
        return Path.of(t);
    }

    private static long positiveLong(Map<String, Source> v, String key, long dflt) {
        String t = text(v, key, String.valueOf(dflt));
        try {
            long n = Long.parseLong(t);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException((v.containsKey(key) ? where(v, key) : key) + ": expected a positive whole number, got '" + t + "'");
    }

    private static boolean bool(Map<String, Source> v, String key, boolean dflt) {
        String t = text(v, key, String.valueOf(dflt)).toLowerCase(Locale.ROOT);
        return switch (t) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(where(v, key) + ": expected true or false, got '" + t + "'");
        };
    }

    /** A byte count, either a whole number or with a unit: {@code 512MiB}, {@code 4GiB}, {@code 10GB}. */
    static long size(Map<String, Source> v, String key, long dflt) {
        String t = text(v, key, String.valueOf(dflt)).replace(" ", "");
        var m = java.util.regex.Pattern.compile("(?i)(\\d+)(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)").matcher(t);
        if (m.matches()) {
            String unit = m.group(2).toLowerCase(Locale.ROOT);
            long mult = switch (unit) {
                case "", "b" -> 1L;
                case "kb" -> 1000L;
                case "k", "kib" -> 1L << 10;
                case "mb" -> 1000_000L;
                case "m", "mib" -> 1L << 20;
                case "gb" -> 1000_000_000L;
                case "g", "gib" -> 1L << 30;
                case "tb" -> 1000_000_000_000L;
                default -> 1L << 40;
            };
            try {
                long n = Math.multiplyExact(Long.parseLong(m.group(1)), mult);
                if (n > 0) {
                    return n;
                }
            } catch (ArithmeticException | NumberFormatException ignored) {
                // reported below
            }
        }
        throw new ConfigException(where(v, key) + ": expected a positive size such as 1048576 or 4GiB, got '" + t + "'");
    }

    private static String oneOf(Map<String, Source> v, String key, String dflt, Set<String> allowed) {
        String t = text(v, key, dflt).toLowerCase(Locale.ROOT);
        if (!allowed.contains(t)) {
            throw new ConfigException(where(v, key) + ": expected one of " + new TreeSet<>(allowed) + ", got '" + t + "'");
        }
        return t;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
