package dev.ferry.api;

import dev.ferry.folder.FolderView;
import dev.ferry.library.Invite;
import dev.ferry.library.Library;
import dev.ferry.library.LibraryStore;
import dev.ferry.library.Ticket;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerManager;
import dev.ferry.store.AssetFilter;
import dev.ferry.sync.Fetcher;
import dev.ferry.sync.SyncEngine;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The library endpoints of the sync API, as can-sync.txt's tables and examples give them ({@code POST/GET
 * /libraries}, {@code GET/DELETE /libraries/{id}}, {@code POST /libraries/{id}/invite}, {@code POST /join}), plus
 * members, invites and per-library sync state. Thread-safe.
 */
final class LibraryApi {
    private final SyncEngine engine;
    private final LibraryStore libraries;
    private final PeerManager peers;

    LibraryApi(SyncEngine engine, PeerManager peers) {
        this.engine = engine;
        this.libraries = engine.libraries();
        this.peers = peers;
    }

    void register(Javalin app) {
        app.post("/libraries", this::create);
        app.get("/libraries", this::list);
        app.get("/libraries/{id}", this::get);
        app.delete("/libraries/{id}", this::delete);
        app.post("/libraries/{id}/invite", this::invite);
        app.get("/libraries/{id}/members", this::members);
        app.delete("/libraries/{id}/members/{peer}", this::removeMember);
        app.get("/libraries/{id}/invites", this::invites);
        app.delete("/libraries/{id}/invites/{invite}", this::revokeInvite);
        app.post("/join", this::join);
        app.get("/libraries/{id}/conflicts", this::conflicts);
        app.get("/libraries/{id}/versions", this::versions);
        app.post("/libraries/{id}/versions/restore", this::restore);
        app.post("/libraries/{id}/rescan", this::rescan);
        app.get("/libraries/{id}/export", this::export);
        app.post("/import", this::importCar);
    }

    int count() {
        try {
            return libraries.all().size();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The filter of can-sync.txt: every field optional, combined with AND. */
    record FilterBody(String application, List<String> tags, String user, String mimePrefix, List<String> hashes) {}

    record CreateBody(String name, String kind, FilterBody filter, String path) {}

    private void create(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        CreateBody b = StoreApi.body(ctx, CreateBody.class, null);
        if (b == null || b.name() == null || b.name().isBlank()) {
            throw ApiException.badRequest("field 'name' is required");
        }
        if (b.name().length() > 200) {
            throw ApiException.badRequest("field 'name' is longer than 200 characters");
        }
        if (b.kind() != null && !b.kind().equals(Library.ASSETS) && !b.kind().equals(Library.FOLDER)) {
            throw ApiException.badRequest("field 'kind' must be 'assets' or 'folder'");
        }
        if (Library.FOLDER.equals(b.kind())) {
            createFolder(ctx, b);
            return;
        }
        if (b.path() != null) {
            throw ApiException.badRequest("field 'path' belongs to folder libraries (\"kind\": \"folder\")");
        }
        FilterBody f = b.filter() == null ? new FilterBody(null, null, null, null, null) : b.filter();
        AssetFilter filter;
        try {
            for (String v : new String[] {f.application(), f.user(), f.mimePrefix()}) {
                if (v != null && v.isBlank()) {
                    throw ApiException.badRequest("filter values must not be empty; leave the key out instead");
                }
            }
            filter = new AssetFilter(f.application(), f.tags(), f.user(), f.mimePrefix(), f.hashes());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("filter 'hashes': " + e.getMessage());
        }
        Library l = engine.create(b.name().trim(), filter);
        ctx.status(201).json(Json.success(view(l)));
    }

    private void createFolder(Context ctx, CreateBody b) throws IOException {
        if (b.path() == null || b.path().isBlank()) {
            throw ApiException.badRequest("field 'path' (the directory to sync) is required for a folder library");
        }
        if (b.filter() != null) {
            throw ApiException.badRequest("field 'filter' belongs to asset libraries; a folder library holds its whole tree");
        }
        java.nio.file.Path path = absolutePath(b.path());
        try {
            Library l = engine.folders().create(b.name().trim(), path, System.currentTimeMillis());
            ctx.status(201).json(Json.success(view(l)));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field 'path': " + e.getMessage());
        }
    }

    /** A folder path from a request body: it must parse and be absolute (the daemon's directory is nobody's business). */
    private static java.nio.file.Path absolutePath(String text) {
        java.nio.file.Path path;
        try {
            path = java.nio.file.Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw ApiException.badRequest("field 'path': " + e.getMessage());
        }
        if (!path.isAbsolute()) {
            throw ApiException.badRequest("field 'path' must be an absolute path, not " + text);
        }
        return path;
    }

    private void list(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        List<Object> out = new ArrayList<>();
        for (Library l : libraries.all()) {
            out.add(view(l));
        }
        ctx.json(Json.success(out));
    }

    private Library library(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        return libraries.get(id).orElseThrow(() -> ApiException.notFound("no library with id " + id));
    }

    private void get(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        Library l = library(ctx);
        // One view for the whole answer: one snapshot, and one count of a folder's index rather than one per part.
        Optional<FolderView> folder = folderView(l.id());
        Map<String, Object> v = view(l, folder);
        if (folder.isPresent()) {
            List<Object> needed = new ArrayList<>();
            for (var n : folder.get().needs()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("path", n.entry().path());
                e.put("type", n.entry().deleted() ? "deleted" : n.entry().type());
                e.put("size", n.entry().size());
                e.put("from", n.sources());
                e.put("attempts", n.attempts());
                e.put("error", n.error());
                needed.add(e);
            }
            v.put("needed", needed);
            List<Object> transfers = new ArrayList<>();
            for (var t : folder.get().transfers()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("path", t.path());
                e.put("size", t.size());
                e.put("done", t.done().get());
                e.put("fetched", t.fetched().get());
                e.put("from", t.from());
                transfers.add(e);
            }
            v.put("transfers", transfers);
            ctx.json(Json.success(v));
            return;
        }
        List<Object> missing = new ArrayList<>();
        for (var m : libraries.missing(l.id())) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("hash", m.hash());
            e.put("size", m.entry().size());
            e.put("from", m.sources());
            e.put("attempts", m.attempts());
            missing.add(e);
        }
        v.put("needed", missing);
        List<Object> transfers = new ArrayList<>();
        for (Fetcher.Transfer t : engine.fetcher().transfers()) {
            if (t.libraryId().equals(l.id())) {
                transfers.add(Map.of("hash", t.hash(), "from", t.peerId(), "size", t.size(), "done", t.done().get()));
            }
        }
        v.put("transfers", transfers);
        ctx.json(Json.success(v));
    }

    private Optional<FolderView> folderView(String libraryId) throws IOException {
        return engine.folders() == null ? Optional.empty() : engine.folders().view(libraryId);
    }

    private Map<String, Object> view(Library l) throws IOException {
        return view(l, folderView(l.id()));
    }

    private Map<String, Object> view(Library l, Optional<FolderView> folder) throws IOException {
        Library fresh = libraries.get(l.id()).orElse(l);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", fresh.id());
        v.put("name", fresh.name());
        v.put("kind", fresh.kind());
        if (folder.isPresent()) {
            var f = folder.get();
            v.put("path", f.root().toString());
            v.put("created_at", fresh.createdAt());
            v.put("revision", f.revision());
            v.put("files", f.counts().files());
            v.put("dirs", f.counts().dirs());
            v.put("symlinks", f.counts().symlinks());
            v.put("bytes", f.counts().bytes());
            v.put("deleted", f.counts().deleted());
            v.put("need_files", f.needCount());
            v.put("in_sync", f.needCount() == 0 && !f.scanning() && f.error() == null);
            v.put("scanning", f.scanning());
            v.put("watching", f.watching());
            v.put("last_scan_at", f.lastScanAt());
            v.put("last_scan_ms", f.lastScanMillis());
            v.put("error", f.error());
            v.put("scan_errors", f.scanErrors());
            v.put("members", memberViews(fresh.id(), folder));
            return v;
        }
        v.put("filter", fresh.filter());
        v.put("created_at", fresh.createdAt());
        v.put("revision", fresh.revision());
        v.put("digest", HexFormat.of().formatHex(fresh.digest()));
        LibraryStore.Counts c = libraries.counts(fresh.id());
        v.put("assets", c.assets());
        v.put("bytes", c.bytes());
        v.put("deleted", c.deleted());
        long missing = libraries.missingCount(fresh.id());
        v.put("missing", missing);
        v.put("in_sync", missing == 0);
        v.put("members", memberViews(fresh.id(), folder));
        return v;
    }

    private List<Object> memberViews(String libraryId, Optional<FolderView> folder) throws IOException {
        List<Object> out = new ArrayList<>();
        for (var m : libraries.members(libraryId)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("peer_id", m.peerId());
            e.put("joined_at", m.joinedAt());
            e.put("introduced_by", m.introducedBy());
            e.put("connected", peers.isConnected(PeerId.parse(m.peerId())));
            e.put("revision_received", folder.isPresent() ? folder.get().cursor(m.peerId()) : libraries.cursor(libraryId, m.peerId()));
            out.add(e);
        }
        return out;
    }

    private void delete(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        Library l = library(ctx);
        engine.delete(l.id());
        ctx.json(Json.success(Map.of("id", l.id(), "deleted", true)));
    }

    record InviteBody(Long expiresInSecs) {}

    private void invite(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        Library l = library(ctx);
        InviteBody b = StoreApi.body(ctx, InviteBody.class, new InviteBody(null));
        if (b.expiresInSecs() != null && b.expiresInSecs() <= 0) {
            throw ApiException.badRequest("field 'expires_in_secs' must be positive");
        }
        Ticket t = engine.invite(l.id(), b.expiresInSecs() == null ? null : Duration.ofSeconds(b.expiresInSecs()));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("ticket", t.encode());
        v.put("invite_id", t.inviteId());
        v.put("library_id", l.id());
        v.put("expires_at", t.expiresAt());
        ctx.json(Json.success(v));
    }

    private void members(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        String id = library(ctx).id();
        ctx.json(Json.success(memberViews(id, folderView(id))));
    }

    private void removeMember(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        Library l = library(ctx);
        String peer;
        try {
            peer = PeerId.parse(ctx.pathParam("peer")).toString();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("peer id in the path: " + e.getMessage());
        }
        if (!engine.removeMember(l.id(), peer)) {
            throw ApiException.notFound("peer " + peer + " is not a member of library " + l.id());
        }
        ctx.json(Json.success(Map.of("library_id", l.id(), "peer_id", peer, "removed", true)));
    }

    private void invites(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        List<Object> out = new ArrayList<>();
        for (Invite i : libraries.invites(library(ctx).id())) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("invite_id", i.id());
            e.put("created_at", i.createdAt());
            e.put("expires_at", i.expiresAt());
            e.put("revoked", i.revoked());
            out.add(e);
        }
        ctx.json(Json.success(out));
    }

    private void revokeInvite(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        Library l = library(ctx);
        if (!libraries.revokeInvite(l.id(), ctx.pathParam("invite"))) {
            throw ApiException.notFound("no invite " + ctx.pathParam("invite") + " for library " + l.id());
        }
        ctx.json(Json.success(Map.of("invite_id", ctx.pathParam("invite"), "revoked", true)));
    }

    /** The library, or what changed since {@code ?since=REV}, as a CARv1 archive (application/vnd.ipld.car). */
    private void export(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of("since"));
        Library l = library(ctx);
        long since = Params.since(ctx);
        ctx.status(200).contentType("application/vnd.ipld.car");
        ctx.header("Content-Disposition", "attachment; filename=\"" + l.id() + ".car\"");
        var out = ctx.res().getOutputStream();
        engine.cars().export(l, since, out);
        out.flush();
    }

    /** Stores every asset of a CARv1 archive (the request body) that is not here yet, each verified by hash. */
    private void importCar(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        try {
            var got = engine.cars().importCar(ctx.req().getInputStream(), null, e -> true);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("library_id", got.libraryId());
            v.put("revision", got.revision());
            v.put("added", got.added());
            v.put("already_present", got.present());
            v.put("deleted_entries", got.deleted());
            ctx.json(Json.success(v));
        } catch (dev.ferry.car.CarFormatException e) {
            throw ApiException.badRequest("not a valid Ferry CAR archive: " + e.getMessage());
        } catch (dev.ferry.store.HashMismatchException e) {
            throw new ApiException(422, "a block of the archive does not match its CID: " + e.getMessage());
        }
    }

    record JoinBody(String ticket, String path) {}

    private void join(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        JoinBody b = StoreApi.body(ctx, JoinBody.class, null);
        if (b == null || b.ticket() == null) {
            throw ApiException.badRequest("field 'ticket' is required");
        }
        Ticket t;
        try {
            t = Ticket.decode(b.ticket());
            PeerId.parse(t.inviter());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("ticket: " + e.getMessage());
        }
        java.nio.file.Path path = b.path() == null ? null : absolutePath(b.path());
        try {
            Library l = engine.join(t, path);
            ctx.status(201).json(Json.success(view(l)));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (SyncEngine.JoinRefusedException e) {
            throw new ApiException(403, "join refused: " + e.getMessage());
        } catch (IOException e) {
            throw new ApiException(502, "cannot reach the inviter " + t.inviter() + " at " + t.addresses() + ": " + e.getMessage());
        }
    }

    private FolderView folder(Context ctx) throws IOException {
        Library l = library(ctx);
        if (engine.folders() == null) {
            throw ApiException.badRequest("library " + l.id() + " is not a folder library");
        }
        return engine.folders().view(l.id())
                .orElseThrow(() -> ApiException.badRequest("library " + l.id() + " is not a folder library"));
    }

    private void conflicts(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        List<Object> out = new ArrayList<>();
        for (var e : folder(ctx).conflicts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", e.path());
            m.put("original", originalOf(e.path()));
            m.put("size", e.size());
            m.put("modified_by", e.modifiedBy());
            m.put("modified_ns", e.modifiedNs());
            out.add(m);
        }
        ctx.json(Json.success(out));
    }

    static String originalOf(String conflictPath) {
        int i = conflictPath.lastIndexOf(".sync-conflict-");
        if (i < 0) {
            return conflictPath;
        }
        String rest = conflictPath.substring(i + ".sync-conflict-".length());
        int dot = rest.indexOf('.');
        return conflictPath.substring(0, i) + (dot < 0 ? "" : rest.substring(dot));
    }

    private void versions(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of("path"));
        String only = ctx.queryParam("path");
        List<Object> out = new ArrayList<>();
        for (var v : folder(ctx).versions()) {
            if (only != null && !only.equals(v.path())) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", v.path());
            m.put("version", v.version());
            m.put("replaced_at", v.at());
            m.put("size", v.size());
            out.add(m);
        }
        ctx.json(Json.success(out));
    }

    record RestoreBody(String version) {}

    private void restore(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        var f = folder(ctx);
        RestoreBody b = StoreApi.body(ctx, RestoreBody.class, null);
        if (b == null || b.version() == null || b.version().isBlank()) {
            throw ApiException.badRequest("field 'version' (a name from GET /libraries/{id}/versions) is required");
        }
        try {
            String path = f.restore(b.version());
            ctx.json(Json.success(Map.of("path", path, "restored_from", b.version())));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field 'version': " + e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    private void rescan(Context ctx) throws IOException {
        Params.onlyKnown(ctx, Set.of());
        folder(ctx).rescan();
        ctx.status(202).json(Json.success(Map.of("rescan", "requested")));
    }
}
