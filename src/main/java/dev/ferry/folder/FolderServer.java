package dev.ferry.folder;

import dev.ferry.library.LibraryStore;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.RequestHandler;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.scan.PathRules;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Answers members' {@code folder.*} requests (docs/protocol.md, "Folder methods"): index pages, block lists,
 * byte ranges, single blocks, and the blocks and bytes of files offered as previews. Only a member of the library is answered; anyone else hears "no such library",
 * so a folder's existence is not revealed. Served bytes never come from outside the folder's root. Thread-safe.
 */
final class FolderServer {
    static final int PAGE = FolderSync.PAGE;
    static final int PAGE_BYTES = FolderSync.PAGE_BYTES;
    static final long MAX_RANGE = FolderSync.MAX_RANGE;
    /** How long a request for a preview's blocks waits for the next ones to be hashed. */
    static final long PREVIEW_WAIT_MS = 1000;

    private final LibraryStore libraries;
    private final Function<String, Folder> folders;

    FolderServer(LibraryStore libraries, Function<String, Folder> folders) {
        this.libraries = libraries;
        this.folders = folders;
    }

    /** Serves one {@code folder.*} request. */
    void handle(PeerLink link, String method, byte[] body, RequestHandler.Responder r) throws IOException {
        try {
            switch (method) {
                case "folder.changes" -> {
                    FolderMessages.ChangesRequest req = FolderMessages.decode(body, FolderMessages.ChangesRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    if (f == null) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such library"));
                        return;
                    }
                    int limit = Math.max(1, Math.min(PAGE, req.limit()));
                    long revision = f.index().revision();
                    List<FileEntry> entries = f.index().changesSince(req.since(), limit);
                    boolean more = entries.size() == limit;
                    byte[] encoded = FolderMessages.encode(new FolderMessages.ChangesReply(entries, revision, more));
                    while (encoded.length > PAGE_BYTES && entries.size() > 1) {
                        entries = entries.subList(0, entries.size() / 2);
                        encoded = FolderMessages.encode(new FolderMessages.ChangesReply(entries, revision, true));
                    }
                    r.respond(0, encoded);
                }
                case "folder.blocks" -> {
                    FolderMessages.BlocksRequest req = FolderMessages.decode(body, FolderMessages.BlocksRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    Holder at = f == null ? null : holderOf(f, req.path(), req.blocksHash());
                    Optional<BlockList> bl = at == null ? Optional.empty()
                            : at.blocks() != null ? Optional.of(at.blocks()) : f.index().blocks(at.path());
                    if (bl.isEmpty()) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such file content"));
                        return;
                    }
                    r.stream(new byte[0], new ByteArrayInputStream(bl.get().encoded()));
                }
                case "folder.range" -> {
                    FolderMessages.RangeRequest req = FolderMessages.decode(body, FolderMessages.RangeRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    Holder at = f == null ? null : holderOf(f, req.path(), req.blocksHash());
                    if (at == null || req.offset() < 0 || req.length() <= 0 || req.length() > MAX_RANGE
                            || req.offset() + req.length() > at.size()) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such file content or range"));
                        return;
                    }
                    streamRange(f, at.path(), req.offset(), req.length(), r);
                }
                case "folder.block" -> {
                    FolderMessages.BlockRequest req = FolderMessages.decode(body, FolderMessages.BlockRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    byte[] data = f == null || req.hash() == null || req.hash().length != 32 ? null : readBlock(f, req.hash(), req.size());
                    if (data == null) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such block"));
                        return;
                    }
                    r.respond(0, data);
                }
                case "folder.preview.blocks" -> {
                    FolderMessages.PreviewBlocksRequest req = FolderMessages.decode(body, FolderMessages.PreviewBlocksRequest.class);
                    Previews.Preview p = preview(memberFolder(req.libraryId(), link), req.path());
                    Previews.Page page = p == null ? null : p.page(req.from(), PREVIEW_WAIT_MS);
                    if (page == null) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such preview (never offered, or the file changed)"));
                        return;
                    }
                    r.respond(0, FolderMessages.encode(new FolderMessages.PreviewBlocksReply(page.blocks(), page.last())));
                }
                case "folder.preview.range" -> {
                    FolderMessages.PreviewRangeRequest req = FolderMessages.decode(body, FolderMessages.PreviewRangeRequest.class);
                    Folder f = memberFolder(req.libraryId(), link);
                    Previews.Preview p = preview(f, req.path());
                    if (p == null || req.offset() < 0 || req.length() <= 0 || req.length() > MAX_RANGE
                            || req.offset() + req.length() > p.hashed()) {
                        r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such preview or range"));
                        return;
                    }
                    streamRange(f, req.path(), req.offset(), req.length(), r);
                }
                default -> r.respond(ErrorCode.NOT_FOUND.code(), utf8("no method " + method));
            }
        } catch (FolderMessages.BadRequest e) {
            r.respond(ErrorCode.PROTOCOL.code(), utf8(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.respond(ErrorCode.INTERNAL.code(), utf8("interrupted"));
        }
    }

    /** Streams bytes of a file; not verified here: the requester checks every block, and asks block by block if this file changed. */
    private static void streamRange(Folder f, String path, long offset, long length, RequestHandler.Responder r) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(Versions.resolveIndexed(f.root(), path),
                java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ch.position(offset);
            r.stream(new byte[0], new RangeStream(java.nio.channels.Channels.newInputStream(ch), length));
        } catch (java.nio.file.NoSuchFileException gone) {
            r.respond(ErrorCode.NOT_FOUND.code(), utf8("no such file content"));
        }
    }

    /** The preview of {@code path} in {@code f} while its file is still the one offered, else null. */
    private static Previews.Preview preview(Folder f, String path) throws IOException {
        if (f == null || path == null || PathRules.problem(path) != null) {
            return null;
        }
        try {
            return f.previews().get(path, DiskState.of(PathRules.resolveSafely(f.root(), path)));
        } catch (IOException e) {
            return null; // a parent became a link or a file: not the file that was offered
        }
    }

    /**
     * Where some content can be read: a live path, whose block list is in the index ({@code blocks} null), or a
     * file in the version store, whose block list was kept with it.
     */
    private record Holder(String path, long size, BlockList blocks) {}

    /**
     * Where this content is: {@code path} if it still holds it, else any live path with it (a conflict copy's
     * original), else a file in the version store. The last matters for conflicts: the member whose version won
     * asks for the losing content to make its conflict copy, and the loser may meanwhile have taken the winner's
     * version as plainly newer, moving its own into the version store, the only place it is left.
     */
    private static Holder holderOf(Folder f, String path, byte[] blocksHash) throws IOException {
        if (blocksHash == null || blocksHash.length != 32) {
            return null;
        }
        if (path != null && PathRules.problem(path) == null) {
            FileEntry e = f.index().get(path).orElse(null);
            if (e != null && e.live() && Arrays.equals(e.blocksHash(), blocksHash) && f.index().hasBlocks(path)) {
                return new Holder(path, e.size(), null);
            }
        }
        for (FileEntry same : f.index().withContent(blocksHash)) {
            if (f.index().hasBlocks(same.path())) {
                return new Holder(same.path(), same.size(), null);
            }
        }
        for (FolderIndex.Kept k : f.index().keptWithContent(blocksHash)) {
            DiskState st;
            try {
                st = DiskState.of(Versions.resolveIndexed(f.root(), k.path()));
            } catch (IllegalArgumentException e) {
                continue; // not a name this node would have made
            }
            if (st != null && FileEntry.FILE.equals(st.type()) && st.size() == k.blocks().totalSize()) {
                return new Holder(k.path(), st.size(), k.blocks()); // pruned or restored since: not this one
            }
        }
        return null;
    }

    private byte[] readBlock(Folder f, byte[] hash, int size) throws IOException {
        if (size <= 0 || size > dev.ferry.chunk.FastCdc.PROTOCOL_MAX) {
            return null;
        }
        long key = java.nio.ByteBuffer.wrap(hash).getLong();
        for (FolderIndex.BlockAt at : f.index().findBlock(key)) {
            if (at.size() != size) {
                continue;
            }
            try (var ch = java.nio.channels.FileChannel.open(Versions.resolveIndexed(f.root(), at.path()),
                    java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(size);
                while (buf.hasRemaining() && ch.read(buf, at.offset() + buf.position()) >= 0) {
                    // read until full or end of file
                }
                if (!buf.hasRemaining() && Arrays.equals(BlockList.sha256().digest(buf.array()), hash)) {
                    return buf.array();
                }
            } catch (IOException | IllegalArgumentException e) {
                // changed or gone since it was indexed: try the next place; the scanner will catch up
            }
        }
        return null;
    }

    private Folder memberFolder(String libraryId, PeerLink link) throws IOException {
        if (libraryId == null || !libraries.isMember(libraryId, link.remoteId().toString())) {
            return null;
        }
        return folders.apply(libraryId);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
