package dev.ferry.peer;

import java.io.InputStream;

/**
 * Serves requests a peer sends on a link. Called on a virtual thread of its own per request, so it may
 * block; it must answer through the {@link Responder} exactly once (an exception becomes an INTERNAL error).
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(PeerLink link, String method, byte[] body, Responder responder) throws Exception;

    /** How a handler answers. */
    interface Responder {
        /** A complete answer. {@code status} 0 is success, anything else a protocol error code. */
        void respond(int status, byte[] body) throws java.io.IOException;

        /**
         * A streamed answer: {@code head} in the Response, then {@code data} in Data frames of at most 64 KiB,
         * sent only as fast as the requester grants Credit. Returns when all was sent or the requester cancelled.
         */
        void stream(byte[] head, InputStream data) throws java.io.IOException;
    }

    /** Refuses everything with NOT_FOUND: a link on which this side serves nothing. */
    RequestHandler NONE = (link, method, body, r) ->
            r.respond(dev.ferry.protocol.ErrorCode.NOT_FOUND.code(), ("no method " + method).getBytes(java.nio.charset.StandardCharsets.UTF_8));
}
