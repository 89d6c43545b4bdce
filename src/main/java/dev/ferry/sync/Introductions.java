package dev.ferry.sync;

import dev.ferry.library.LibraryStore;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerManager;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Members of a library learn of each other, so that a library shared by several nodes is not a star around
 * whoever invited them: when the inviter is away, the others still sync directly. A node asks each member it
 * is linked to for the members that member records ({@code library.members}) and records those it did not know
 * as <em>introduced</em> by it, with the addresses given, which makes the peer manager dial them. An introduced
 * member stays only as long as its introducer lists it: a member revoked by the node that introduced it
 * disappears everywhere that node's list reached. Whenever its list changes, a node tells its connected
 * members ({@code library.members.changed}) and they ask again. Lists converge: a node tells others only when
 * its own list changed. See docs/protocol.md, "Members learn of each other". Thread-safe.
 */
final class Introductions {
    private static final Logger log = LoggerFactory.getLogger(Introductions.class);
    /** More than any library is expected to have; a longer list is cut (its reply must fit in one frame). */
    static final int MAX_MEMBERS = 1024;
    static final int MAX_ADDRESSES = 16;
    /** The peer-table source of a peer first known through an introduction. */
    static final String SOURCE = "introduced";

    private final LibraryStore libraries;
    private final PeerManager peers;
    private final Clock clock;
    private final BiConsumer<String, PeerLink> memberReachable;

    /**
     * @param memberReachable called with a library and the link to a member that became a member of it while
     *     linked (its Hello did not list the library, so syncing must be started by hand)
     */
    Introductions(LibraryStore libraries, PeerManager peers, Clock clock, BiConsumer<String, PeerLink> memberReachable) {
        this.libraries = libraries;
        this.peers = peers;
        this.clock = clock;
        this.memberReachable = memberReachable;
    }

    /** The answer to {@code library.members} from {@code link}'s peer, a member: every other member, with addresses. */
    Messages.MembersReply list(String libraryId, PeerLink link) throws IOException {
        List<Messages.MemberInfo> out = new ArrayList<>();
        for (LibraryStore.Member m : libraries.members(libraryId)) {
            if (m.peerId().equals(link.remoteId().toString()) || out.size() >= MAX_MEMBERS) {
                continue;
            }
            List<String> addrs = peers.view(PeerId.parse(m.peerId())).addresses();
            out.add(new Messages.MemberInfo(m.peerId(), addrs.subList(0, Math.min(MAX_ADDRESSES, addrs.size()))));
        }
        return new Messages.MembersReply(out);
    }

    /** Asks the member at {@code link} for its members, in the background, and takes in what changed. */
    void refresh(String libraryId, PeerLink link) {
        Thread.ofVirtual().name("members-" + link.remoteId().shortForm()).start(() -> {
            try {
                PeerLink.Reply r = link.request("library.members", Messages.encode(new Messages.MembersRequest(libraryId)))
                        .get(30, TimeUnit.SECONDS);
                take(libraryId, link, Messages.decode(r.body(), Messages.MembersReply.class));
            } catch (Exception e) {
                // An older peer without the method, a link that closed, or one that does not count us a member yet:
                // nothing to learn now; the next link or change notice asks again.
                log.debug("library {}: no member list from {}: {}", libraryId, link.remoteId().shortForm(), e.getMessage());
            }
        });
    }

    private void take(String libraryId, PeerLink link, Messages.MembersReply reply) throws IOException {
        String by = link.remoteId().toString();
        if (libraries.get(libraryId).isEmpty() || !libraries.isMember(libraryId, by)) {
            return; // the library was deleted or the member removed while we asked
        }
        Set<String> listed = new HashSet<>();
        boolean changed = false;
        List<Messages.MemberInfo> members = reply.members() == null ? List.of() : reply.members();
        for (Messages.MemberInfo m : members.subList(0, Math.min(MAX_MEMBERS, members.size()))) {
            PeerId id;
            try {
                id = PeerId.parse(m.peerId());
            } catch (RuntimeException e) {
                log.info("library {}: member {} listed an unreadable peer id; ignored", libraryId, link.remoteId().shortForm());
                continue;
            }
            listed.add(id.toString());
            if (id.equals(peers.localId()) || id.toString().equals(by)
                    || !libraries.introduceMember(libraryId, id.toString(), by, clock.millis())) {
                continue;
            }
            changed = true;
            log.info("library {}: member {} introduced member {}", libraryId, link.remoteId().shortForm(), id.shortForm());
            if (!peers.isKnown(id)) {
                List<String> addrs = m.addrs() == null ? List.of() : m.addrs();
                peers.trust(id, addrs.subList(0, Math.min(MAX_ADDRESSES, addrs.size())), SOURCE);
            }
            peers.link(id).ifPresent(l -> memberReachable.accept(libraryId, l));
        }
        List<String> withdrawn = libraries.withdrawIntroductions(libraryId, by, listed);
        for (String gone : withdrawn) {
            PeerId id = PeerId.parse(gone);
            log.info("library {}: member {} no longer lists {}; no longer a member here", libraryId,
                    link.remoteId().shortForm(), id.shortForm());
            // Known only because it was introduced, and sharing nothing with us now: a stranger again, not dialled.
            if (libraries.sharedWith(gone).isEmpty() && peers.knownThrough(id).filter(SOURCE::equals).isPresent()) {
                peers.forget(id);
            }
        }
        if (changed || !withdrawn.isEmpty()) {
            announce(libraryId, by);
        }
    }

    /** Tells every connected member but {@code except} that this node's member list of the library changed. */
    void announce(String libraryId, String except) {
        try {
            byte[] body = Messages.encode(new Messages.MembersRequest(libraryId));
            for (LibraryStore.Member m : libraries.members(libraryId)) {
                if (!m.peerId().equals(except)) {
                    peers.link(PeerId.parse(m.peerId())).ifPresent(l -> l.request("library.members.changed", body));
                }
            }
        } catch (IOException e) {
            log.warn("library {}: cannot announce its members: {}", libraryId, e.getMessage());
        }
    }
}
