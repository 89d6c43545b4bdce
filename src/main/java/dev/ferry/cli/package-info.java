/**
 * The {@code ferry} command line: {@code start}/{@code store} run a daemon in the foreground; the other
 * commands ({@code ingest}, {@code ls}, {@code get}, {@code status}) are clients of a running daemon and
 * talk to it only through its HTTP API, never by opening its files (except the token and URL files the
 * daemon publishes for them). Exit codes: 0 success, 1 the operation failed, 2 bad usage or configuration.
 */
package dev.ferry.cli;
