/**
 * Libraries: what a library is (id, name, kind, filter), who its members are, the invites that let a peer
 * become one, and the library's index: one entry per asset with the monotonic library revision at which it
 * last changed, so that a peer can ask for "everything since revision N". Persisted in
 * {@code <data_dir>/libraries.db}. This package holds state and rules; it never talks to the network
 * (that is {@code dev.ferry.sync}) and never reads blob bytes.
 */
package dev.ferry.library;
