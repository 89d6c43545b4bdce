package dev.ferry.protocol;

/** The type byte of each frame, and which header fields each type allows. */
final class FrameType {
    private FrameType() {}

    static final int HELLO = 0x01;
    static final int HELLO_ACK = 0x02;
    static final int ERROR = 0x03;
    static final int PING = 0x04;
    static final int PONG = 0x05;
    static final int GOODBYE = 0x06;
    static final int REQUEST = 0x10;
    static final int RESPONSE = 0x11;
    static final int DATA = 0x12;
    static final int CREDIT = 0x13;
    static final int CANCEL = 0x14;

    static int of(Message m) {
        return switch (m) {
            case Hello h -> HELLO;
            case HelloAck a -> HELLO_ACK;
            case ErrorMessage e -> ERROR;
            case Ping p -> PING;
            case Pong p -> PONG;
            case Goodbye g -> GOODBYE;
            case Request r -> REQUEST;
            case Response r -> RESPONSE;
            case Data d -> DATA;
            case Credit c -> CREDIT;
            case Cancel c -> CANCEL;
        };
    }

    static boolean isKnown(int type) {
        return (type >= HELLO && type <= GOODBYE) || (type >= REQUEST && type <= CANCEL);
    }

    /** Types that must travel on channel 0. Error may use any channel. */
    static boolean isConnectionLevel(int type) {
        return type != ERROR && type <= GOODBYE;
    }

    /** Types that must travel on a request id. */
    static boolean isRequestLevel(int type) {
        return type >= REQUEST;
    }

    /** Types that may carry the END flag. */
    static boolean allowsEnd(int type) {
        return type == RESPONSE || type == DATA;
    }

    static String name(int type) {
        return switch (type) {
            case HELLO -> "Hello";
            case HELLO_ACK -> "HelloAck";
            case ERROR -> "Error";
            case PING -> "Ping";
            case PONG -> "Pong";
            case GOODBYE -> "Goodbye";
            case REQUEST -> "Request";
            case RESPONSE -> "Response";
            case DATA -> "Data";
            case CREDIT -> "Credit";
            case CANCEL -> "Cancel";
            default -> String.format("type 0x%02x", type);
        };
    }
}
