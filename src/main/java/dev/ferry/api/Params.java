package dev.ferry.api;

import dev.ferry.store.AssetFilter;
import dev.ferry.store.ContentHash;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Validated query parameters: every bad value is a 400 that names the parameter and the allowed range. */
final class Params {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    private Params() {}

    /** Refuses parameters the endpoint does not know, so a typo is an error rather than a silently wider answer. */
    static void onlyKnown(Context ctx, Set<String> known) {
        for (String name : ctx.queryParamMap().keySet()) {
            if (!known.contains(name) && !name.equals("token")) {
                throw ApiException.badRequest("unknown query parameter '" + name + "'; expected " + new TreeSet<>(known));
            }
        }
    }

    static long longParam(Context ctx, String name, long dflt, long min, long max) {
        String raw = ctx.queryParam(name);
        if (raw == null) {
            return dflt;
        }
        try {
            long v = Long.parseLong(raw.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.badRequest("query parameter '" + name + "' must be a whole number from " + min + " to " + max
                + ", got '" + raw + "'");
    }

    static int limit(Context ctx, int dflt, int max) {
        return (int) longParam(ctx, "limit", dflt, 1, max);
    }

    static long offset(Context ctx) {
        return longParam(ctx, "offset", 0, 0, Long.MAX_VALUE / 2);
    }

    static long since(Context ctx) {
        return longParam(ctx, "since", 0, 0, Long.MAX_VALUE);
    }

    /**
     * A cursor beyond the newest change cannot have come from this store (it was replaced or wiped): answering
     * "nothing new" would hide every change from the client forever, so it is refused instead.
     */
    static void requireNotAhead(long since, long latest, String what) {
        if (since > latest) {
            throw new ApiException(409, what + " " + since + " is ahead of this store's latest sequence number " + latest
                    + "; the store was replaced or reset, so start again from 0");
        }
    }

    /** The asset filter from {@code application}, {@code tag} (repeatable or comma-separated), {@code user}, {@code mime_prefix}, {@code hash}. */
    static AssetFilter filter(Context ctx) {
        List<String> tags = new ArrayList<>();
        for (String t : ctx.queryParams("tag")) {
            tags.addAll(IngestForm.tags("query parameter 'tag'", t));
        }
        for (String t : ctx.queryParams("tags")) {
            tags.addAll(IngestForm.tags("query parameter 'tags'", t));
        }
        List<String> hashes = new ArrayList<>();
        for (String h : ctx.queryParams("hash")) {
            hashes.add(hash(h, "hash"));
        }
        return new AssetFilter(text(ctx, "application"), tags, text(ctx, "user"), text(ctx, "mime_prefix"), hashes);
    }

    private static String text(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            throw ApiException.badRequest("query parameter '" + name + "' is empty; leave it out instead");
        }
        return v;
    }

    static String hash(String raw, String what) {
        try {
            return ContentHash.parse(raw);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(what + ": " + e.getMessage());
        }
    }
}
