package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte examples docs/protocol.md gives for library.members, checked against the encoder and decoder. */
class MembersVectorsTest {
    static final String REQUEST = "bf6a6c6962726172795f6964614cff";
    static final String ANSWER = "bf676d656d6265727381bf67706565725f6964627032656164647273816e3132372e302e302e313a33323133ffff";

    @Test
    void requestAndAnswerBytes() throws Exception {
        assertEquals(REQUEST, HexFormat.of().formatHex(Messages.encode(new Messages.MembersRequest("L"))));
        Messages.MembersReply reply = Messages.decode(HexFormat.of().parseHex(ANSWER), Messages.MembersReply.class);
        assertEquals("p2", reply.members().get(0).peerId());
        assertEquals(List.of("127.0.0.1:3213"), reply.members().get(0).addrs());
        assertEquals(ANSWER, HexFormat.of().formatHex(Messages.encode(reply)));
    }
}
