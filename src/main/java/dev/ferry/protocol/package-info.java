/**
 * The wire format of the Ferry peer protocol, version 1 ({@code docs/protocol.md}): length-prefixed frames
 * over any byte stream, the closed set of {@link dev.ferry.protocol.Message}s, their CBOR payloads, the limits
 * every message obeys and the error codes peers exchange. {@link dev.ferry.protocol.FrameReader} and
 * {@link dev.ferry.protocol.FrameWriter} are the public face; {@link dev.ferry.protocol.Protocol} holds the
 * constants. Bytes from a peer are untrusted: decoding checks every length before allocating and fails only
 * with {@link dev.ferry.protocol.ProtocolException} (or the stream's own {@code IOException}). This package
 * never opens sockets, starts threads, keeps time, or knows about TLS, peers' state, libraries or the store;
 * the handshake, timeouts, request tables and flow-control accounting belong to the link layer above it.
 */
package dev.ferry.protocol;
