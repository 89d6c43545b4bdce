package dev.ferry.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ConstructionTest {
    private static final List<LibraryState> NO_LIBS = List.of();

    private static void refused(String expected, Executable construction) {
        String message = assertThrows(IllegalArgumentException.class, construction).getMessage();
        assertTrue(message.contains(expected), message);
    }

    @Test
    void messagesOutsideTheLimitsCannotBeBuilt() {
        refused("at most 16 listen address", () -> Hello.current("p", "n", Collections.nCopies(17, "h:1"), List.of(), NO_LIBS));
        refused("name must be 0 to 64", () -> Hello.current("p", "n".repeat(65), List.of(), List.of(), NO_LIBS));
        refused("peer id must be 1 to 128", () -> new HelloAck(1, 0, "", "n", List.of(), List.of(), NO_LIBS));
        refused("feature list has a null", () -> Hello.current("p", "n", List.of(), Collections.singletonList(null), NO_LIBS));
        refused("lone surrogate", () -> Hello.current("p", "bad\uD800", List.of(), List.of(), NO_LIBS));
        refused("digest must be 32 bytes", () -> new LibraryState("l", 0, new byte[16]));
        refused("negative revision", () -> new LibraryState("l", -1, new byte[32]));
        refused("nonzero request id", () -> new Request(0, "get", new byte[0]));
        refused("method must be 1 to 64", () -> new Request(1, "", new byte[0]));
        refused("at most 1047552", () -> new Response(1, 0, new byte[Protocol.MAX_BODY + 1], true));
        refused("positive", () -> new Credit(1, 0));
        refused("nonzero request id", () -> new Cancel(0));
        refused("at most 1048576", () -> new Data(1, new byte[Protocol.MAX_PAYLOAD + 1], true));
        refused("goodbye reason must be 0 to 1024", () -> new Goodbye("r".repeat(1025)));
    }

    @Test
    void helloTooLargeForAFrameIsRefusedWhenEncoded() {
        List<LibraryState> libs = new ArrayList<>();
        String longId = "\uD83D\uDE00".repeat(Protocol.MAX_LIBRARY_ID);   // 512 bytes of UTF-8
        for (int i = 0; i < Protocol.MAX_LIBRARIES; i++) {
            libs.add(new LibraryState(longId, i, new byte[32]));
        }
        Hello huge = Hello.current("p", "n", List.of(), List.of(), libs);
        refused("a frame holds at most 1048576", () -> MessageCodec.encode(huge));
    }

    @Test
    void listsAreCopiedAndUnmodifiable() {
        List<String> addrs = new ArrayList<>(List.of("10.0.0.1:1"));
        Hello h = Hello.current("p", "n", addrs, List.of(), NO_LIBS);
        addrs.add("10.0.0.2:2");
        assertEquals(List.of("10.0.0.1:1"), h.listenAddrs());
        assertThrows(UnsupportedOperationException.class, () -> h.features().add("x"));
    }

    @Test
    void errorMessageOfCutsLongTextsInsteadOfFailing() {
        ErrorMessage e = ErrorMessage.of(0, ErrorCode.INTERNAL, "x".repeat(5000) + "\uD800");
        assertEquals(Protocol.MAX_TEXT, e.message().length());
        assertEquals("lone ? replaced", ErrorMessage.of(0, ErrorCode.INTERNAL, "lone \uDC00 replaced").message());
        assertEquals(10, e.code());
    }

    @Test
    void dataSliceOutsideItsArrayIsRefused() {
        assertThrows(IndexOutOfBoundsException.class, () -> MessageCodec.dataFrame(1, new byte[10], 5, 6, true));
    }
}
