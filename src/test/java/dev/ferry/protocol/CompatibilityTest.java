package dev.ferry.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CompatibilityTest {

    @Test
    void sameMajorIsCompatibleWhateverTheMinor() {
        assertTrue(new Hello(Protocol.MAJOR, 0, "p", "", List.of(), List.of(), List.of()).isCompatible());
        assertTrue(new HelloAck(Protocol.MAJOR, 42, "p", "", List.of(), List.of(), List.of()).isCompatible());
        assertTrue(Hello.current("p", "", List.of(), List.of(), List.of()).isCompatible());
    }

    @Test
    void differentMajorIsIncompatible() {
        assertFalse(Protocol.isCompatible(0));
        assertFalse(Protocol.isCompatible(Protocol.MAJOR + 1));
    }

    @Test
    void commonFeaturesAreTheIntersectionInOurOrder() {
        assertEquals(List.of("delta", "zstd"),
                Protocol.commonFeatures(List.of("delta", "relay", "zstd", "delta"), List.of("zstd", "delta", "quic")));
        assertEquals(List.of(), Protocol.commonFeatures(List.of("a"), List.of()));
    }

    @Test
    void errorCodesKeepTheirWireValues() {
        String expected = "PROTOCOL=1 VERSION=2 UNAUTHORIZED=3 FRAME_TOO_LARGE=4 UNKNOWN_TYPE=5 UNEXPECTED=6 TIMEOUT=7 "
                + "RATE_LIMIT=8 NOT_FOUND=9 INTERNAL=10 SHUTTING_DOWN=11";
        StringBuilder actual = new StringBuilder();
        for (ErrorCode c : ErrorCode.values()) {
            actual.append(actual.isEmpty() ? "" : " ").append(c).append('=').append(c.code());
            assertEquals(Optional.of(c), ErrorCode.fromCode(c.code()));
        }
        assertEquals(expected, actual.toString());
        assertEquals(ErrorCode.NOT_FOUND.code(), ErrorCode.Wire.NOT_FOUND);
    }

    @Test
    void unknownErrorCodeIsKeptButHasNoName() {
        assertEquals(Optional.empty(), ErrorCode.fromCode(0));
        assertEquals(Optional.empty(), ErrorCode.fromCode(12));
        assertEquals(Optional.empty(), new ErrorMessage(0, 4711, "from the future").errorCode());
        assertEquals(Optional.of(ErrorCode.TIMEOUT), new ErrorMessage(5, ErrorCode.TIMEOUT, "").errorCode());
    }
}
