package dev.ferry.folder;

import dev.ferry.library.LibraryStore;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerManager;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How the applier reaches a folder's members: block lists, byte ranges and single blocks, asked of the members
 * that announced the version first (rotated on retries, to spread load and get past one that fails), then of any
 * other connected member. Thread-safe.
 */
final class MemberLinks implements Applier.Remote {
    private final LibraryStore libraries;
    private final PeerManager peers;

    MemberLinks(LibraryStore libraries, PeerManager peers) {
        this.libraries = libraries;
        this.peers = peers;
    }

    @Override
    public BlockList blockList(String libraryId, FileEntry e, List<String> sources) throws IOException {
        IOException last = null;
        for (PeerLink link : linksFor(libraryId, sources, 0)) {
            try {
                PeerLink.Reply r = link.request("folder.blocks", FolderMessages.encode(
                        new FolderMessages.BlocksRequest(libraryId, e.path(), e.blocksHash()))).get(60, TimeUnit.SECONDS);
                long max = (long) Math.max(0, e.blockCount()) * BlockList.RECORD;
                try (InputStream in = r.stream()) {
                    byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
                    if (data.length > max) {
                        throw new IOException("block list of " + e.path() + " longer than announced");
                    }
                    BlockList bl = BlockList.decode(data);
                    if (Arrays.equals(bl.identity(), e.blocksHash())) {
                        return bl;
                    }
                    last = new IOException("peer " + link.remoteId().shortForm() + " sent a block list that does not match");
                }
            } catch (Exception ex) {
                last = ex instanceof IOException io ? io : new IOException(ex.getMessage(), ex);
            }
        }
        throw last != null ? last : new IOException("no member that has " + e.path() + " is connected");
    }

    @Override
    public InputStream range(String libraryId, FileEntry e, long offset, long length, List<String> sources, int attempt)
            throws IOException {
        List<PeerLink> links = linksFor(libraryId, sources, attempt);
        if (links.isEmpty()) {
            throw new IOException("no member that has " + e.path() + " is connected");
        }
        return streamOf(links.get(0), "folder.range", new FolderMessages.RangeRequest(libraryId, e.path(), e.blocksHash(), offset, length));
    }

    /** Asks {@code link} for a streamed answer and returns the stream; failures, a refusal or no answer in 60 s as IOException. */
    static InputStream streamOf(PeerLink link, String method, Object body) throws IOException {
        try {
            return link.request(method, FolderMessages.encode(body)).get(60, TimeUnit.SECONDS).stream();
        } catch (java.util.concurrent.ExecutionException ex) {
            throw ex.getCause() instanceof IOException io ? io : new IOException(ex.getCause().getMessage(), ex.getCause());
        } catch (java.util.concurrent.TimeoutException ex) {
            throw new IOException("no answer to " + method + " within 60 s");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Override
    public CompletableFuture<byte[]> block(String libraryId, byte[] hash, int size, List<String> sources, int attempt) {
        List<PeerLink> links;
        try {
            links = linksFor(libraryId, sources, attempt);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (links.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no member that has this file is connected"));
        }
        PeerLink link = links.get(0);
        return link.request("folder.block", FolderMessages.encode(new FolderMessages.BlockRequest(libraryId, hash, size)))
                .thenCompose(r -> {
                    if (r.body().length != size) {
                        return CompletableFuture.failedFuture(new IOException("block of the wrong size from " + link.remoteId().shortForm()));
                    }
                    return CompletableFuture.completedFuture(r.body());
                })
                .exceptionallyCompose(ex -> attempt < Math.max(2, links.size())
                        ? block(libraryId, hash, size, sources, attempt + 1)
                        : CompletableFuture.failedFuture(ex));
    }


    /** Connected members, the announcing sources first, rotated by {@code attempt} to spread load and retries. */
    private List<PeerLink> linksFor(String libraryId, List<String> sources, int attempt) throws IOException {
        List<PeerLink> first = new ArrayList<>();
        List<PeerLink> rest = new ArrayList<>();
        for (var m : libraries.members(libraryId)) {
            Optional<PeerLink> l = peers.link(PeerId.parse(m.peerId()));
            if (l.isPresent() && l.get().isOpen()) {
                (sources.contains(m.peerId()) ? first : rest).add(l.get());
            }
        }
        if (!first.isEmpty()) {
            Collections.rotate(first, -(attempt % first.size()));
        }
        first.addAll(rest);
        return first;
    }
}
