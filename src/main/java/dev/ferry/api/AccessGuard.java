package dev.ferry.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.function.IntSupplier;

/**
 * Decides whether a request may use the API. A request needs no token only when all of these hold:
 * tokens are not required by configuration, it comes from a loopback address, its {@code Host} names
 * a loopback host (so a DNS-rebinding page on {@code evil.example} is refused), and it has no
 * {@code Origin} or the API's own (so another site in the user's browser is refused). Otherwise the
 * bearer token must come as {@code Authorization: Bearer T} or, for clients such as {@code EventSource}
 * that cannot set headers, {@code ?token=T}, as can-sync.txt allows for its SSE endpoint.
 */
final class AccessGuard implements Handler {
    private final ApiToken token;
    private final boolean requireToken;
    private final IntSupplier ownPort;

    AccessGuard(ApiToken token, boolean requireToken, IntSupplier ownPort) {
        this.token = token;
        this.requireToken = requireToken;
        this.ownPort = ownPort;
    }

    @Override
    public void handle(Context ctx) {
        if (!requireToken && isLoopback(ctx.req().getRemoteAddr()) && isLoopbackHost(hostOf(ctx.header("Host")))
                && originAllowed(ctx.header("Origin"))) {
            return;
        }
        String presented = bearer(ctx.header("Authorization"));
        if (presented == null) {
            presented = ctx.queryParam("token");
        }
        if (!token.matches(presented)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, presented == null
                    ? "a bearer token is required (Authorization: Bearer TOKEN, or ?token=TOKEN); it is in the data directory's api-token file"
                    : "the bearer token is not valid");
        }
    }

    private boolean originAllowed(String origin) {
        if (origin == null) {
            return true;
        }
        try {
            URI u = URI.create(origin);
            return "http".equals(u.getScheme()) && isLoopbackHost(u.getHost()) && u.getPort() == ownPort.getAsInt();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }

    static String hostOf(String hostHeader) {
        if (hostHeader == null) {
            return null;
        }
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(1, end);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    static boolean isLoopbackHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost") || host.toLowerCase(java.util.Locale.ROOT).endsWith(".localhost")) {
            return true;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // Only literal addresses: a name would need DNS, and DNS is what a rebinding attack controls.
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return false;
        }
        return isLoopback(host);
    }

    private static boolean isLoopback(String literal) {
        try {
            return literal != null && InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
