package dev.ferry.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Which assets to select, with the CAN Sync library filter's meaning (can-sync.txt, "Libraries"):
 * every given field must match (AND); {@code tags} matches an asset carrying any of them; null or
 * empty fields match everything. Values go to SQLite only as bound parameters.
 */
public record AssetFilter(String application, List<String> tags, String user, String mimePrefix, List<String> hashes) {

    public static final AssetFilter ALL = new AssetFilter(null, null, null, null, null);

    public AssetFilter {
        tags = tags == null ? List.of() : List.copyOf(tags);
        hashes = hashes == null ? List.of() : hashes.stream().map(ContentHash::parse).toList();
    }

    /** Appends {@code AND ...} clauses for table alias {@code a} to {@code sql}, adding their parameters. */
    void appendWhere(StringBuilder sql, List<Object> params) {
        if (application != null) {
            sql.append(" AND a.application = ?");
            params.add(application);
        }
        if (user != null) {
            sql.append(" AND a.user_id = ?");
            params.add(user);
        }
        if (mimePrefix != null) {
            sql.append(" AND substr(a.mime_type, 1, ?) = ?");
            params.add(mimePrefix.length());
            params.add(mimePrefix);
        }
        if (!tags.isEmpty()) {
            sql.append(" AND EXISTS (SELECT 1 FROM asset_tags t WHERE t.hash = a.hash AND t.tag IN (")
                    .append(placeholders(tags.size())).append("))");
            params.addAll(tags);
        }
        if (!hashes.isEmpty()) {
            sql.append(" AND a.hash IN (").append(placeholders(hashes.size())).append(")");
            params.addAll(hashes);
        }
    }

    /** True when every asset matches: no field is given. */
    public boolean matchesAll() {
        return application == null && user == null && mimePrefix == null && tags.isEmpty() && hashes.isEmpty();
    }

    /** True when the asset's metadata satisfies this filter (the in-memory twin of {@link #appendWhere}). */
    public boolean matches(Asset a) {
        return (application == null || application.equals(a.application()))
                && (user == null || user.equals(a.user()))
                && (mimePrefix == null || a.mimeType().startsWith(mimePrefix))
                && (tags.isEmpty() || a.tags().stream().anyMatch(tags::contains))
                && (hashes.isEmpty() || hashes.contains(a.hash()));
    }

    private static String placeholders(int n) {
        List<String> q = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            q.add("?");
        }
        return String.join(",", q);
    }
}
