package dev.ferry.sync;

import dev.ferry.library.LibraryStore;
import dev.ferry.peer.PeerId;
import dev.ferry.peer.PeerLink;
import dev.ferry.peer.PeerManager;
import dev.ferry.peer.PullRunner;
import dev.ferry.protocol.Protocol;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Members of a library learn of each other, so that a library shared by several nodes is not a star around
 * whoever invited them: when the inviter is away, the others still sync directly. A node asks each member it
 * is linked to for the members that member records ({@code library.members}) and records those it did not know
 * as <em>introduced</em> by it, with the addresses given, which makes the peer manager dial them. An introduced
 * member stays only as long as its introducer lists it and is a member itself; a member a person removed here
 * never comes back by introduction. Whenever its list changes, a node tells its connected members
 * ({@code library.members.changed}) and they ask again. See docs/protocol.md, "Members learn of each other".
 * Asking is coalesced per library and member by a {@link PullRunner}. Thread-safe.
 */
final class Introductions {
    private static final Logger log = LoggerFactory.getLogger(Introductions.class);
    /** Members listed in an answer, and read from one. With the limits below an answer stays far below a frame. */
    static final int MAX_MEMBERS = 1024;
    /** Addresses per listed member, each 1 … {@link Protocol#MAX_LISTEN_ADDR} code points as in Hello. */
    static final int MAX_ADDRESSES = 4;
    /** The peer-table source of a peer first known through an introduction. */
    static final String SOURCE = "introduced";

    private final LibraryStore libraries;
    private final PeerManager peers;
    private final Clock clock;
    private final BiConsumer<String, PeerLink> memberReachable;
    private final PullRunner asking;

    /**
     * @param memberReachable called with a library and the link to a member that became a member of it while
     *     linked (its Hello did not list the library, so syncing must be started by hand)
     */
    Introductions(LibraryStore libraries, PeerManager peers, Clock clock, BiConsumer<String, PeerLink> memberReachable) {
        this.libraries = libraries;
        this.peers = peers;
        this.clock = clock;
        this.memberReachable = memberReachable;
        // A member that does not count us one yet answers NOT_FOUND: the runner stops, and the next link, change
        // notice or periodic reconcile asks again.
        this.asking = new PullRunner(peers, "members", this::ask);
    }

    /** The answer to {@code library.members} from {@code link}'s peer, a member: every other member, with addresses. */
    Messages.MembersReply list(String libraryId, PeerLink link) throws IOException {
        List<Messages.MemberInfo> out = new ArrayList<>();
        for (LibraryStore.Member m : libraries.members(libraryId)) {
            if (m.peerId().equals(link.remoteId().toString())) {
                continue;
            }
            if (out.size() == MAX_MEMBERS) {
                break;
            }
            out.add(new Messages.MemberInfo(m.peerId(), addresses(peers.view(PeerId.parse(m.peerId())).addresses())));
        }
        return new Messages.MembersReply(out);
    }

    /** At most {@link #MAX_ADDRESSES} addresses, each non-empty and no longer than Hello allows; others are dropped. */
    static List<String> addresses(List<String> given) {
        List<String> out = new ArrayList<>();
        if (given == null) {
            return out;
        }
        for (String a : given) {
            if (out.size() == MAX_ADDRESSES) {
                break;
            }
            if (a != null && !a.isEmpty() && a.codePointCount(0, a.length()) <= Protocol.MAX_LISTEN_ADDR) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * Asks the member at {@code link} for its members, in the background, and takes in what changed. Questions
     * to one member about one library run one at a time, one more if asked meanwhile ({@link PullRunner}), so
     * answers are taken in order and a chatty member costs one thread.
     */
    void refresh(String libraryId, PeerLink link) {
        asking.request(libraryId, link);
    }

    private void ask(String libraryId, PeerLink link) throws Exception {
        PeerLink.Reply r = link.request("library.members", Messages.encode(new Messages.MembersRequest(libraryId)))
                .get(30, TimeUnit.SECONDS);
        take(libraryId, link, Messages.decode(r.body(), Messages.MembersReply.class));
    }

    private void take(String libraryId, PeerLink link, Messages.MembersReply reply) throws IOException {
        String by = link.remoteId().toString();
        Map<String, List<String>> listed = new LinkedHashMap<>();
        List<Messages.MemberInfo> members = reply.members() == null ? List.of() : reply.members();
        for (Messages.MemberInfo m : members.subList(0, Math.min(MAX_MEMBERS, members.size()))) {
            try {
                listed.put(PeerId.parse(m.peerId()).toString(), addresses(m.addrs()));
            } catch (RuntimeException e) {
                log.info("library {}: member {} listed an unreadable peer id; ignored", libraryId, link.remoteId().shortForm());
            }
        }
        LibraryStore.Introduced result = libraries.introduce(libraryId, by, peers.localId().toString(), listed.keySet(),
                clock.millis());
        for (String added : result.added()) {
            PeerId id = PeerId.parse(added);
            log.info("library {}: member {} introduced member {}", libraryId, link.remoteId().shortForm(), id.shortForm());
            if (!peers.isKnown(id)) {
                peers.trust(id, listed.get(added), SOURCE);
            }
            peers.link(id).ifPresent(l -> memberReachable.accept(libraryId, l));
        }
        forgetWithdrawn(libraryId, result.withdrawn(), "member " + link.remoteId().shortForm() + " no longer lists it");
        if (result.changed()) {
            announce(libraryId);
        }
    }

    /**
     * Peers that stopped being members here: one known only through an introduction and sharing nothing else with
     * us becomes a stranger again (not dialled, its link closed).
     */
    void forgetWithdrawn(String libraryId, List<String> gone, String why) throws IOException {
        for (String peer : gone) {
            PeerId id = PeerId.parse(peer);
            log.info("library {}: {} is no longer a member here ({})", libraryId, id.shortForm(), why);
            if (libraries.sharedWith(peer).isEmpty() && peers.knownThrough(id).filter(SOURCE::equals).isPresent()) {
                peers.forget(id);
            }
        }
    }

    /**
     * Tells every connected member that this node's member list of the library changed. The member the change came
     * from is told too: its next answer changes nothing here, which ends the exchange, and it may have to take
     * back what it learnt from us.
     */
    void announce(String libraryId) {
        try {
            byte[] body = Messages.encode(new Messages.MembersRequest(libraryId));
            for (LibraryStore.Member m : libraries.members(libraryId)) {
                peers.link(PeerId.parse(m.peerId())).ifPresent(l -> l.request("library.members.changed", body));
            }
        } catch (IOException e) {
            log.warn("library {}: cannot announce its members: {}", libraryId, e.getMessage());
        }
    }

    /** Asks every connected member of the library again (after a removal, or periodically). */
    void refreshAll(String libraryId) {
        try {
            for (LibraryStore.Member m : libraries.members(libraryId)) {
                peers.link(PeerId.parse(m.peerId())).ifPresent(l -> refresh(libraryId, l));
            }
        } catch (IOException e) {
            log.warn("library {}: cannot ask its members: {}", libraryId, e.getMessage());
        }
    }

    void close() {
        asking.close();
    }
}
