/**
 * The HTTP face of the daemon: the CAN-compatible store API under {@code /api/v1/can/0/} (can-sync.txt),
 * its Server-Sent Events stream, the access rules (loopback without a token only for loopback Host and
 * same-origin requests; the bearer token otherwise) and the JSON envelope
 * {@code {"status":"success","data":...}} / {@code {"status":"error","error":"..."}}. Handlers translate
 * HTTP to calls on {@link dev.ferry.store.AssetStore}; they hold no state of their own beyond open streams.
 * Nothing here ever sends a stack trace to a client: every failure becomes an envelope with a message.
 */
package dev.ferry.api;
